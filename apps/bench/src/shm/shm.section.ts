import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchSection } from '../sections';
import { closedLoop, sequentialLatencies } from '../e2e/e2e.load';
import {
  gatewayReady,
  LOOPBACK_DDS,
  ProcessGroup,
  SIMULATOR_MAIN,
  singleAgentArgs,
} from '../e2e/e2e.processes';
import { markdownTable, machineInfo, writeSectionReport } from '../lib/report';
import { median, round, summarize } from '../lib/stats';
import { ddsperfRoundTrip } from '../transport/ddsperf';
import { generateTypes, runPeers } from '../transport/node-peers';

/** Domains of this section's own (transport uses 80-83, e2e 79, apis 78). */
const DOMAIN = 84;
const ROUNDS = Number(process.env['BENCH_SHM_ROUNDS'] ?? 3);
const DDSPERF_SECONDS = 3;
const NODE_SAMPLES = 3_000;
/** How long a round trip over a transport that delivers nothing is given. */
const PEER_TIMEOUT_MS = 20_000;
const DISCOVERY_TIMEOUT_MS = 15_000;
const MODEL = 'bench-shm';
const E2E_SEQUENTIAL = 500;
const E2E_SECONDS = 3;
const LARGE_BYTES = 16 * 1024;
const SHM_DDS = `file://${join(__dirname, 'cyclonedds-shm.xml')}`;

type Variant = 'udp' | 'shm';
const URI: Record<Variant, string> = { udp: LOOPBACK_DDS, shm: SHM_DDS };

/** iceoryx's RouDi, which every shared-memory participant on this machine attaches to. */
async function startRouDi(): Promise<ChildProcess> {
  const roudi = spawn('iox-roudi', ['-l', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    roudi.once('error', (err) =>
      reject(
        new Error(
          `cannot start iox-roudi (Debian's iceoryx; tools/setup installs it): ${err.message}`,
        ),
      ),
    );
    roudi.once('exit', (code) => reject(new Error(`iox-roudi exited (${code}): ${output}`)));
    for (const stream of [roudi.stdout, roudi.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        output += line + '\n';
        if (line.includes('RouDi is ready for clients')) resolve();
      });
    }
  });
  // With -l warning RouDi still prints its ready line; a timeout names what it said instead.
  const timer = setTimeout(() => roudi.kill('SIGKILL'), 15_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return roudi;
}

async function stopRouDi(roudi: ChildProcess): Promise<void> {
  if (roudi.exitCode !== null || roudi.signalCode !== null) return;
  const exit = once(roudi, 'exit');
  roudi.kill('SIGINT');
  await exit;
}

/**
 * `shm`: CycloneDDS over iceoryx shared memory (`cyclonedds-shm.xml` beside this file, RouDi
 * started here) against loopback UDP. ddsperf (C) round trips at 12 B and 16 KiB, alternated
 * over rounds; then whether `@dds/transport` peers and the gateway with one simulated agent work
 * over it at all, and what they measure if they do.
 */
