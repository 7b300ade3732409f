import { ContextStore, type ContextMessage } from '@dds/context';
import { Scheduler, type Dispatcher } from '@dds/scheduler';
import { countTokens } from 'gpt-tokenizer';

interface BenchJob {
  model: string;
}

/**
 * An instant fleet: `agents` agents with `slots` each, first-fit by free slots (what a host's
 * selector + capacity check does, minus the selection cost measured in its own section), and a
 * `run` that resolves at once, so what is timed is the scheduler's own overhead.
 */
export class InstantFleet implements Dispatcher<BenchJob, number> {
  private readonly free: number[];
  private readonly ids: string[];

  constructor(agents: number, slots: number) {
    this.free = new Array<number>(agents).fill(slots);
    this.ids = Array.from({ length: agents }, (_, i) => `agent-${i}`);
  }

  /** Free slots over the fleet. */
  freeSlots(): number {
    return this.free.reduce((a, b) => a + b, 0);
  }

  classOf(job: BenchJob): string {
    return job.model;
  }

  tryAssign(_job: BenchJob, exclude: ReadonlySet<string>) {
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i] > 0 && !exclude.has(this.ids[i])) return { agentId: this.ids[i] };
    }
    return undefined;
  }

  run(
    _job: BenchJob,
    agentId: string,
    attempt: number,
    _signal: AbortSignal,
    outputStarted: () => void,
  ): Promise<number> {
    const i = Number(agentId.slice(6));
    this.free[i]--;
    outputStarted();
    return Promise.resolve().then(() => {
      this.free[i]++;
      return attempt;
    });
  }
}

/**
 * Submits `jobs` jobs at once through a scheduler (most wait in its queue, since the fleet has
 * far fewer slots) and waits for all; returns µs per job.
 */
export async function schedulerBatch(
  scheduler: Scheduler<BenchJob, number>,
  jobs: number,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  const all: Promise<unknown>[] = new Array(jobs);
  for (let i = 0; i < jobs; i++) {
    all[i] = scheduler.submit({ model: 'm' }, { priority: i % 3, deadlineMs: 60_000 }).promise;
  }
  await Promise.all(all);
  return Number(process.hrtime.bigint() - t0) / 1_000 / jobs;
}

/**
 * The baseline: the same jobs on the same fleet through a bare FIFO (array queue, no priorities,
 * deadlines, retries, breaker or accounting). Returns µs per job.
 */
export async function fifoBatch(fleet: InstantFleet, jobs: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const job: BenchJob = { model: 'm' };
  const signal = new AbortController().signal;
  const noop = () => undefined;
  const waiting: Array<(agentId: string) => void> = [];
  let head = 0;
  const startNext = () => {
    while (head < waiting.length) {
      const a = fleet.tryAssign(job, EMPTY);
      if (!a) return;
      waiting[head++](a.agentId);
    }
  };
  const all: Promise<unknown>[] = new Array(jobs);
  for (let i = 0; i < jobs; i++) {
    all[i] = new Promise<number>((resolve) => {
      waiting.push((agentId) =>
        fleet.run(job, agentId, 1, signal, noop).then((v) => {
          resolve(v);
          startNext();
        }),
      );
    });
    startNext();
  }
  await Promise.all(all);
  return Number(process.hrtime.bigint() - t0) / 1_000 / jobs;
}

const EMPTY: ReadonlySet<string> = new Set();

const SENTENCES = [
  'The gateway routes each request to the agent best placed to serve it.',
  'Context windows differ between agents, so history is trimmed per request.',
  'Sessions expire after a period of inactivity and the least recently used go first.',
  'Token counts come from a real byte pair encoding, not from a character ratio.',
];

/** A conversation of `turns` user/assistant pairs after a system prompt (~60 tokens a message). */
export function conversation(turns: number, seed = 0): ContextMessage[] {
  const text = (i: number) =>
    `${i}: ${SENTENCES[i % 4]} ${SENTENCES[(i + 1) % 4]} ${SENTENCES[(i + 2 + seed) % 4]}`;
  const out: ContextMessage[] = [{ role: 'system', content: 'You are a concise assistant.' }];
  for (let i = 0; i < turns; i++) {
    out.push({ role: 'user', content: text(2 * i) });
    out.push({ role: 'assistant', content: text(2 * i + 1) });
  }
  return out;
}

/** What a store-less gateway would do per request: tokenize the whole conversation. */
export function naiveTokenCount(messages: readonly ContextMessage[]): number {
  let n = 3;
  for (const m of messages) n += 4 + countTokens(typeof m.content === 'string' ? m.content : '');
  return n;
}

/** A store holding one session with `turns` turns of history. */
export function storeWithSession(turns: number): ContextStore {
  const store = new ContextStore({ ttlMs: 3_600_000 });
  const history = conversation(turns);
  store.commit('bench', history.slice(0, -1), history[history.length - 1]);
  return store;
}
