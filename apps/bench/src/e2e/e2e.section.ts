import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { median, round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';
import { ProcessGroup, SIMULATOR_MAIN, singleAgentArgs } from './e2e.processes';
import {
  chatBody,
  closedLoop,
  concurrentStreams,
  cpuTimeMs,
  sequentialLatencies,
  streamGaps,
} from './e2e.load';

/** A DDS domain of its own, so a concurrent test run cannot feed this fleet. */
const DOMAIN = '79';
const CONCURRENCY = [1, 8, 32] as const;
const DURATION_S = Number(process.env['BENCH_E2E_DURATION_S'] ?? 3);
/** Rounds of direct-then-gateway runs, the order swapped each round (A B B A ...). */
const ROUNDS = Number(process.env['BENCH_E2E_ROUNDS'] ?? 3);
const LATENCY_SAMPLES = 2_000;
const STREAMS = 30;
const STREAM_TOKENS = 100;
/** Decode pace of the streaming agent: 2 ms per token, so gaps are the agent's plus our cost. */
const STREAM_TPS = 500;
/** Streams held open at once for the concurrency check (ARCHITECTURE.md: 1,000). */
const HELD_STREAMS = Number(process.env['BENCH_E2E_HELD_STREAMS'] ?? 1000);
/** Tokens and pace of each held stream: 20 tokens at 10/s, so all are open together for ~2 s. */
const HELD_TOKENS = 20;
const HELD_TPS = 10;

interface SimAgent {
  id: string;
  models: string[];
  http?: string;
}

/**
 * `e2e`: non-streaming chat through the gateway (REST -> scheduler -> selector -> DDS) to one
 * simulated agent with zero think time, against the same agent's own OpenAI-compatible HTTP
 * endpoint, at 1, 8 and 32 closed-loop clients; 100-token streams for the inter-token latency
 * the gateway adds; and 1,000 streams held open at once. Everything (clients, gateway, agents)
 * shares this machine.
 */
export const e2eSection: BenchSection = {
  name: 'e2e',
  async run() {
    const procs = new ProcessGroup();
    const start = (entry: string, args: string[], ready: string) => procs.start(entry, args, ready);
    const simulator = (model: string, slots: number, extra: string[]) =>
      start(
        SIMULATOR_MAIN,
        singleAgentArgs(DOMAIN, model, `${model}-`, slots, extra),
        'fleet ready',
      );
    try {
      const sim = await simulator('bench-fast', 256, ['--zero-think', '--output-tokens', '16']);
      const streamer = await simulator('bench-stream', 8, [
        '--ttft-ms',
        '0',
        '--prefill-tps',
        '0',
        '--decode-tps',
        String(STREAM_TPS),
        '--output-tokens',
        String(STREAM_TOKENS),
      ]);
      const held = await simulator('bench-held', HELD_STREAMS, [
        '--ttft-ms',
        '0',
        '--prefill-tps',
        '0',
        '--decode-tps',
        String(HELD_TPS),
        '--output-tokens',
        String(HELD_TOKENS),
      ]);
      const gateway = await start(
        'apps/gateway/src/main.ts',
        ['--dds-domain', DOMAIN, '--port', '0', '--host', '127.0.0.1'],
        'gateway listening',
      );
      const gw = String(gateway.record['url']);
      const fastAgent = (sim.record['agents'] as SimAgent[])[0];
      const streamAgent = (streamer.record['agents'] as SimAgent[])[0];
      const heldAgent = (held.record['agents'] as SimAgent[])[0];
      if (!fastAgent?.http || !streamAgent?.http || !heldAgent?.http) {
        throw new Error('simulator agents have no HTTP endpoint');
      }
      await waitForAgents(gw, 3);

      const direct = `${fastAgent.http}/chat/completions`;
      const viaGateway = `${gw}/v1/chat/completions`;
      const body = chatBody('bench-fast');
      // Warm both paths (JIT, connections, DDS writer match).
      await closedLoop(direct, body, 8, 1);
      await closedLoop(viaGateway, body, 8, 1);

      const rows: (string | number)[][] = [];
      const data: Record<string, number | number[]> = {};
      for (const c of CONCURRENCY) {
        const simPid = sim.proc.child.pid;
        const gwPid = gateway.proc.child.pid;
        const runs = { direct: [] as LoopRun[], gateway: [] as LoopRun[] };
        for (let r = 0; r < ROUNDS; r++) {
          const order =
            r % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const);
          for (const path of order) {
            const a0 = cpuTimeMs(simPid);
            const g0 = cpuTimeMs(gwPid);
            const result = await closedLoop(
              path === 'direct' ? direct : viaGateway,
              body,
              c,
              DURATION_S,
            );
            if (result.errors || result.non2xx || result.total === 0) {
              throw new Error(`errors at c=${c} (${path}): ${result.errors}/${result.non2xx}`);
            }
            runs[path].push({
              ...result,
              agentCpuMs: delta(a0, cpuTimeMs(simPid)),
              gatewayCpuMs: delta(g0, cpuTimeMs(gwPid)),
            });
          }
        }
        // CPU per request (µs): what each process spent, less sensitive to other load than req/s.
        const perReq = (rs: LoopRun[], key: 'agentCpuMs' | 'gatewayCpuMs') => {
          const values = rs.flatMap((x) =>
            x[key] === undefined ? [] : [(1000 * x[key]) / x.total],
          );
          return values.length ? round(median(values)) : undefined;
        };
        const gwCpu = perReq(runs.gateway, 'gatewayCpuMs');
        const agentViaGw = perReq(runs.gateway, 'agentCpuMs');
        const agentDirect = perReq(runs.direct, 'agentCpuMs');
        if (gwCpu !== undefined) data[`gateway_cpu_us_per_req_c${c}`] = gwCpu;
        if (agentViaGw !== undefined) data[`agent_cpu_us_per_req_via_gateway_c${c}`] = agentViaGw;
        if (agentDirect !== undefined) data[`agent_cpu_us_per_req_direct_c${c}`] = agentDirect;
        const g = spreadOf(runs.gateway);
        const d = spreadOf(runs.direct);
        data[`gateway_rps_c${c}`] = round(g.rps);
        data[`direct_rps_c${c}`] = round(d.rps);
        data[`gateway_rps_c${c}_rounds`] = runs.gateway.map((x) => round(x.rps));
        data[`direct_rps_c${c}_rounds`] = runs.direct.map((x) => round(x.rps));
        data[`gateway_p99_ms_c${c}`] = g.p99Ms;
        data[`direct_p99_ms_c${c}`] = d.p99Ms;
        // µs resolution (autocannon's own p50/p99 above are whole milliseconds).
        data[`gateway_p50_us_c${c}`] = round(g.p50Us);
        data[`direct_p50_us_c${c}`] = round(d.p50Us);
        data[`added_p50_us_c${c}`] = round(g.p50Us - d.p50Us);
        data[`gateway_p99_us_c${c}`] = round(g.p99Us);
        data[`direct_p99_us_c${c}`] = round(d.p99Us);
        rows.push([
          `non-streaming, ${c} clients`,
          `${round(d.rps)} (${d.range})`,
          `${round(g.rps)} (${g.range})`,
          `${round((100 * g.rps) / d.rps)}%`,
          round(d.p50Us),
          round(g.p50Us),
          round(g.p50Us - d.p50Us),
          round(d.p99Us),
          round(g.p99Us),
          gwCpu ?? 'n/a',
          `${agentDirect ?? 'n/a'} / ${agentViaGw ?? 'n/a'}`,
        ]);
      }

      const directLatencies: number[] = [];
      const gatewayLatencies: number[] = [];
      const perRound = Math.ceil(LATENCY_SAMPLES / ROUNDS);
      for (let r = 0; r < ROUNDS; r++) {
        const first = r % 2 === 0;
        if (first) directLatencies.push(...(await sequentialLatencies(direct, body, perRound)));
        gatewayLatencies.push(...(await sequentialLatencies(viaGateway, body, perRound)));
        if (!first) directLatencies.push(...(await sequentialLatencies(direct, body, perRound)));
      }
      const dl = summarize(directLatencies);
      const gl = summarize(gatewayLatencies);
      data['direct_p50_ms_c1'] = round(dl.p50);
      data['gateway_p50_ms_c1'] = round(gl.p50);
      data['direct_p99_ms_c1_seq'] = round(dl.p99);
      data['gateway_p99_ms_c1_seq'] = round(gl.p99);
      data['added_p50_ms_c1'] = round(gl.p50 - dl.p50);

      const streamBody = chatBody('bench-stream', true);
      await streamGaps(`${gw}/v1/chat/completions`, streamBody, 3, STREAM_TOKENS);
      const ds = summarize(
        await streamGaps(
          `${streamAgent.http}/chat/completions`,
          streamBody,
          STREAMS,
          STREAM_TOKENS,
        ),
      );
      const gs = summarize(
        await streamGaps(`${gw}/v1/chat/completions`, streamBody, STREAMS, STREAM_TOKENS),
      );
      data['direct_itl_p50_ms'] = round(ds.p50);
      data['gateway_itl_p50_ms'] = round(gs.p50);
      data['added_itl_p50_ms'] = round(gs.p50 - ds.p50);
      data['direct_itl_p99_ms'] = round(ds.p99);
      data['gateway_itl_p99_ms'] = round(gs.p99);

      // Many streams held at once: every one must complete, and token gaps stay the agent's.
      const heldBody = chatBody('bench-held', true);
      const dh = await concurrentStreams(
        `${heldAgent.http}/chat/completions`,
        heldBody,
        HELD_STREAMS,
        HELD_TOKENS,
      );
      const gh = await concurrentStreams(
        `${gw}/v1/chat/completions`,
        heldBody,
        HELD_STREAMS,
        HELD_TOKENS,
      );
      const dhs = summarize(dh.gaps);
      const ghs = summarize(gh.gaps);
      data['held_streams'] = HELD_STREAMS;
      data['held_streams_completed_direct'] = dh.completed;
      data['held_streams_completed_gateway'] = gh.completed;
      data['held_streams_incomplete_direct'] = dh.incomplete;
      data['held_streams_incomplete_gateway'] = gh.incomplete;
      data['held_streams_failed_direct'] = dh.failed;
      data['held_streams_failed_gateway'] = gh.failed;
      data['held_direct_itl_p50_ms'] = round(dhs.p50);
      data['held_gateway_itl_p50_ms'] = round(ghs.p50);
      data['held_added_itl_p50_ms'] = round(ghs.p50 - dhs.p50);
      data['held_direct_itl_p99_ms'] = round(dhs.p99);
      data['held_gateway_itl_p99_ms'] = round(ghs.p99);

      const machine = machineInfo();
      const report = {
        ...data,
        samples: {
          latency: LATENCY_SAMPLES,
          streams: STREAMS,
          stream_tokens: STREAM_TOKENS,
          held_streams: HELD_STREAMS,
          held_stream_tokens: HELD_TOKENS,
          duration_s: DURATION_S,
          rounds: ROUNDS,
        },
        targets: { gateway_rps_c32: 4000, added_p50_ms_c1: 1, added_itl_p50_ms: 0.2 },
        machine,
      };
      const markdown = [
        markdownTable(
          [
            'load',
            `direct req/s (median of ${ROUNDS}, range)`,
            `gateway req/s (median of ${ROUNDS}, range)`,
            'gateway/direct',
            'direct p50 µs',
            'gateway p50 µs',
            'added p50 µs',
            'direct p99 µs',
            'gateway p99 µs',
            'gateway CPU µs/req',
            'agent CPU µs/req direct / via gateway',
          ],
          rows,
        ),
        '',
        markdownTable(
          [
            'one client, sequential',
            'n',
            'direct p50 ms',
            'gateway p50 ms',
            'added p50 ms',
            'direct p99 ms',
            'gateway p99 ms',
          ],
          [
            [
              'non-streaming chat',
              dl.n,
              round(dl.p50),
              round(gl.p50),
              round(gl.p50 - dl.p50),
              round(dl.p99),
              round(gl.p99),
            ],
            [
              `inter-token gap, ${STREAM_TOKENS}-token streams`,
              gs.n,
              round(ds.p50),
              round(gs.p50),
              round(gs.p50 - ds.p50),
              round(ds.p99),
              round(gs.p99),
            ],
            [
              `inter-token gap, ${HELD_STREAMS} streams held at once (completed ${dh.completed} / ${gh.completed})`,
              ghs.n,
              round(dhs.p50),
              round(ghs.p50),
              round(ghs.p50 - dhs.p50),
              round(dhs.p99),
              round(ghs.p99),
            ],
          ],
        ),
        '',
        `Targets: >= 4,000 req/s at 32 clients; < 1 ms added p50 at 1 client; < 0.2 ms added inter-token p50. ` +
          `${machine.cpus} CPUs shared by clients, gateway and agents; load average ${machine.loadavg_1m}.`,
      ].join('\n');
      return writeSectionReport('dds-overhead', 'e2e', report, markdown);
    } finally {
      await procs.stop();
    }
  },
};

/** One closed-loop run with the CPU time (ms) the agent and the gateway spent during it. */
type LoopRun = Awaited<ReturnType<typeof closedLoop>> & {
  agentCpuMs?: number;
  gatewayCpuMs?: number;
};

function delta(from?: number, to?: number): number | undefined {
  return from !== undefined && to !== undefined ? to - from : undefined;
}

/** Median req/s and latencies of a path's rounds, and the req/s range as a table cell. */
function spreadOf(runs: LoopRun[]): {
  rps: number;
  p99Ms: number;
  p50Us: number;
  p99Us: number;
  range: string;
} {
  const rps = runs.map((r) => r.rps);
  return {
    rps: median(rps),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    p50Us: median(runs.map((r) => r.p50Us)),
    p99Us: median(runs.map((r) => r.p99Us)),
    range: `${round(Math.min(...rps))}-${round(Math.max(...rps))}`,
  };
}

async function waitForAgents(gatewayUrl: string, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = (await (await fetch(`${gatewayUrl}/api/v1/agents`)).json()) as { data: unknown[] };
    if (res.data.length >= n) return;
    if (Date.now() > deadline) throw new Error(`gateway saw ${res.data.length}/${n} agents`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