export const shmSection: BenchSection = {
  name: 'shm',
  async run() {
    const typesModule = generateTypes();
    const roudi = await startRouDi();
    const procs = new ProcessGroup();
    try {
      const ddsperf: Record<Variant, { small: number[]; large: number[] }> = {
        udp: { small: [], large: [] },
        shm: { small: [], large: [] },
      };
      for (let r = 0; r < ROUNDS; r++) {
        const order: Variant[] = r % 2 === 0 ? ['udp', 'shm'] : ['shm', 'udp'];
        for (const variant of order) {
          const env = { ...process.env, CYCLONEDDS_URI: URI[variant] };
          ddsperf[variant].small.push((await ddsperfRoundTrip(DOMAIN, DDSPERF_SECONDS, env)).p50);
          const large = ['size', String(LARGE_BYTES)];
          ddsperf[variant].large.push(
            (await ddsperfRoundTrip(DOMAIN + 1, DDSPERF_SECONDS, env, large)).p50,
          );
        }
      }

      // @dds/transport writes pre-serialized CDR (dds_forwardcdr): does that reach a reader when
      // both endpoints qualify for shared memory?
      const node = {} as Record<Variant, { delivered: boolean; p50?: number; error?: string }>;
      for (const variant of ['udp', 'shm'] as const) {
        try {
          const { ping: result } = (await runPeers(
            ['pong', 'ping'],
            DOMAIN + 2,
            typesModule,
            { payloadBytes: 0, warmup: 200, count: NODE_SAMPLES, seconds: 0 },
            { ...process.env, CYCLONEDDS_URI: URI[variant] },
            PEER_TIMEOUT_MS,
          )) as { ping: { rtt_us: number[] } };
          node[variant] = { delivered: true, p50: summarize(result.rtt_us).p50 };
        } catch (err) {
          node[variant] = { delivered: false, error: firstLine(err) };
        }
      }

      // The gateway and one simulated agent per variant: do they start, does the gateway see it?
      const gateways = {} as Record<Variant, string | undefined>;
      const refusals = {} as Record<Variant, string | undefined>;
      for (const [i, variant] of (['udp', 'shm'] as const).entries()) {
        const env = { CYCLONEDDS_URI: URI[variant] };
        const domain = String(DOMAIN + 10 + i);
        try {
          await procs.start(
            SIMULATOR_MAIN,
            singleAgentArgs(domain, MODEL, `shm-${variant}-`, 256, ['--zero-think']),
            'fleet ready',
            env,
          );
          const gw = await procs.start(
            'apps/gateway/src/main.ts',
            ['--dds-domain', domain, '--port', '0', '--host', '127.0.0.1'],
            'gateway listening',
            env,
          );
          const url = String(gw.record['url']);
          gateways[variant] = (await gatewayReady(url, DISCOVERY_TIMEOUT_MS)) ? url : undefined;
        } catch (err) {
          // @dds/transport refuses writers that would use shared memory: the processes exit.
          refusals[variant] = firstLine(err);
        }
      }
      const e2e: Record<Variant, { p50Ms: number[]; rps: number[] }> = {
        udp: { p50Ms: [], rps: [] },
        shm: { p50Ms: [], rps: [] },
      };
      const ready = (['udp', 'shm'] as const).filter((v) => gateways[v] !== undefined);
      const body = JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'Say something short.' }],
      });
      for (let r = 0; r < ROUNDS; r++) {
        for (const variant of r % 2 === 0 ? ready : [...ready].reverse()) {
          const url = `${gateways[variant]}/v1/chat/completions`;
          if (r === 0) await closedLoop(url, body, 8, 1);
          e2e[variant].p50Ms.push(
            summarize(await sequentialLatencies(url, body, E2E_SEQUENTIAL)).p50,
          );
          const loop = await closedLoop(url, body, 32, E2E_SECONDS);
          if (loop.errors || loop.non2xx || loop.total === 0) {
            throw new Error(`${variant}: ${loop.errors} errors, ${loop.non2xx} non-2xx`);
          }
          e2e[variant].rps.push(loop.rps);
        }
      }

      const med = (values: number[]) => (values.length ? round(median(values)) : null);
      const cell = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v);
      const ratio = (a: number | null | undefined, b: number | null | undefined) =>
        a && b ? `${round(b / a)}x` : 'n/a';
      const report = {
        ddsperf_rtt_p50_us_12b: { udp: med(ddsperf.udp.small), shm: med(ddsperf.shm.small) },
        ddsperf_rtt_p50_us_16k: { udp: med(ddsperf.udp.large), shm: med(ddsperf.shm.large) },
        transport_delivered: { udp: node.udp.delivered, shm: node.shm.delivered },
        transport_rtt_p50_us_12b: {
          udp: node.udp.p50 === undefined ? null : round(node.udp.p50),
          shm: node.shm.p50 === undefined ? null : round(node.shm.p50),
        },
        transport_error_shm: node.shm.error ?? null,
        gateway_saw_agent: { udp: gateways.udp !== undefined, shm: gateways.shm !== undefined },
        gateway_refused_shm: refusals.shm ?? null,
        gateway_p50_ms_c1: { udp: med(e2e.udp.p50Ms), shm: med(e2e.shm.p50Ms) },
        gateway_rps_c32: { udp: med(e2e.udp.rps), shm: med(e2e.shm.rps) },
        samples: {
          rounds: ROUNDS,
          ddsperf_seconds: DDSPERF_SECONDS,
          transport_round_trips: NODE_SAMPLES,
          e2e_sequential: E2E_SEQUENTIAL,
          e2e_seconds: E2E_SECONDS,
        },
        machine: machineInfo(),
      };
      const rows: (string | number)[][] = [
        ['ddsperf round trip p50, 12 B (µs)', ...pair(report.ddsperf_rtt_p50_us_12b)],
        [
          `ddsperf round trip p50, ${LARGE_BYTES / 1024} KiB (µs)`,
          ...pair(report.ddsperf_rtt_p50_us_16k),
        ],
        [
          '@dds/transport writers work over it',
          node.udp.delivered ? 'yes' : 'no',
          node.shm.delivered ? 'yes' : 'no',
          '',
        ],
        ['@dds/transport round trip p50, 12 B (µs)', ...pair(report.transport_rtt_p50_us_12b)],
        [
          'gateway and agent run and meet',
          gateways.udp ? 'yes' : 'no',
          gateways.shm ? 'yes' : 'no',
          '',
        ],
        ['gateway chat, one client, p50 (ms)', ...pair(report.gateway_p50_ms_c1)],
        ['gateway chat, 32 clients (req/s)', ...pair(report.gateway_rps_c32)],
      ];
      function pair(v: { udp: number | null; shm: number | null }): (string | number)[] {
        return [cell(v.udp), cell(v.shm), ratio(v.udp, v.shm)];
      }
      const markdown = [
        markdownTable(['measure', 'loopback UDP', 'shared memory', 'shm / udp'], rows),
        '',
        `Medians of ${ROUNDS} alternated rounds. iceoryx RouDi started by the section. ` +
          `${report.machine.cpus} CPUs shared by every process; load average ` +
          `${report.machine.loadavg_1m}.` +
          (node.shm.delivered ? '' : ` @dds/transport over shared memory: ${node.shm.error}.`) +
          (refusals.shm ? ` Gateway/agent over shared memory: ${refusals.shm}.` : ''),
      ].join('\n');
      return writeSectionReport('dds-overhead', 'shm', report, markdown);
    } finally {
      await procs.stop();
      await stopRouDi(roudi);
    }
  },
};

/** The first line of an error's message (process errors carry the whole log after it). */
function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
