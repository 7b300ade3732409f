import { listAgents, MultihostFleet, type MultihostOptions, waitUntil } from '@dds/netns';
import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { median, round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';
import { apiWorkloads, type ApiWorkload } from '../apis/apis.workload';
import { closedLoop, cpuTimeMs, sequentialLatencies } from '../e2e/e2e.load';
import { failoverTrial, type FailoverTrial } from './multihost.failover';

/** DDS domains of the bench range (180-189): one per fleet, so none hears another. */
const PLAIN_DOMAIN = 180;
const SECURE_DOMAIN = 181;
const FAILOVER_DOMAIN = 182;
const CLIENTS = 32;
const ROUNDS = Number(process.env['BENCH_MULTIHOST_ROUNDS'] ?? 5);
const DURATION_S = Number(process.env['BENCH_MULTIHOST_DURATION_S'] ?? 5);
const LATENCY_SAMPLES = Number(process.env['BENCH_MULTIHOST_LATENCY_SAMPLES'] ?? 300);
const FAILOVER_TRIALS = Number(process.env['BENCH_MULTIHOST_FAILOVER_TRIALS'] ?? 10);
const MODEL = 'phi-4-mini';
const AGENT_HOSTS = ['a1', 'a2'] as const;
/** Zero think time, 16 tokens: what is measured is the path, not the simulated model. */
const FAST_AGENT = ['--zero-think', '--output-tokens', '16'];

/** One A or B measurement of a round. */
interface RoundFigures {
  rps: number;
  /** CPU (user + system) of the gateway host's processes per complete answer, µs. */
  gatewayCpuUs: number;
  /** CPU of the gateway's and both agent hosts' processes per complete answer, µs. */
  fleetCpuUs: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

/** Non-streaming chat, and what makes an answer a success (a 200 with content, not just a 200). */
const CHAT = apiWorkloads(MODEL).find((w) => w.name === 'chat') as ApiWorkload;
const spread = (xs: readonly number[]) => `${round(Math.min(...xs))}–${round(Math.max(...xs))}`;

/** A gateway host and two agent hosts, each agent with `slots` slots, all of them started. */
async function startFleet(
  domain: number,
  secure: boolean,
  slots: number,
  extra: Pick<MultihostOptions, 'spdpIntervalMs' | 'leaseDurationMs'> = {},
): Promise<MultihostFleet> {
  const fleet = MultihostFleet.create({
    domain,
    hosts: ['gw', ...AGENT_HOSTS],
    discovery: 'multicast',
    secure,
    ...extra,
  });
  try {
    await Promise.all([
      fleet.startGateway('gw'),
      ...AGENT_HOSTS.map((h) => fleet.startAgents(h, { slots, args: FAST_AGENT })),
    ]);
    const url = fleet.gatewayUrl('gw');
    await waitUntil('both agent hosts healthy', async () => {
      const list = await listAgents(url);
      return AGENT_HOSTS.every(
        (h) => list.find((a) => a.id === `${h}-sim-text-1`)?.health === 'healthy',
      );
    });
    return fleet;
  } catch (e) {
    await fleet.destroy();
    throw e;
  }
}

/** CPU ms used so far by the processes of `hosts` in the fleet's rig. */
function hostsCpuMs(fleet: MultihostFleet, hosts: readonly string[]): number {
  let ms = 0;
  for (const h of hosts) for (const pid of fleet.rig.pids(h)) ms += cpuTimeMs(pid) ?? 0;
  return ms;
}

/** 32 closed-loop clients, then one client in turn, against the fleet's gateway. */
async function measureRound(fleet: MultihostFleet): Promise<RoundFigures> {
  const all = ['gw', ...AGENT_HOSTS];
  const url = `${fleet.gatewayUrl('gw')}${CHAT.path}`;
  const options = { headers: CHAT.headers, isComplete: (a: unknown) => CHAT.isComplete(a) };
  // CPU per answer: steadier than req/s when other work shares the cores.
  const [gw0, all0] = [hostsCpuMs(fleet, ['gw']), hostsCpuMs(fleet, all)];
  const load = await closedLoop(url, CHAT.body, CLIENTS, DURATION_S, options);
  const [gw1, all1] = [hostsCpuMs(fleet, ['gw']), hostsCpuMs(fleet, all)];
  // sequentialLatencies throws on any non-200 or incomplete answer: only successes are timed.
  const lat = summarize(await sequentialLatencies(url, CHAT.body, LATENCY_SAMPLES, options));
  const ok = load.ok - load.incomplete;
  return {
    rps: ok / load.durationS,
    gatewayCpuUs: (1000 * (gw1 - gw0)) / ok,
    fleetCpuUs: (1000 * (all1 - all0)) / ok,
    ok,
    failed: load.errors + load.non2xx + load.incomplete,
    p50Ms: lat.p50,
    p99Ms: lat.p99,
  };
}

/**
 * `multihost`: a gateway on one network-namespace host and a simulated agent on each of two
 * others (tools/netns, multicast discovery over the rig's bridge; the clients run in the calling
 * namespace, attached to the bridge). Non-streaming chat at 32 closed-loop clients (req/s of
 * successful responses) and one client in turn (p50), DDS Security off against on: two fleets
 * side by side, measured alternately (plain, secure, plain, secure, …) for several rounds. Then
 * failover: one session's host link cut, time until the other host answers it, with
 * `agents.timeout` = 1 s, over several trials.
 */
export const multihostSection: BenchSection = {
  name: 'multihost',
  async run() {
    if (process.getuid?.() !== 0) throw new Error('the multihost section needs root (ip netns)');
    const plain: RoundFigures[] = [];
    const secure: RoundFigures[] = [];
    const trials: FailoverTrial[] = [];
    {
      const fleets: MultihostFleet[] = [];
      try {
        fleets.push(await startFleet(PLAIN_DOMAIN, false, 64));
        fleets.push(await startFleet(SECURE_DOMAIN, true, 64));
        const [p, s] = fleets;
        // Warm-up of both paths (JIT, connections, DDS writer matches, security handshakes).
        for (const f of fleets) {
          await closedLoop(`${f.gatewayUrl('gw')}${CHAT.path}`, CHAT.body, 8, 1, {
            headers: CHAT.headers,
          });
        }
        for (let r = 0; r < ROUNDS; r++) {
          plain.push(await measureRound(p));
          secure.push(await measureRound(s));
        }
      } finally {
        await Promise.all(fleets.map((f) => f.destroy()));
      }
    }
    {
      // Leases of 1 s for the participants too, and SPDP every 0.5 s, as the recovery e2e
      // suite: a cut host is noticed within a lease, a healed one found again quickly. Slots
      // enough that the probes held by the cut agent never fill it (a full home would send the
      // session elsewhere for capacity, not for failover).
      const fleet = await startFleet(FAILOVER_DOMAIN, false, 64, {
        spdpIntervalMs: 500,
        leaseDurationMs: 1000,
      });
      try {
        const hostOf = new Map(AGENT_HOSTS.map((h) => [`${h}-sim-text-1`, h as string]));
        for (let i = 0; i < FAILOVER_TRIALS; i++) {
          trials.push(await failoverTrial(fleet, hostOf, `failover-${i}`, MODEL));
        }
      } finally {
        await fleet.destroy();
      }
    }

    const rpsPlain = median(plain.map((x) => x.rps));
    const rpsSecure = median(secure.map((x) => x.rps));
    const p50Plain = median(plain.map((x) => x.p50Ms));
    const p50Secure = median(secure.map((x) => x.p50Ms));
    const failover = summarize(trials.map((t) => t.failoverMs));
    const firstNew = summarize(trials.map((t) => t.firstNewRequestMs));
    const rejoin = summarize(trials.map((t) => t.rejoinMs));
    const costPct = 100 * (1 - rpsSecure / rpsPlain);
    const machine = machineInfo();
    const report = {
      rps_c32_plain: round(rpsPlain),
      rps_c32_secure: round(rpsSecure),
      p50_ms_c1_plain: round(p50Plain),
      p50_ms_c1_secure: round(p50Secure),
      failover_p50_ms: round(failover.p50),
      security_throughput_cost_pct: round(costPct),
      security_added_p50_ms_c1: round(p50Secure - p50Plain),
      gateway_cpu_us_per_req_c32_plain: round(median(plain.map((x) => x.gatewayCpuUs))),
      gateway_cpu_us_per_req_c32_secure: round(median(secure.map((x) => x.gatewayCpuUs))),
      fleet_cpu_us_per_req_c32_plain: round(median(plain.map((x) => x.fleetCpuUs))),
      fleet_cpu_us_per_req_c32_secure: round(median(secure.map((x) => x.fleetCpuUs))),
      failover_max_ms: round(failover.max),
      failover_first_new_request_p50_ms: round(firstNew.p50),
      failover_failed_requests: trials.reduce((n, t) => n + t.failedRequests, 0),
      rejoin_p50_ms: round(rejoin.p50),
      rounds: {
        plain: plain.map(roundJson),
        secure: secure.map(roundJson),
      },
      failover_trials: trials.map((t) => ({
        cut: t.cut,
        failover_ms: round(t.failoverMs),
        first_new_request_ms: round(t.firstNewRequestMs),
        failed_requests: t.failedRequests,
        served_after_cut: t.servedAfterCut,
        rejoin_ms: round(t.rejoinMs),
      })),
      samples: {
        rounds: ROUNDS,
        duration_s: DURATION_S,
        clients: CLIENTS,
        latency_per_round: LATENCY_SAMPLES,
        failover_trials: FAILOVER_TRIALS,
      },
      targets: { security_throughput_cost_pct: 20, failover_p50_ms: 1000 },
      machine,
    };
    const cell = (xs: RoundFigures[], f: (x: RoundFigures) => number) =>
      `${round(median(xs.map(f)))} (${spread(xs.map(f))})`;
    const markdown = [
      markdownTable(
        [
          'DDS Security',
          `req/s, ${CLIENTS} clients`,
          'p50 ms, 1 client',
          'p99 ms, 1 client',
          'gateway CPU µs/req, 32 clients',
          'gateway + agents CPU µs/req',
          'responses ok / failed',
        ],
        [
          [
            'off',
            cell(plain, (x) => x.rps),
            cell(plain, (x) => x.p50Ms),
            cell(plain, (x) => x.p99Ms),
            cell(plain, (x) => x.gatewayCpuUs),
            cell(plain, (x) => x.fleetCpuUs),
            `${plain.reduce((n, x) => n + x.ok, 0)} / ${plain.reduce((n, x) => n + x.failed, 0)}`,
          ],
          [
            'on',
            cell(secure, (x) => x.rps),
            cell(secure, (x) => x.p50Ms),
            cell(secure, (x) => x.p99Ms),
            cell(secure, (x) => x.gatewayCpuUs),
            cell(secure, (x) => x.fleetCpuUs),
            `${secure.reduce((n, x) => n + x.ok, 0)} / ${secure.reduce((n, x) => n + x.failed, 0)}`,
          ],
        ],
      ),
      '',
      markdownTable(
        ['failover (link down -> other host answers)', 'n', 'p50 ms', 'p90 ms', 'max ms'],
        [
          ["the session's request in flight at the cut answered", failover.n, ...pick(failover)],
          ['first answer to a request sent after the cut', firstNew.n, ...pick(firstNew)],
          ['cut host healthy again after link up', rejoin.n, ...pick(rejoin)],
        ],
      ),
      '',
      `Medians over ${ROUNDS} alternated rounds (plain, secure, …; min–max in brackets), ${DURATION_S} s ` +
        `of load and ${LATENCY_SAMPLES} sequential requests each; only complete answers (200 with content) counted. ` +
        `Security costs ${round(costPct)}% of throughput (target <= 20%; CPU per answer, steadier ` +
        `under load: ${cpuCost(plain, secure)}) and adds ` +
        `${round(p50Secure - p50Plain)} ms p50 at 1 client; failover p50 ${round(failover.p50)} ms ` +
        `(target < 1,000 ms, agents.timeout = 1 s; the first answer to a request sent after the cut ` +
        `p50 ${round(firstNew.p50)} ms), ${report.failover_failed_requests} requests ` +
        `failed explicitly during the trials. Gateway, agents and clients share ${machine.cpus} CPUs ` +
        `(load average ${machine.loadavg_1m}): the figures move with other work on the machine.`,
    ].join('\n');
    return writeSectionReport('dds-overhead', 'multihost', report, markdown);
  },
};

/** `gateway +x%, gateway + agents +y%`: CPU per answer, secure against plain (medians). */
function cpuCost(plain: RoundFigures[], secure: RoundFigures[]): string {
  const pct = (f: (x: RoundFigures) => number) =>
    `${round(100 * (median(secure.map(f)) / median(plain.map(f)) - 1))}%`;
  return `gateway +${pct((x) => x.gatewayCpuUs)}, gateway + agents +${pct((x) => x.fleetCpuUs)}`;
}

function pick(s: ReturnType<typeof summarize>): number[] {
  return [round(s.p50), round(s.p90), round(s.max)];
}

function roundJson(x: RoundFigures) {
  return {
    rps: round(x.rps),
    gateway_cpu_us_per_req: round(x.gatewayCpuUs),
    fleet_cpu_us_per_req: round(x.fleetCpuUs),
    ok: x.ok,
    failed: x.failed,
    p50_ms: round(x.p50Ms),
    p99_ms: round(x.p99Ms),
  };
}
