import { join } from 'node:path';
import { FleetClient } from '@dds/protocol';
import { DomainParticipant } from '@dds/transport';
import { Agent as HttpAgent, request } from 'undici';
import { streamGaps } from '../e2e/e2e.load';
import {
  LOOPBACK_DDS,
  LoggedProcess,
  ROOT,
  SIMULATOR_MAIN,
  singleAgentArgs,
} from '../e2e/e2e.processes';
import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';

/** DDS domain of this section (the protocol's range is 40–59). */
const DOMAIN = 59;
const MODEL = 'bench-proto';
const LATENCY_SAMPLES = 3000;
const THROUGHPUT_REQUESTS = 21_000;
const RUNS = 3;
const CONCURRENCY = 32;
/** Paced streaming agent: 2 ms per token, so a gap is the agent's pace plus the path's cost. */
const STREAM_MODEL = 'bench-proto-stream';
const STREAM_TPS = 500;
const STREAM_TOKENS = 100;
const STREAMS = 20;

const body = { model: MODEL, messages: [{ role: 'user', content: 'How fast is the fleet?' }] };

/** One simulated agent in its own process on this section's domain, started once it is serving. */
function startSimulator(
  model: string,
  idPrefix: string,
  slots: number,
  engineArgs: readonly string[],
): ReturnType<typeof LoggedProcess.start> {
  return LoggedProcess.start(
    join(ROOT, SIMULATOR_MAIN),
    singleAgentArgs(DOMAIN, model, idPrefix, slots, engineArgs),
    'fleet ready',
  );
}

/**
 * `protocol`: one zero-think simulated agent in its own process, asked the same non-streaming
 * chat over the DDS protocol (`FleetClient` -> agent/request -> agent/response) and over the
 * agent's own OpenAI-compatible HTTP port (undici, keep-alive): sequential latency and
 * closed-loop throughput at 32 in flight. The difference is what the protocol costs (or saves)
 * against plain HTTP, without a gateway in between.
 */
