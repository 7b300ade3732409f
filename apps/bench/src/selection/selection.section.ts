import { AgentSelector, STRATEGIES } from '@dds/selector';
import {
  machineInfo,
  markdownTable,
  ratioCell,
  summaryCells,
  writeSectionReport,
} from '../lib/report';
import { summarize, Summary } from '../lib/stats';
import { measure } from '../lib/timing';
import type { BenchSection } from '../sections';
import {
  BENCH_MODEL,
  buildFleet,
  measureStrategy,
  naiveSelect,
  seededRandom,
  systemPrompts,
} from './selection.workload';

const FLEET_SIZE = 1_000;
const SAMPLES = 20_000;
const WARMUP = 5_000;
const TARGET_P99_US = 50;

const QUERY_MODELS = 20;
const QUERY_SAMPLES = 5_000;

/**
 * The registry's own costs on a fleet spread over several models: the model index against the
 * full scan a registry without one would do, and the per-heartbeat status update.
 */
function measureRegistry(random: () => number): Record<string, Summary> {
  const registry = buildFleet(FLEET_SIZE, random, QUERY_MODELS);
  // One subscriber, as in the gateway: events are part of the cost of an update.
  const sub = registry.events$.subscribe(() => undefined);
  const agents = registry.list();
  const scan = () => registry.list().filter((a) => a.models.includes(BENCH_MODEL));
  const ops: Record<string, (i: number) => void> = {
    'baseline: list() + filter': scan,
    'byModel(model)': () => registry.byModel(BENCH_MODEL),
    'models()': () => registry.models(),
    'updateStatus (heartbeat)': (i) => {
      const a = agents[i % agents.length];
      registry.updateStatus(a.id, {
        state: a.state,
        slotsBusy: i % (a.slotsTotal + 1),
        slotsTotal: a.slotsTotal,
        queueDepth: 0,
        emaLatencyMs: 40,
        tokensPerSecond: 50,
      });
    },
    'acquire + release': (i) => {
      const id = agents[i % agents.length].id;
      registry.acquire(id);
      registry.release(id);
    },
  };
  const out: Record<string, Summary> = {};
  for (const [name, op] of Object.entries(ops)) {
    out[name] = measure(op, { samples: QUERY_SAMPLES, warmup: QUERY_SAMPLES / 5 });
  }
  sub.unsubscribe();
  registry.close();
  return out;
}

function row(name: string, s: Summary, baselineP50: number, targeted = true): (string | number)[] {
  return [
    name,
    ...summaryCells(s),
    ratioCell(s.p50, baselineP50),
    targeted ? (s.p99 < TARGET_P99_US ? 'yes' : 'NO') : 'n/a (debug path)',
  ];
}

/**
 * `selection`: the selector choosing among 1,000 registered agents that all serve the model (the
 * worst case for its filter pass), per strategy, against a naive array-scan baseline measured in
 * the same run. Target: p99 under 50 µs.
 */
export const selectionSection: BenchSection = {
  name: 'selection',
  async run() {
    const random = seededRandom(2026);
    const registry = buildFleet(FLEET_SIZE, random);
    const prompts = systemPrompts(50);
    const candidates = registry.byModel(BENCH_MODEL);

    // The baseline first, on the same fleet, warmed up the same way.
    const baseline = measure(() => naiveSelect(candidates, BENCH_MODEL), {
      samples: SAMPLES,
      warmup: WARMUP,
    });

    const results: Record<string, Summary> = {};
    for (const strategy of STRATEGIES) {
      const selector = new AgentSelector({ strategy, random });
      results[strategy] = summarize(
        measureStrategy(registry, selector, strategy, SAMPLES, WARMUP, random, prompts),
      );
    }
    // What asking for an explanation costs: the full filter pass plus the per-candidate scores.
    const explained = summarize(
      measureStrategy(
        registry,
        new AgentSelector({ strategy: 'least-loaded', random }),
        'least-loaded',
        SAMPLES / 4,
        WARMUP / 4,
        random,
        prompts,
        true,
      ),
    );
    registry.close();
    const queries = measureRegistry(random);

    const healthy = registry.list().filter((a) => a.health === 'healthy').length;
    // Microsecond timings move with what else the machine runs: keep that next to the numbers.
    const machine = machineInfo();
    const data = {
      unit: 'us',
      machine,
      fleet: { agents: FLEET_SIZE, healthy, candidates: candidates.length },
      samples: SAMPLES,
      warmup: WARMUP,
      target_p99_us: TARGET_P99_US,
      baseline: { name: 'array filter + least-loaded scan', ...baseline },
      strategies: results,
      least_loaded_explained: explained,
      registry_queries: queries,
    };
    const table = [
      `Selection among ${FLEET_SIZE} agents serving one model (${healthy} healthy), ` +
        `${SAMPLES} timed selections per row, µs per selection ` +
        `(${machine.cpus} CPUs, load average ${machine.loadavg_1m}):`,
      '',
      markdownTable(
        [
          'strategy',
          'n',
          'p50',
          'p90',
          'p99',
          'max',
          'p50 vs baseline',
          `p99 < ${TARGET_P99_US} µs`,
        ],
        [
          row('baseline: array filter + scan', baseline, baseline.p50),
          ...STRATEGIES.map((s) => row(s, results[s], baseline.p50)),
          row('least-loaded, explain: true', explained, baseline.p50, false),
        ],
      ),
      '',
      `Registry at ${FLEET_SIZE} agents over ${QUERY_MODELS} models, µs per call:`,
      '',
      markdownTable(
        ['operation', 'n', 'p50', 'p90', 'p99', 'max'],
        Object.entries(queries).map(([name, q]) => [name, ...summaryCells(q)]),
      ),
    ].join('\n');
    return writeSectionReport('dds-overhead', 'selection', data, table);
  },
};
