import type { Assignment, Dispatcher } from '../scheduler.types';

/** A job of the fake fleet: an id and, optionally, the model it needs. */
export interface FakeJob {
  name: string;
  model?: string;
}

/** One call of `run`, settled by the test. */
export interface FakeRun {
  job: FakeJob;
  agentId: string;
  attempt: number;
  signal: AbortSignal;
  outputStarted: () => void;
  settled: boolean;
  resolve(value?: string): void;
  reject(error: unknown): void;
}

interface FakeAgent {
  capacity: number;
  busy: number;
  model: string | undefined;
}

/**
 * A host for scheduler tests: agents with slot capacity (its own busy count, like the registry's),
 * first-fit `tryAssign`, and `run` calls the test settles by hand. Pure test double, no timers.
 */
export class FakeFleet implements Dispatcher<FakeJob, string> {
  readonly agents = new Map<string, FakeAgent>();
  readonly runs: FakeRun[] = [];
  readonly assignCalls: Array<{ job: FakeJob; exclude: string[] }> = [];
  /** When set, a run settles (rejects with the abort reason) as soon as its signal aborts. */
  settleOnAbort = true;
  /** When set, `tryAssign` throws it. */
  assignError: unknown;
  /** Set by {@link FakeFleet.withClasses}: jobs of one model are alike for `tryAssign`. */
  classOf?: (job: FakeJob) => string;

  withClasses(): this {
    this.classOf = (job) => job.model ?? '';
    return this;
  }

  addAgent(id: string, capacity = 1, model?: string): this {
    this.agents.set(id, { capacity, busy: 0, model });
    return this;
  }

  removeAgent(id: string): void {
    this.agents.delete(id);
  }

  tryAssign(job: FakeJob, exclude: ReadonlySet<string>): Assignment | undefined {
    this.assignCalls.push({ job, exclude: [...exclude] });
    if (this.assignError !== undefined) throw this.assignError;
    for (const [id, a] of this.agents) {
      if (exclude.has(id) || a.busy >= a.capacity) continue;
      if (job.model !== undefined && a.model !== undefined && job.model !== a.model) continue;
      return { agentId: id };
    }
    return undefined;
  }

  run(
    job: FakeJob,
    agentId: string,
    attempt: number,
    signal: AbortSignal,
    outputStarted: () => void,
  ): Promise<string> {
    const agent = this.agents.get(agentId);
    if (agent) agent.busy++;
    return new Promise<string>((res, rej) => {
      const release = () => {
        const a = this.agents.get(agentId);
        if (a) a.busy--;
      };
      const run: FakeRun = {
        job,
        agentId,
        attempt,
        signal,
        outputStarted,
        settled: false,
        resolve(value = `${job.name}@${agentId}`) {
          if (run.settled) return;
          run.settled = true;
          release();
          res(value);
        },
        reject(error: unknown) {
          if (run.settled) return;
          run.settled = true;
          release();
          rej(error);
        },
      };
      this.runs.push(run);
      signal.addEventListener('abort', () => {
        if (this.settleOnAbort) run.reject(signal.reason);
      });
    });
  }

  /** Runs not settled yet. */
  open(agentId?: string): FakeRun[] {
    return this.runs.filter((r) => !r.settled && (agentId === undefined || r.agentId === agentId));
  }

  /** The unsettled run of a job, by job name. */
  runOf(name: string): FakeRun {
    const r = this.runs.filter((x) => x.job.name === name && !x.settled).pop();
    if (!r) throw new Error(`no open run for ${name}`);
    return r;
  }
}

/** Lets promise reactions (settle → release → dispatch) run to completion. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
