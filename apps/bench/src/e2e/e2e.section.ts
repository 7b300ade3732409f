import { join } from 'node:path';
import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';
import { LoggedProcess, ROOT, SIMULATOR_MAIN, singleAgentArgs } from './e2e.processes';
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
const DURATION_S = Number(process.env['BENCH_E2E_DURATION_S'] ?? 5);
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
    const procs: LoggedProcess[] = [];
    const start = async (entry: string, args: string[], ready: string) => {
      const started = await LoggedProcess.start(join(ROOT, entry), args, ready);
      procs.push(started.proc);
      return started;
    };
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
      const data: Record<string, number> = {};
      for (const c of CONCURRENCY) {
        const simPid = sim.proc.child.pid;
        const gwPid = gateway.proc.child.pid;
        const a0 = cpuTimeMs(simPid);
        const d = await closedLoop(direct, body, c, DURATION_S);
        const a1 = cpuTimeMs(simPid);
        const g0 = cpuTimeMs(gwPid);
        const g = await closedLoop(viaGateway, body, c, DURATION_S);
        const g1 = cpuTimeMs(gwPid);
        const a2 = cpuTimeMs(simPid);
        // CPU per request (µs): what each process spent, less sensitive to other load than req/s.
        const perReq = (from?: number, to?: number, n = 1) =>
          from !== undefined && to !== undefined ? round((1000 * (to - from)) / n) : undefined;
        const gwCpu = perReq(g0, g1, g.total);
        const agentViaGw = perReq(a1, a2, g.total);
        const agentDirect = perReq(a0, a1, d.total);
        if (gwCpu !== undefined) data[`gateway_cpu_us_per_req_c${c}`] = gwCpu;
        if (agentViaGw !== undefined) data[`agent_cpu_us_per_req_via_gateway_c${c}`] = agentViaGw;
        if (agentDirect !== undefined) data[`agent_cpu_us_per_req_direct_c${c}`] = agentDirect;
        if (g.errors || g.non2xx || d.errors || d.non2xx) {
          throw new Error(
            `errors at c=${c}: gateway ${g.errors}/${g.non2xx}, direct ${d.errors}/${d.non2xx}`,
          );
        }
        data[`gateway_rps_c${c}`] = round(g.rps);
        data[`direct_rps_c${c}`] = round(d.rps);
        data[`gateway_p99_ms_c${c}`] = g.p99Ms;
        data[`direct_p99_ms_c${c}`] = d.p99Ms;
        rows.push([
          `non-streaming, ${c} clients`,
          round(d.rps),
          round(g.rps),
          `${round((100 * g.rps) / d.rps)}%`,
          d.p99Ms,
          g.p99Ms,
          gwCpu ?? 'n/a',
          `${agentDirect ?? 'n/a'} / ${agentViaGw ?? 'n/a'}`,
        ]);
      }

      const dl = summarize(await sequentialLatencies(direct, body, LATENCY_SAMPLES));
      const gl = summarize(await sequentialLatencies(viaGateway, body, LATENCY_SAMPLES));
      data['direct_p50_ms_c1'] = round(dl.p50);
      data['gateway_p50_ms_c1'] = round(gl.p50);
      data['direct_p99_ms_c1_seq'] = round(dl.p99);
      data['gateway_p99_ms_c1_seq'] = round(gl.p99);
      data['added_p50_ms_c1'] = round(gl.p50 - dl.p50);

      const streamBody = chatBody('bench-stream', true);
      await streamGaps(`${gw}/v1/chat/completions`, streamBody, 3);
      const ds = summarize(
        await streamGaps(`${streamAgent.http}/chat/completions`, streamBody, STREAMS),
      );
      const gs = summarize(await streamGaps(`${gw}/v1/chat/completions`, streamBody, STREAMS));
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
      );
      const gh = await concurrentStreams(`${gw}/v1/chat/completions`, heldBody, HELD_STREAMS);
      const dhs = summarize(dh.gaps);
      const ghs = summarize(gh.gaps);
      data['held_streams'] = HELD_STREAMS;
      data['held_streams_completed_direct'] = dh.completed;
      data['held_streams_completed_gateway'] = gh.completed;
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
        },
        targets: { gateway_rps_c32: 4000, added_p50_ms_c1: 1, added_itl_p50_ms: 0.2 },
        machine,
      };
      const markdown = [
        markdownTable(
          [
            'load',
            'direct req/s',
            'gateway req/s',
            'gateway/direct',
            'direct p99 ms',
            'gateway p99 ms',
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
      await Promise.all(procs.map((p) => p.stop()));
    }
  },
};

async function waitForAgents(gatewayUrl: string, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = (await (await fetch(`${gatewayUrl}/api/v1/agents`)).json()) as { data: unknown[] };
    if (res.data.length >= n) return;
    if (Date.now() > deadline) throw new Error(`gateway saw ${res.data.length}/${n} agents`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
