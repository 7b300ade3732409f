import { Scheduler } from '@dds/scheduler';
import {
  machineInfo,
  markdownTable,
  ratioCell,
  summaryCells,
  writeSectionReport,
} from '../lib/report';
import { round, summarize, Summary } from '../lib/stats';
import { measure } from '../lib/timing';
import type { BenchSection } from '../sections';
import {
  conversation,
  fifoBatch,
  InstantFleet,
  naiveTokenCount,
  schedulerBatch,
  storeWithSession,
} from './orchestration.workload';

const BATCHES = 200;
const WARMUP_BATCHES = 20;
const JOBS_PER_BATCH = 500;
const AGENTS = 8;
const SLOTS = 4;
const CONTEXT_SAMPLES = 5_000;
const CONTEXT_WARMUP = 500;
const TURNS = 20;
/** The gateway's budget: 4,000 req/s on 2 cores leaves 500 µs of CPU per request in all. */
const REQUEST_BUDGET_US = 500;

async function batches(n: number, run: () => Promise<number>): Promise<Float64Array> {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = await run();
  return out;
}

function row(name: string, s: Summary, baselineP50: number): (string | number)[] {
  return [
    name,
    ...summaryCells(s),
    ratioCell(s.p50, baselineP50),
    `${round((100 * s.p50) / REQUEST_BUDGET_US)}%`,
  ];
}

/**
 * `orchestration`: the CPU cost per request of `@dds/scheduler` (admission, aging queues,
 * dispatch, accounting, completion) against a bare FIFO on the same instant fleet, and of
 * `@dds/context` `prepare` on a 20-turn session against tokenizing the whole conversation per
 * request, all in the same run. Shares of the 500 µs per-request budget (4,000 req/s, 2 cores).
 */
export const orchestrationSection: BenchSection = {
  name: 'orchestration',
  async run() {
    const fleet = new InstantFleet(AGENTS, SLOTS);
    const scheduler = new Scheduler({ dispatcher: fleet, maxQueueSize: JOBS_PER_BATCH + 1 });
    await batches(WARMUP_BATCHES, () => fifoBatch(fleet, JOBS_PER_BATCH));
    const fifo = summarize(await batches(BATCHES, () => fifoBatch(fleet, JOBS_PER_BATCH)));
    await batches(WARMUP_BATCHES, () => schedulerBatch(scheduler, JOBS_PER_BATCH));
    const sched = summarize(
      await batches(BATCHES, () => schedulerBatch(scheduler, JOBS_PER_BATCH)),
    );
    const m = scheduler.metrics();
    scheduler.close();
    if (m.completed !== (BATCHES + WARMUP_BATCHES) * JOBS_PER_BATCH || m.running !== 0) {
      throw new Error(`scheduler bench lost jobs: ${JSON.stringify(m)}`);
    }

    // Context: the request carries only the new user turn; 20 turns of history are stored.
    const store = storeWithSession(TURNS);
    const full = conversation(TURNS);
    const nextTurn = (i: number) => [{ role: 'user', content: `question ${i}: and then?` }];
    const historyTokens = store.countTokens(full);
    const baseline = measure((i) => naiveTokenCount([...full, ...nextTurn(i)]), {
      samples: CONTEXT_SAMPLES,
      warmup: CONTEXT_WARMUP,
    });
    const prepareFits = (i: number) => store.prepare('bench', nextTurn(i), 128_000, 1_000);
    // A window smaller than the history: forces exact counts and trimming every request.
    const trimWindow = Math.floor(historyTokens / 2);
    const prepareTrims = (i: number) => store.prepare('bench', nextTurn(i), trimWindow, 256);
    const fits = measure(prepareFits, { samples: CONTEXT_SAMPLES, warmup: CONTEXT_WARMUP });
    const trims = measure(prepareTrims, { samples: CONTEXT_SAMPLES, warmup: CONTEXT_WARMUP });
    const trimmed = prepareTrims(0).trimmed;

    const machine = machineInfo();
    const data = {
      unit: 'us',
      machine,
      request_budget_us: REQUEST_BUDGET_US,
      scheduler: {
        fleet: { agents: AGENTS, slots: SLOTS },
        jobs_per_batch: JOBS_PER_BATCH,
        batches: BATCHES,
        note: 'each sample is the mean µs per job of one batch submitted at once',
        baseline: { name: 'bare FIFO', ...fifo },
        scheduler: sched,
      },
      context: {
        history_turns: TURNS,
        history_tokens: historyTokens,
        samples: CONTEXT_SAMPLES,
        baseline: { name: 'tokenize whole conversation per request', ...baseline },
        prepare_fits: fits,
        prepare_trims: { window: trimWindow, trimmed_messages: trimmed, ...trims },
      },
    };
    const headers = ['path', 'n', 'p50', 'p90', 'p99', 'max', 'p50 vs baseline', 'p50 of budget'];
    const table = [
      `Scheduler: ${JOBS_PER_BATCH} jobs submitted at once on ${AGENTS}x${SLOTS} instant slots, ` +
        `${BATCHES} batches, µs per job (batch mean) (${machine.cpus} CPUs, load average ` +
        `${machine.loadavg_1m}):`,
      '',
      markdownTable(headers, [
        row('baseline: bare FIFO', fifo, fifo.p50),
        row('Scheduler submit → dispatch → complete', sched, fifo.p50),
      ]),
      '',
      `Context: session with ${TURNS} turns (${historyTokens} tokens), request = one new user ` +
        `turn, ${CONTEXT_SAMPLES} timed calls, µs per call:`,
      '',
      markdownTable(headers, [
        row('baseline: tokenize whole conversation', baseline, baseline.p50),
        row('prepare, fits the window (byte bound)', fits, baseline.p50),
        row(`prepare, trims to ${trimWindow} tokens`, trims, baseline.p50),
      ]),
    ].join('\n');
    return writeSectionReport('dds-overhead', 'orchestration', data, table);
  },
};
