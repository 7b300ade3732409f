import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { median, round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';
import { closedLoop, cpuTimeMs, sequentialLatencies } from '../e2e/e2e.load';
import { gatewayReady, ProcessGroup, SIMULATOR_MAIN, singleAgentArgs } from '../e2e/e2e.processes';
import { apiWorkloads, type ApiWorkload } from './apis.workload';

/** A DDS domain of its own (the e2e section uses 79), so neither feeds the other's fleet. */
const DOMAIN = '78';
const MODEL = 'bench-apis';
const ROUNDS = Number(process.env['BENCH_APIS_ROUNDS'] ?? 3);
const DURATION_S = Number(process.env['BENCH_APIS_DURATION_S'] ?? 4);
const CLIENTS = 32;
/** Sequential one-client requests per API per round. */
const SEQUENTIAL = Number(process.env['BENCH_APIS_SEQUENTIAL'] ?? 400);
/** Translation may cost at most this share of chat throughput (issue: ≤ 10%). */
const TARGET_RPS_RATIO = 0.9;

interface ApiTotals {
  rps: number[];
  cpuUsPerReq: number[];
  latencies: number[];
  requests: number;
}

/**
 * `apis`: the same non-streaming question through `/v1/chat/completions` and through the
 * translated APIs (`/v1/responses`, Anthropic `/v1/messages`, legacy `/v1/completions`), one
 * gateway, one simulated agent with zero think time. Rounds alternate the APIs (the order rotates
 * each round), at 32 closed-loop clients and one sequential client; every answer is parsed and
 * checked, and a run with any incomplete or failed answer aborts the section.
 */
export const apisSection: BenchSection = {
  name: 'apis',
  async run() {
    const procs = new ProcessGroup();
    const start = (entry: string, args: string[], ready: string) => procs.start(entry, args, ready);
    try {
      await start(
        SIMULATOR_MAIN,
        singleAgentArgs(DOMAIN, MODEL, 'apis-', 256, ['--zero-think', '--output-tokens', '16']),
        'fleet ready',
      );
      const gateway = await start(
        'apps/gateway/src/main.ts',
        ['--dds-domain', DOMAIN, '--port', '0', '--host', '127.0.0.1'],
        'gateway listening',
      );
      const gw = String(gateway.record['url']);
      const gwPid = gateway.proc.child.pid;
      if (!(await gatewayReady(gw))) throw new Error(`gateway ${gw} never saw its agent`);

      const workloads = apiWorkloads(MODEL);
      const totals = new Map<ApiWorkload['name'], ApiTotals>(
        workloads.map((w) => [w.name, { rps: [], cpuUsPerReq: [], latencies: [], requests: 0 }]),
      );
      // Warm every path (JIT, connections, the response store).
      for (const w of workloads) await run(gw, w, 8, 1);

      for (let r = 0; r < ROUNDS; r++) {
        const order = workloads.map((_, i) => workloads[(i + r) % workloads.length]);
        for (const w of order) {
          const t = totals.get(w.name) as ApiTotals;
          const cpu0 = cpuTimeMs(gwPid);
          const result = await run(gw, w, CLIENTS, DURATION_S);
          const cpu1 = cpuTimeMs(gwPid);
          t.rps.push(result.rps);
          t.requests += result.total;
          if (cpu0 !== undefined && cpu1 !== undefined) {
            t.cpuUsPerReq.push((1000 * (cpu1 - cpu0)) / result.total);
          }
        }
        for (const w of order) {
          const samples = await sequentialLatencies(`${gw}${w.path}`, w.body, SEQUENTIAL, w);
          (totals.get(w.name) as ApiTotals).latencies.push(...samples);
        }
      }

      const data: Record<string, unknown> = {};
      const rows: (string | number)[][] = [];
      const chat = totals.get('chat') as ApiTotals;
      const chatRps = median(chat.rps);
      const chatP50 = summarize(chat.latencies).p50;
      for (const w of workloads) {
        const t = totals.get(w.name) as ApiTotals;
        const rps = median(t.rps);
        const lat = summarize(t.latencies);
        const cpu = t.cpuUsPerReq.length ? round(median(t.cpuUsPerReq)) : undefined;
        data[`${w.name}_rps_c32`] = round(rps);
        data[`${w.name}_rps_c32_rounds`] = t.rps.map(round);
        data[`${w.name}_p50_ms_c1`] = round(lat.p50);
        data[`${w.name}_p99_ms_c1`] = round(lat.p99);
        if (cpu !== undefined) data[`${w.name}_gateway_cpu_us_per_req_c32`] = cpu;
        rows.push([
          `\`${w.path}\``,
          round(rps),
          `${round(Math.min(...t.rps))}-${round(Math.max(...t.rps))}`,
          `${round((100 * rps) / chatRps)}%`,
          cpu ?? 'n/a',
          lat.n,
          round(lat.p50),
          round(lat.p50 - chatP50),
          round(lat.p99),
        ]);
      }
      const responsesRatio = (data['responses_rps_c32'] as number) / round(chatRps);
      const machine = machineInfo();
      const report = {
        ...data,
        responses_vs_chat_rps: round(responsesRatio),
        samples: {
          rounds: ROUNDS,
          duration_s: DURATION_S,
          clients: CLIENTS,
          sequential_per_round: SEQUENTIAL,
          requests_c32: Object.fromEntries([...totals].map(([k, v]) => [k, v.requests])),
        },
        targets: { responses_vs_chat_rps: TARGET_RPS_RATIO },
        machine,
      };
      const markdown = [
        markdownTable(
          [
            'API',
            `req/s, ${CLIENTS} clients (median of ${ROUNDS})`,
            'spread',
            'of chat',
            'gateway CPU µs/req',
            'one client: n',
            'p50 ms',
            'p50 vs chat ms',
            'p99 ms',
          ],
          rows,
        ),
        '',
        `Target: translation costs ≤ ${Math.round(100 * (1 - TARGET_RPS_RATIO))}% of chat ` +
          `throughput; /v1/responses reached ${round(100 * responsesRatio)}% ` +
          `(${responsesRatio >= TARGET_RPS_RATIO ? 'met' : 'not met'}). One simulated agent, zero ` +
          `think time, 16 tokens; every answer parsed and checked. ${machine.cpus} CPUs shared by ` +
          `clients, gateway and agent; load average ${machine.loadavg_1m}.`,
      ].join('\n');
      return writeSectionReport('dds-overhead', 'apis', report, markdown);
    } finally {
      await procs.stop();
    }
  },
};

/** One closed-loop run of `w`; throws unless every answer was a complete success. */
async function run(gw: string, w: ApiWorkload, clients: number, durationS: number) {
  const result = await closedLoop(`${gw}${w.path}`, w.body, clients, durationS, w);
  if (result.errors || result.non2xx || result.incomplete || result.total === 0) {
    throw new Error(
      `${w.path} at ${clients} clients: ${result.errors} errors, ${result.non2xx} non-2xx, ` +
        `${result.incomplete} incomplete of ${result.total}`,
    );
  }
  return result;
}