export const protocolSection: BenchSection = {
  name: 'protocol',
  async run() {
    const sim = await startSimulator(MODEL, 'proto-', 256, [
      '--zero-think',
      '--output-tokens',
      '16',
    ]);
    const streamer = await startSimulator(STREAM_MODEL, 'proto-stream-', 8, [
      '--ttft-ms',
      '0',
      '--prefill-tps',
      '0',
      '--decode-tps',
      String(STREAM_TPS),
      '--output-tokens',
      String(STREAM_TOKENS),
    ]).catch(async (e: unknown) => {
      await sim.proc.stop();
      throw e;
    });
    const participant = new DomainParticipant({
      domainId: DOMAIN,
      config: process.env['CYCLONEDDS_URI'] ?? LOOPBACK_DDS,
    });
    const client = new FleetClient({ participant, gatewayId: 'bench-proto-gw' });
    const http = new HttpAgent({ connections: CONCURRENCY });
    try {
      const agent = (sim.record['agents'] as { id: string; http: string }[])[0];
      if (!agent?.http) throw new Error('simulator agent has no HTTP endpoint');
      await client.ready(agent.id, 30_000);
      const url = `${agent.http}/chat/completions`;
      const payload = JSON.stringify(body);

      const viaDds = async (): Promise<void> => {
        let final = false;
        for await (const ev of client.request(agent.id, { kind: 'chat', stream: false, body })) {
          if (ev.type === 'error') throw new Error(`protocol error: ${ev.code} ${ev.message}`);
          if (ev.type === 'final') final = true;
        }
        if (!final) throw new Error('no final');
      };
      const viaHttp = async (): Promise<void> => {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
          dispatcher: http,
        });
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
        await res.body.json();
      };

      const sequential = async (call: () => Promise<void>, n: number): Promise<number[]> => {
        const out = new Array<number>(n);
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await call();
          out[i] = performance.now() - t0;
        }
        return out;
      };
      const closedLoop = async (call: () => Promise<void>, total: number): Promise<number> => {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < total) await call();
          }),
        );
        return (total * 1000) / (performance.now() - t0);
      };

      // Warm-up: JIT, connections, DDS reply writer match on the agent.
      await sequential(viaDds, 300);
      await sequential(viaHttp, 300);
      await closedLoop(viaDds, 2000);
      await closedLoop(viaHttp, 2000);

      // Alternate the two paths so drift in machine load hits both alike.
      const dLat: number[] = [];
      const hLat: number[] = [];
      for (let i = 0; i < 3; i++) {
        dLat.push(...(await sequential(viaDds, LATENCY_SAMPLES / 3)));
        hLat.push(...(await sequential(viaHttp, LATENCY_SAMPLES / 3)));
      }
      const dRps: number[] = [];
      const hRps: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        dRps.push(await closedLoop(viaDds, THROUGHPUT_REQUESTS / RUNS));
        hRps.push(await closedLoop(viaHttp, THROUGHPUT_REQUESTS / RUNS));
      }
      // Streaming: gaps between consecutive content deltas as the client sees them.
      const sAgent = (streamer.record['agents'] as { id: string; http: string }[])[0];
      if (!sAgent?.http) throw new Error('streaming agent has no HTTP endpoint');
      await client.ready(sAgent.id, 30_000);
      const streamBody = { model: STREAM_MODEL, messages: body.messages };
      const ddsGaps = async (n: number): Promise<number[]> => {
        const gaps: number[] = [];
        for (let i = 0; i < n; i++) {
          let last: number | undefined;
          for await (const ev of client.request(sAgent.id, {
            kind: 'chat',
            stream: true,
            body: streamBody,
          })) {
            if (ev.type === 'error') throw new Error(`protocol error: ${ev.code} ${ev.message}`);
            if (ev.type !== 'text') continue;
            const now = performance.now();
            if (last !== undefined) gaps.push(now - last);
            last = now;
          }
        }
        return gaps;
      };
      const sseUrl = `${sAgent.http}/chat/completions`;
      const sseBody = JSON.stringify({ ...streamBody, stream: true });
      await ddsGaps(2);
      await streamGaps(sseUrl, sseBody, 2, STREAM_TOKENS);
      const dg = summarize(await ddsGaps(STREAMS));
      const hg = summarize(await streamGaps(sseUrl, sseBody, STREAMS, STREAM_TOKENS));

      const d = summarize(dLat);
      const h = summarize(hLat);
      const dr = summarize(dRps).p50;
      const hr = summarize(hRps).p50;
      const machine = machineInfo();
      const data = {
        dds_p50_ms: round(d.p50),
        dds_p99_ms: round(d.p99),
        http_p50_ms: round(h.p50),
        http_p99_ms: round(h.p99),
        dds_rps_c32: round(dr),
        http_rps_c32: round(hr),
        dds_itl_p50_ms: round(dg.p50),
        dds_itl_p99_ms: round(dg.p99),
        sse_itl_p50_ms: round(hg.p50),
        sse_itl_p99_ms: round(hg.p99),
        samples: {
          latency_per_path: d.n,
          throughput_requests_per_path: THROUGHPUT_REQUESTS,
          streams_per_path: STREAMS,
          stream_tokens: STREAM_TOKENS,
          stream_pace_ms: 1000 / STREAM_TPS,
        },
        machine,
      };
      const markdown = [
        markdownTable(
          [
            'path (one agent process, zero think time)',
            'n',
            'p50 ms',
            'p99 ms',
            `req/s at ${CONCURRENCY} in flight`,
          ],
          [
            ['DDS protocol (FleetClient)', d.n, round(d.p50), round(d.p99), round(dr)],
            ["agent's own HTTP port (baseline)", h.n, round(h.p50), round(h.p99), round(hr)],
          ],
        ),
        '',
        markdownTable(
          [
            `inter-token gap, ${STREAM_TOKENS}-token streams at ${1000 / STREAM_TPS} ms/token`,
            'n',
            'p50 ms',
            'p99 ms',
          ],
          [
            ['DDS protocol (FleetClient)', dg.n, round(dg.p50), round(dg.p99)],
            ["agent's own HTTP port, SSE (baseline)", hg.n, round(hg.p50), round(hg.p99)],
          ],
        ),
        '',
        `Non-streaming chat, 16 output tokens, same agent and engine on both paths; req/s is the median of ${RUNS} runs of ` +
          `${THROUGHPUT_REQUESTS / RUNS} requests. ${machine.cpus} CPUs shared by client and agent; load average ${machine.loadavg_1m}.`,
      ].join('\n');
      return writeSectionReport('dds-overhead', 'protocol', data, markdown);
    } finally {
      client.close();
      participant.close();
      await http.close();
      await Promise.all([sim.proc.stop(), streamer.proc.stop()]);
    }
  },
};
