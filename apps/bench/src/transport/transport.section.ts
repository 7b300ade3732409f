import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BenchSection } from '../sections';
import { generateIdlTypes, WORKSPACE_ROOT } from '../lib/idl-codegen';
import { markdownTable, writeSectionReport, BENCH_OUTPUT_DIR } from '../lib/report';
import { round, summarize } from '../lib/stats';
import { ddsperfRoundTrip, ddsperfThroughput } from './ddsperf';

const DOMAIN_ID = 80;
const PAYLOAD_BYTES = 100;
const WARMUP = 1_000;
const SAMPLES = 10_000;
const THROUGHPUT_SECONDS = 5;
const DDSPERF_SECONDS = 6;

const root = WORKSPACE_ROOT;

function ddsEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CYCLONEDDS_URI:
      process.env['CYCLONEDDS_URI'] ??
      `file://${join(root, 'tools', 'dds', 'cyclonedds-loopback.xml')}`,
  };
}

/** Generates the benchmark's sample type with the transport's own code generator. */
function generateTypes(): string {
  return generateIdlTypes(join(__dirname, 'ping.idl'), join(root, BENCH_OUTPUT_DIR, 'gen'));
}

async function runPeers(
  roles: readonly [string, string],
  domainId: number,
  typesModule: string,
  options: object,
): Promise<unknown> {
  const start = (role: string) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, 'node-peer.ts'),
        role,
        String(domainId),
        typesModule,
        JSON.stringify(options),
      ],
      { cwd: root, env: ddsEnv(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const done = once(child, 'exit').then(([code]) => {
      if (code !== 0) throw new Error(`node-peer ${role} exited with ${code}`);
      return out;
    });
    return done;
  };
  const [a, b] = await Promise.all(roles.map(start));
  const line = (a + b).trim().split('\n').filter(Boolean).pop();
  if (!line) throw new Error(`node-peer ${roles.join('/')} printed no result`);
  return JSON.parse(line);
}

/**
 * Transport overhead: Node<->Node round trips and throughput across two processes, against
 * CycloneDDS's own ddsperf on the same machine in the same run.
 */
export const transportSection: BenchSection = {
  name: 'transport',
  async run() {
    const typesModule = generateTypes();
    const env = ddsEnv();
    const ddsperfRtt = await ddsperfRoundTrip(DOMAIN_ID, DDSPERF_SECONDS, env);
    const pingResult = (await runPeers(['pong', 'ping'], DOMAIN_ID + 1, typesModule, {
      payloadBytes: 12,
      warmup: WARMUP,
      count: SAMPLES,
      seconds: 0,
    })) as { rtt_us: number[] };
    const rtt = summarize(pingResult.rtt_us);
    const ddsperfSps = await ddsperfThroughput(DOMAIN_ID + 2, DDSPERF_SECONDS, PAYLOAD_BYTES, env);
    const sub = (await runPeers(['sub', 'pub'], DOMAIN_ID + 3, typesModule, {
      payloadBytes: PAYLOAD_BYTES,
      warmup: 0,
      count: 0,
      seconds: THROUGHPUT_SECONDS,
    })) as { sps: number; received: number };

    const data = {
      rtt_us: { p50: round(rtt.p50), p90: round(rtt.p90), p99: round(rtt.p99) },
      rtt_samples: rtt.n,
      ddsperf_rtt_us: {
        p50: round(ddsperfRtt.p50),
        p90: round(ddsperfRtt.p90),
        p99: round(ddsperfRtt.p99),
      },
      rtt_p50_ratio: round(rtt.p50 / ddsperfRtt.p50),
      throughput_sps: Math.round(sub.sps),
      ddsperf_throughput_sps: Math.round(ddsperfSps),
      throughput_ratio: round(sub.sps / ddsperfSps),
      payload_bytes: PAYLOAD_BYTES,
      rtt_payload_bytes: 12,
      targets: { rtt_p50_ratio_max: 2.5, throughput_ratio_min: 0.35 },
    };
    const table = markdownTable(
      ['metric', 'Node <-> Node (@dds/transport)', 'ddsperf (C)', 'ratio', 'target'],
      [
        [
          'round trip p50 (us)',
          data.rtt_us.p50,
          data.ddsperf_rtt_us.p50,
          data.rtt_p50_ratio,
          '<= 2.5x',
        ],
        [
          'round trip p90 (us)',
          data.rtt_us.p90,
          data.ddsperf_rtt_us.p90,
          round(rtt.p90 / ddsperfRtt.p90),
          '',
        ],
        [
          'round trip p99 (us)',
          data.rtt_us.p99,
          data.ddsperf_rtt_us.p99,
          round(rtt.p99 / ddsperfRtt.p99),
          '',
        ],
        [
          `throughput, ${PAYLOAD_BYTES} B reliable (samples/s)`,
          data.throughput_sps,
          data.ddsperf_throughput_sps,
          data.throughput_ratio,
          '>= 0.35x',
        ],
      ],
    );
    return writeSectionReport('dds-overhead', 'transport', data, table);
  },
};
