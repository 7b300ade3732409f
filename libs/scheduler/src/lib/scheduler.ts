import { Observable, Subject } from 'rxjs';
import { Clock, systemClock, TimerHandle } from '@dds/common';
import { LazyDeque } from './job-queue';
import {
  AgentFailedError,
  AgentLostError,
  AgentSuspectError,
  CancelledError,
  DeadlineExceededError,
  InvalidJobError,
  JobStage,
  QueueFullError,
  SchedulerClosedError,
  SchedulerError,
} from './scheduler.errors';
import type {
  BreakerInfo,
  BreakerState,
  Dispatcher,
  JobHandle,
  JobResult,
  JobState,
  LatencySummary,
  RejectionReason,
  SchedulerEvent,
  SchedulerMetrics,
  SchedulerOptions,
  SubmitOptions,
} from './scheduler.types';

interface Attempt<J, R> {
  readonly job: JobRecord<J, R>;
  readonly agentId: string;
  readonly number: number;
  readonly controller: AbortController;
  readonly startedAt: number;
  /** Breaker epoch at dispatch: outcomes of attempts from an older epoch do not move the breaker. */
  readonly epoch: number;
  readonly probe: boolean;
  outputStarted: boolean;
  settled: boolean;
}

interface JobRecord<J, R> {
  readonly id: number;
  readonly job: J;
  readonly priority: number;
  /** Aging order: submission time plus the level's handicap. */
  readonly key: number;
  readonly submittedAt: number;
  readonly deadlineMs: number | undefined;
  state: JobState;
  /** In a level FIFO (queued for a first dispatch). */
  inQueue: boolean;
  /** Its class's queues while `inQueue`. */
  cls: ClassQueues<J, R> | undefined;
  attempts: number;
  /** Agents whose attempt failed (created on the first retry only: most jobs never need it). */
  tried: Set<string> | undefined;
  /** Moved off a suspect agent once already ({@link Scheduler.agentSuspect}: at most once). */
  movedOffSuspect: boolean;
  attempt: Attempt<J, R> | undefined;
  queuedMs: number;
  lastError: unknown;
  deadlineTimer: TimerHandle | undefined;
  retryTimer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve: (r: JobResult<R>) => void;
  reject: (e: unknown) => void;
}

/** The level FIFOs of one job class (jobs the dispatcher accepts or refuses alike). */
interface ClassQueues<J, R> {
  readonly key: string;
  readonly levels: LazyDeque<JobRecord<J, R>>[];
  size: number;
}

interface Cursor<J, R> {
  readonly cls: ClassQueues<J, R>;
  readonly level: number;
  index: number;
}

interface Breaker {
  state: BreakerState;
  failures: number;
  /** Clock time the breaker last opened (kept while half-open). */
  openedAt: number | undefined;
  epoch: number;
  probeInFlight: boolean;
  timer: TimerHandle | undefined;
}

const EMPTY: ReadonlySet<string> = new Set<string>();

/** The caller's view of a job (a class: prototype getters are cheaper than per-object ones). */
class Handle<J, R> implements JobHandle<R> {
  constructor(
    private readonly rec: JobRecord<J, R>,
    readonly promise: Promise<JobResult<R>>,
    private readonly canceller: (rec: JobRecord<J, R>, reason: unknown) => void,
  ) {}

  get id(): number {
    return this.rec.id;
  }

  get state(): JobState {
    return this.rec.state;
  }

  get agentId(): string | undefined {
    return this.rec.attempt?.agentId;
  }

  cancel(reason?: unknown): void {
    this.canceller(this.rec, reason);
  }
}
const WINDOW = 1024;

/** A ring of recent samples summarised on demand (metrics are read rarely, written per job). */
class SampleWindow {
  private readonly values = new Float64Array(WINDOW);
  private count = 0;

  add(v: number): void {
    this.values[this.count % WINDOW] = v;
    this.count++;
  }

  summary(): LatencySummary {
    const n = Math.min(this.count, WINDOW);
    if (n === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    const sorted = Array.from(this.values.subarray(0, n)).sort((a, b) => a - b);
    let sum = 0;
    for (const v of sorted) sum += v;
    const pick = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))];
    return { count: n, mean: sum / n, p50: pick(0.5), p99: pick(0.99), max: sorted[n - 1] };
  }
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) {
    throw new RangeError(`Scheduler: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return x;
}

/** Node timers fire at once beyond this (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x >= 0) || x > MAX_TIMER_MS) {
    throw new RangeError(
      `Scheduler: ${name} must be a number in [0, ${MAX_TIMER_MS}], got ${String(v)}`,
    );
  }
  return x;
}

/**
 * Admission and dispatch of jobs onto agents: bounded priority queues with aging, event-driven
 * dispatch, deadlines, cancellation, retries on another agent before output starts, a circuit
 * breaker per agent, and the scheduler's own per-agent in-flight accounting.
 *
 * The host wires it to the fleet: a {@link Dispatcher} picks agents and runs jobs; the host calls
 * {@link Scheduler.capacityAvailable} when the registry reports freed capacity or a new agent and
 * {@link Scheduler.agentLost} when an agent disappears. The scheduler dispatches by itself when one
 * of its own attempts settles. No I/O and no polling: everything time-based uses the injected clock.
 *
 * @typeParam J - the job (e.g. a chat request with its routing hints)
 * @typeParam R - what a successful run resolves with
 */
export class Scheduler<J, R = unknown> {
  /** Number of priority levels (0 = highest). */
  readonly priorityLevels: number;
  /** Bound on jobs waiting for their first dispatch. */
  readonly maxQueueSize: number;

  private readonly agingMs: number;
  private readonly clock: Clock;
  private readonly dispatcher: Dispatcher<J, R>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly random: () => number;
  private readonly isRetryable: (e: unknown) => boolean;
  private readonly failureThreshold: number;
  private readonly coolDownMs: number;
  private readonly maxScan: number;

  private readonly classes = new Map<string, ClassQueues<J, R>>();
  private readonly levelDepth: number[];
  private queuedCount = 0;
  /** Jobs whose back-off elapsed, waiting for a different agent; served before the queues. */
  private readonly retryReady = new Map<JobRecord<J, R>, TimerHandle>();
  private retryingCount = 0;
  private readonly active = new Map<number, JobRecord<J, R>>();
  private readonly running = new Map<string, Set<Attempt<J, R>>>();
  private runningCount = 0;
  private readonly breakers = new Map<string, Breaker>();
  /** Agents tryAssign must skip: breaker open, or half-open with its probe in flight. */
  private readonly blocked = new Set<string>();
  private epochSeq = 0;
  private nextId = 1;
  private dispatching = false;
  private redispatch = false;
  private closed = false;

  private lastDispatchAt: number | undefined;
  private dispatchIntervalEma: number | undefined;
  private readonly counters = {
    submitted: 0,
    dispatched: 0,
    completed: 0,
    failed: 0,
    retries: 0,
    cancellations: 0,
  };
  private readonly rejections: Record<RejectionReason, number> = {
    queue_full: 0,
    deadline_exceeded: 0,
    no_capacity: 0,
    invalid_job: 0,
    scheduler_closed: 0,
    agent_failed: 0,
  };
  private readonly queueTimes = new SampleWindow();
  private readonly outputLatencies = new SampleWindow();
  private readonly serviceTimes = new SampleWindow();
  private readonly eventSubject = new Subject<SchedulerEvent>();

  /** Lifecycle events, for exporters; emitted synchronously, only built when someone listens. */
  readonly events$: Observable<SchedulerEvent> = this.eventSubject.asObservable();

  constructor(options: SchedulerOptions<J, R>) {
    if (!options || typeof options.dispatcher?.tryAssign !== 'function') {
      throw new TypeError('Scheduler: options.dispatcher with tryAssign() and run() is required');
    }
    if (typeof options.dispatcher.run !== 'function') {
      throw new TypeError('Scheduler: options.dispatcher.run() is required');
    }
    this.dispatcher = options.dispatcher;
    this.priorityLevels = positiveInt('priorityLevels', options.priorityLevels, 3);
    this.maxQueueSize = positiveInt('maxQueueSize', options.maxQueueSize, 100, 0);
    this.agingMs = nonNegative('agingMs', options.agingMs, 1000);
    this.clock = options.clock ?? systemClock;
    const retry = options.retry ?? {};
    this.maxAttempts = positiveInt('retry.maxAttempts', retry.maxAttempts, 3);
    this.baseDelayMs = nonNegative('retry.baseDelayMs', retry.baseDelayMs, 25);
    this.maxDelayMs = nonNegative('retry.maxDelayMs', retry.maxDelayMs, 1000);
    this.maxRetryWaitMs = nonNegative('retry.maxWaitMs', retry.maxWaitMs, 5000);
    this.random = retry.random ?? Math.random;
    this.isRetryable = retry.isRetryable ?? (() => true);
    const breaker = options.breaker ?? {};
    this.failureThreshold = positiveInt('breaker.failureThreshold', breaker.failureThreshold, 5);
    this.coolDownMs = nonNegative('breaker.coolDownMs', breaker.coolDownMs, 10_000);
    this.maxScan = positiveInt('maxScanPerDispatch', options.maxScanPerDispatch, 16, 0);
    this.levelDepth = new Array<number>(this.priorityLevels).fill(0);
  }

  /**
   * Admits a job. Never throws: every outcome, including rejection at admission
   * ({@link QueueFullError}, {@link InvalidJobError}, {@link SchedulerClosedError}), arrives
   * through the handle's promise.
   */
  submit(job: J, opts?: SubmitOptions): JobHandle<R> {
    const options: SubmitOptions = opts ?? {};
    const now = this.clock.now();
    const priority = options.priority ?? Math.floor((this.priorityLevels - 1) / 2);
    let resolve!: (r: JobResult<R>) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<JobResult<R>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const rec: JobRecord<J, R> = {
      id: this.nextId++,
      job,
      priority,
      key: now + (Number.isInteger(priority) ? priority : 0) * this.agingMs,
      submittedAt: now,
      deadlineMs: options.deadlineMs,
      state: 'queued',
      inQueue: false,
      cls: undefined,
      attempts: 0,
      tried: undefined,
      movedOffSuspect: false,
      attempt: undefined,
      queuedMs: 0,
      lastError: undefined,
      deadlineTimer: undefined,
      retryTimer: undefined,
      signal: options.signal,
      onAbort: undefined,
      resolve,
      reject,
    };
    const handle = this.handleFor(rec, promise);
    this.counters.submitted++;

    const invalid = this.validate(options);
    if (invalid) {
      this.rejectAtAdmission(rec, new InvalidJobError(invalid), 'invalid_job');
      return handle;
    }
    if (this.closed) {
      this.rejectAtAdmission(rec, new SchedulerClosedError(), 'scheduler_closed');
      return handle;
    }
    if (options.signal?.aborted) {
      rec.state = 'cancelled';
      this.counters.cancellations++;
      this.emit({ type: 'cancelled', jobId: rec.id, stage: 'queued' });
      reject(new CancelledError('queued', options.signal.reason));
      return handle;
    }

    this.active.set(rec.id, rec);
    if (options.deadlineMs !== undefined) {
      rec.deadlineTimer = this.clock.setTimer(() => this.expire(rec), options.deadlineMs);
    }
    if (options.signal) {
      const signal = options.signal;
      rec.onAbort = () => this.cancelRecord(rec, signal.reason);
      signal.addEventListener('abort', rec.onAbort, { once: true });
    }

    if (this.queuedCount >= this.maxQueueSize) {
      // Queued jobs were all refused by tryAssign in the last pass; this one may still fit an
      // agent they cannot use (another model), so it gets one direct try before the 429.
      if (this.tryStart(rec) === 'refused') {
        const err = new QueueFullError(this.retryAfterMs(), this.maxQueueSize);
        this.rejections.queue_full++;
        this.emit({ type: 'rejected', jobId: rec.id, reason: 'queue_full', error: err });
        this.finish(rec, 'rejected', err);
      }
      return handle;
    }

    let key = '';
    if (this.dispatcher.classOf) {
      try {
        key = String(this.dispatcher.classOf(job));
      } catch (err) {
        this.rejections.invalid_job++;
        this.emit({ type: 'rejected', jobId: rec.id, reason: 'invalid_job', error: err });
        this.finish(rec, 'rejected', err);
        return handle;
      }
    }
    let cls = this.classes.get(key);
    if (!cls) {
      const live = (r: JobRecord<J, R>) => r.inQueue;
      cls = {
        key,
        levels: Array.from({ length: this.priorityLevels }, () => new LazyDeque(live)),
        size: 0,
      };
      this.classes.set(key, cls);
    }
    rec.inQueue = true;
    rec.cls = cls;
    cls.levels[priority].push(rec);
    cls.size++;
    this.levelDepth[priority]++;
    this.queuedCount++;
    this.emit({ type: 'queued', jobId: rec.id, priority });
    this.dispatch();
    return handle;
  }

  /**
   * Tells the scheduler that an agent may have capacity (registry event: slot freed, agent joined,
   * agent healthy again). Dispatches as many waiting jobs as the dispatcher accepts.
   */
  capacityAvailable(): void {
    this.dispatch();
  }

  /**
   * Tells the scheduler an agent is gone (lost liveliness, offline). Its running attempts are
   * aborted with {@link AgentLostError} and retried elsewhere when no output had started (except
   * those the dispatcher recovers itself, see `Dispatcher.recoversFromAgentLoss`); the in-flight
   * count is released when each aborted `run` settles.
   */
  agentLost(agentId: string): void {
    const attempts = this.running.get(agentId);
    if (!attempts) return;
    for (const attempt of [...attempts]) {
      const rec = attempt.job;
      if (rec.state !== 'running' || rec.attempt !== attempt) continue;
      if (this.recovers(rec.job)) continue;
      const err = new AgentLostError(agentId);
      attempt.controller.abort(err);
      this.onAttemptFailed(rec, attempt, err, false);
    }
    this.dispatch();
  }

  /**
   * Tells the scheduler an agent may be cut off but is not known lost yet (its status is
   * overdue, or the transport lost its request reader): waiting for its lease would hold every
   * request on it. Each running attempt on it that has produced no output (and that the
   * dispatcher does not recover by itself, i.e. has no partial answer) moves to another agent:
   * the attempt is aborted with {@link AgentSuspectError} (its agent-side work is cancelled, its
   * in-flight count released when `run` settles) and the job starts at once on the agent
   * `tryAssign` picks without the suspect one, or waits for capacity as a retry when every other
   * agent is busy. A job moves at most once this way, and only with an attempt left; when no
   * other agent could ever serve it (`tryAssign` throws) it stays: the suspicion may be a late
   * status. Attempts with output keep waiting for the lease ({@link Scheduler.agentLost}).
   * Returns how many attempts moved.
   */
  agentSuspect(agentId: string): number {
    const attempts = this.running.get(agentId);
    if (!attempts) return 0;
    let moved = 0;
    for (const attempt of [...attempts]) {
      const rec = attempt.job;
      if (!this.movableOffSuspect(rec, attempt)) continue;
      const exclude = new Set(this.excludeFor(rec));
      exclude.add(agentId);
      let target: string | undefined;
      try {
        target = this.dispatcher.tryAssign(rec.job, exclude)?.agentId;
      } catch {
        continue; // Nobody else serves it: better the suspect agent than a certain failure.
      }
      // tryAssign may settle the job re-entrantly (a cancel from the host).
      if (!this.active.has(rec.id) || rec.attempt !== attempt) continue;
      rec.movedOffSuspect = true;
      moved++;
      const err = new AgentSuspectError(agentId);
      attempt.controller.abort(err);
      rec.lastError = err;
      this.emitAttemptFailed(attempt, err);
      (rec.tried ??= new Set()).add(agentId);
      if (typeof target === 'string' && !exclude.has(target)) {
        this.counters.retries++;
        this.emit({ type: 'retry', jobId: rec.id, attempt: rec.attempts + 1, delayMs: 0 });
        this.start(rec, target);
      } else {
        this.scheduleRetry(rec);
      }
    }
    if (moved) this.dispatch();
    return moved;
  }

  /** The re-dispatch decision of {@link Scheduler.agentSuspect} for one running attempt. */
  private movableOffSuspect(rec: JobRecord<J, R>, attempt: Attempt<J, R>): boolean {
    return (
      rec.state === 'running' &&
      rec.attempt === attempt &&
      !attempt.outputStarted &&
      !rec.movedOffSuspect &&
      rec.attempts < this.maxAttempts &&
      !this.recovers(rec.job)
    );
  }

  private recovers(job: J): boolean {
    try {
      return this.dispatcher.recoversFromAgentLoss?.(job) === true;
    } catch {
      return false; // A throwing hook must not keep a lost attempt alive.
    }
  }

  /**
   * Drops what the scheduler remembers about an agent that left the fleet for good (its breaker).
   * Running attempts are unaffected (use {@link Scheduler.agentLost} for those).
   */
  forgetAgent(agentId: string): void {
    const b = this.breakers.get(agentId);
    if (!b) return;
    if (b.timer !== undefined) b.timer.cancel();
    this.breakers.delete(agentId);
    this.blocked.delete(agentId);
  }

  /** Attempts this scheduler has running on `agentId` (never negative; 0 for unknown agents). */
  inFlight(agentId: string): number {
    return this.running.get(agentId)?.size ?? 0;
  }

  /** Attempts running over all agents. */
  get totalInFlight(): number {
    return this.runningCount;
  }

  /** Jobs waiting for a first dispatch. */
  get queued(): number {
    return this.queuedCount;
  }

  /** Whether the agent's breaker is open (cooling down; the agent gets no jobs). */
  isOpen(agentId: string): boolean {
    return this.breakers.get(agentId)?.state === 'open';
  }

  /** The agent's breaker state (`closed` for agents never seen failing). */
  breakerState(agentId: string): BreakerState {
    return this.breakers.get(agentId)?.state ?? 'closed';
  }

  /**
   * The agent's breaker: its state, the failures counted towards opening it (while closed) and
   * when it last opened (clock time; while open or half-open).
   */
  breakerInfo(agentId: string): BreakerInfo {
    const b = this.breakers.get(agentId);
    if (!b) return { state: 'closed', failures: 0 };
    return b.openedAt === undefined
      ? { state: b.state, failures: b.failures }
      : { state: b.state, failures: b.failures, openedAt: b.openedAt };
  }

  /**
   * Suggested wait before retrying a rejected submission, ms: the time the current queue takes to
   * drain at the recent dispatch rate (so retries do not arrive as a herd), within [1, 60000].
   */
  retryAfterMs(): number {
    if (this.lastDispatchAt === undefined) return 1000;
    const now = this.clock.now();
    const interval = Math.max(this.dispatchIntervalEma ?? 0, now - this.lastDispatchAt);
    const estimate = Math.ceil(Math.max(1, this.queuedCount) * interval);
    return Math.min(60_000, Math.max(1, estimate));
  }

  /** A snapshot of queue depths, counters and recent latency summaries. */
  metrics(): SchedulerMetrics {
    const breakers: Record<string, BreakerState> = {};
    for (const [id, b] of this.breakers) if (b.state !== 'closed') breakers[id] = b.state;
    return {
      queueDepth: this.levelDepth.slice(),
      queued: this.queuedCount,
      retrying: this.retryingCount,
      running: this.runningCount,
      ...this.counters,
      rejections: { ...this.rejections },
      queueTimeMs: this.queueTimes.summary(),
      dispatchLatencyMs: this.outputLatencies.summary(),
      serviceTimeMs: this.serviceTimes.summary(),
      breakers,
    };
  }

  /**
   * Stops admitting; rejects waiting jobs with {@link SchedulerClosedError}, aborts running ones
   * (their `run` sees the signal abort) and clears every timer. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const rec of [...this.active.values()]) {
      this.finish(rec, 'rejected', new SchedulerClosedError());
      this.rejections.scheduler_closed++;
    }
    for (const b of this.breakers.values()) {
      if (b.timer !== undefined) b.timer.cancel();
      b.timer = undefined;
    }
    this.eventSubject.complete();
  }

  private validate(o: SubmitOptions): string | undefined {
    const p = o.priority;
    if (p !== undefined && (!Number.isInteger(p) || p < 0 || p >= this.priorityLevels)) {
      return `priority must be an integer in 0..${this.priorityLevels - 1}, got ${String(p)}`;
    }
    const d = o.deadlineMs;
    if (d !== undefined && (typeof d !== 'number' || !(d > 0) || d > MAX_TIMER_MS)) {
      return `deadlineMs must be a number in (0, ${MAX_TIMER_MS}], got ${String(d)}`;
    }
    const sig = o.signal as { aborted?: unknown; addEventListener?: unknown } | undefined;
    if (sig !== undefined && (typeof sig?.addEventListener !== 'function' || !('aborted' in sig))) {
      return 'signal must be an AbortSignal';
    }
    return undefined;
  }

  private handleFor(rec: JobRecord<J, R>, promise: Promise<JobResult<R>>): JobHandle<R> {
    return new Handle(rec, promise, this.cancelRecord);
  }

  private rejectAtAdmission(rec: JobRecord<J, R>, err: SchedulerError, reason: RejectionReason) {
    rec.state = 'rejected';
    this.rejections[reason]++;
    this.emit({ type: 'rejected', jobId: rec.id, reason, error: err });
    rec.reject(err);
  }

  private dispatch(): void {
    if (this.dispatching) {
      this.redispatch = true;
      return;
    }
    if (this.closed) return;
    this.dispatching = true;
    try {
      do {
        this.redispatch = false;
        this.dispatchPass();
      } while (this.redispatch && !this.closed);
    } finally {
      this.dispatching = false;
      for (const cls of [...this.classes.values()]) this.tidy(cls);
    }
  }

  /**
   * One pass in aging order: retries first, then a merge of every class's level FIFOs by key.
   * With `dispatcher.classOf`, a refusal rules out the job's whole class for the pass, so the pass
   * costs O(classes x levels) per dispatched job whatever the queue length; without it, refused
   * jobs are skipped up to `maxScanPerDispatch` times.
   */
  private dispatchPass(): void {
    if (this.retryReady.size > 0) {
      for (const rec of [...this.retryReady.keys()]) {
        if (rec.state === 'retrying') this.tryStart(rec);
      }
    }
    if (this.queuedCount === 0) return;
    const cursors: Cursor<J, R>[] = [];
    for (const cls of this.classes.values()) {
      if (cls.size === 0) continue;
      for (let level = 0; level < cls.levels.length; level++) {
        const index = cls.levels[level].firstLive();
        if (index >= 0) cursors.push({ cls, level, index });
      }
    }
    let refusals = 0;
    while (cursors.length > 0 && refusals <= this.maxScan) {
      let best: Cursor<J, R> | undefined;
      let bestRec: JobRecord<J, R> | undefined;
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i];
        const q = c.cls.levels[c.level];
        c.index = q.nextLive(c.index);
        if (c.index < 0) {
          cursors[i--] = cursors[cursors.length - 1];
          cursors.pop();
          continue;
        }
        const r = q.at(c.index);
        if (!bestRec || r.key < bestRec.key || (r.key === bestRec.key && r.id < bestRec.id)) {
          best = c;
          bestRec = r;
        }
      }
      if (!best || !bestRec) return;
      const outcome = this.tryStart(bestRec);
      if (this.closed) return;
      if (outcome !== 'refused') continue;
      if (this.dispatcher.classOf) {
        const refused = best.cls;
        for (let i = cursors.length - 1; i >= 0; i--) {
          if (cursors[i].cls === refused) {
            cursors[i] = cursors[cursors.length - 1];
            cursors.pop();
          }
        }
      } else {
        refusals++;
        best.index++;
      }
    }
  }

  /** Asks the dispatcher for an agent and starts the attempt. */
  private tryStart(rec: JobRecord<J, R>): 'started' | 'refused' | 'rejected' {
    const exclude = this.excludeFor(rec);
    let agentId: string | undefined;
    try {
      agentId = this.dispatcher.tryAssign(rec.job, exclude)?.agentId;
    } catch (err) {
      if (this.active.has(rec.id)) {
        const reason = err instanceof SchedulerError ? this.reasonOf(err) : 'no_capacity';
        this.rejections[reason]++;
        this.emit({ type: 'rejected', jobId: rec.id, reason, error: err });
        this.finish(rec, 'rejected', err);
      }
      return 'rejected';
    }
    // The job may have been settled re-entrantly from inside tryAssign (cancel from the host).
    if (!this.active.has(rec.id)) return 'rejected';
    if (agentId === undefined || typeof agentId !== 'string' || exclude.has(agentId)) {
      return 'refused';
    }
    this.start(rec, agentId);
    return 'started';
  }

  private reasonOf(err: SchedulerError): RejectionReason {
    switch (err.code) {
      case 'queue_full':
      case 'deadline_exceeded':
      case 'no_capacity':
      case 'invalid_job':
      case 'scheduler_closed':
      case 'agent_failed':
        return err.code;
      default:
        return 'no_capacity';
    }
  }

  private excludeFor(rec: JobRecord<J, R>): ReadonlySet<string> {
    const tried = rec.tried;
    if (!tried || tried.size === 0) return this.blocked.size === 0 ? EMPTY : this.blocked;
    if (this.blocked.size === 0) return tried;
    const union = new Set(tried);
    for (const a of this.blocked) union.add(a);
    return union;
  }

  private start(rec: JobRecord<J, R>, agentId: string): void {
    const now = this.clock.now();
    if (rec.inQueue) {
      this.leaveQueue(rec);
    } else if (rec.state === 'retrying') {
      this.leaveRetry(rec);
    }
    if (rec.attempts === 0) {
      rec.queuedMs = now - rec.submittedAt;
      this.queueTimes.add(rec.queuedMs);
    }
    rec.state = 'running';
    rec.attempts++;

    const b = this.breakers.get(agentId);
    const probe = b?.state === 'half-open';
    if (b && probe) {
      b.probeInFlight = true;
      this.blocked.add(agentId);
    }
    const attempt: Attempt<J, R> = {
      job: rec,
      agentId,
      number: rec.attempts,
      controller: new AbortController(),
      startedAt: now,
      epoch: b?.epoch ?? 0,
      probe,
      outputStarted: false,
      settled: false,
    };
    rec.attempt = attempt;
    let set = this.running.get(agentId);
    if (!set) this.running.set(agentId, (set = new Set()));
    set.add(attempt);
    this.runningCount++;

    this.counters.dispatched++;
    if (this.lastDispatchAt !== undefined) {
      const gap = now - this.lastDispatchAt;
      this.dispatchIntervalEma =
        this.dispatchIntervalEma === undefined ? gap : this.dispatchIntervalEma * 0.8 + gap * 0.2;
    }
    this.lastDispatchAt = now;
    this.emit({
      type: 'dispatched',
      jobId: rec.id,
      agentId,
      attempt: attempt.number,
      queuedMs: rec.queuedMs,
    });

    let result: Promise<R>;
    try {
      result = Promise.resolve(
        this.dispatcher.run(rec.job, agentId, attempt.number, attempt.controller.signal, () =>
          this.onOutputStarted(attempt),
        ),
      );
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.onSettled(attempt, true, value),
      (err: unknown) => this.onSettled(attempt, false, err),
    );
  }

  private onOutputStarted(attempt: Attempt<J, R>): void {
    if (attempt.outputStarted || attempt.settled) return;
    attempt.outputStarted = true;
    const rec = attempt.job;
    if (rec.attempt !== attempt || rec.state !== 'running') return;
    const latency = this.clock.now() - attempt.startedAt;
    this.outputLatencies.add(latency);
    this.emit({
      type: 'output-started',
      jobId: rec.id,
      agentId: attempt.agentId,
      latencyMs: latency,
    });
  }

  private onSettled(attempt: Attempt<J, R>, ok: boolean, value: unknown): void {
    if (attempt.settled) return;
    attempt.settled = true;
    const set = this.running.get(attempt.agentId);
    if (set?.delete(attempt)) {
      this.runningCount--;
      if (set.size === 0) this.running.delete(attempt.agentId);
    }
    const rec = attempt.job;
    const current = rec.attempt === attempt && rec.state === 'running';
    if (!current) {
      this.breakerNoVerdict(attempt);
    } else if (ok) {
      const serviceMs = this.clock.now() - attempt.startedAt;
      this.serviceTimes.add(serviceMs);
      this.breakerSuccess(attempt);
      this.counters.completed++;
      this.emit({ type: 'completed', jobId: rec.id, agentId: attempt.agentId, serviceMs });
      this.finish(rec, 'completed', undefined, {
        value: value as R,
        agentId: attempt.agentId,
        attempts: attempt.number,
        queuedMs: rec.queuedMs,
      });
    } else if (!this.isRetryableSafe(value)) {
      this.breakerNoVerdict(attempt);
      this.emitAttemptFailed(attempt, value);
      this.counters.failed++;
      this.finish(rec, 'failed', value);
    } else {
      this.onAttemptFailed(rec, attempt, value, true);
    }
    this.dispatch();
  }

  private emitAttemptFailed(attempt: Attempt<J, R>, error: unknown): void {
    this.emit({
      type: 'attempt-failed',
      jobId: attempt.job.id,
      agentId: attempt.agentId,
      attempt: attempt.number,
      outputStarted: attempt.outputStarted,
      error,
    });
  }

  private isRetryableSafe(err: unknown): boolean {
    try {
      return this.isRetryable(err);
    } catch {
      return true;
    }
  }

  private onAttemptFailed(
    rec: JobRecord<J, R>,
    attempt: Attempt<J, R>,
    err: unknown,
    countsForBreaker: boolean,
  ): void {
    if (countsForBreaker) this.breakerFailure(attempt);
    rec.lastError = err;
    this.emitAttemptFailed(attempt, err);
    if (attempt.outputStarted || rec.attempts >= this.maxAttempts) {
      this.fail(
        rec,
        new AgentFailedError(attempt.agentId, rec.attempts, attempt.outputStarted, err),
      );
      return;
    }
    this.scheduleRetry(rec);
  }

  private scheduleRetry(rec: JobRecord<J, R>): void {
    const failed = rec.attempt;
    if (failed) (rec.tried ??= new Set()).add(failed.agentId);
    rec.state = 'retrying';
    this.retryingCount++;
    this.counters.retries++;
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (rec.attempts - 1));
    const r = this.random();
    const delayMs = Math.floor((r >= 0 && r < 1 ? r : 0) * cap);
    this.emit({ type: 'retry', jobId: rec.id, attempt: rec.attempts + 1, delayMs });
    rec.retryTimer = this.clock.setTimer(() => {
      rec.retryTimer = undefined;
      if (rec.state !== 'retrying') return;
      const waitTimer = this.clock.setTimer(() => this.retryWaitExpired(rec), this.maxRetryWaitMs);
      this.retryReady.set(rec, waitTimer);
      this.dispatch();
    }, delayMs);
  }

  private retryWaitExpired(rec: JobRecord<J, R>): void {
    if (rec.state !== 'retrying') return;
    this.retryReady.delete(rec);
    const last = rec.attempt;
    this.fail(rec, new AgentFailedError(last?.agentId ?? '', rec.attempts, false, rec.lastError));
  }

  private fail(rec: JobRecord<J, R>, err: AgentFailedError): void {
    this.counters.failed++;
    this.rejections.agent_failed++;
    this.emit({ type: 'rejected', jobId: rec.id, reason: 'agent_failed', error: err });
    this.finish(rec, 'failed', err);
  }

  private leaveRetry(rec: JobRecord<J, R>): void {
    this.retryingCount--;
    if (rec.retryTimer !== undefined) {
      rec.retryTimer.cancel();
      rec.retryTimer = undefined;
    }
    if (this.retryReady.has(rec)) {
      this.retryReady.get(rec)?.cancel();
      this.retryReady.delete(rec);
    }
  }

  private leaveQueue(rec: JobRecord<J, R>): ClassQueues<J, R> {
    const cls = rec.cls as ClassQueues<J, R>;
    rec.inQueue = false;
    rec.cls = undefined;
    cls.levels[rec.priority].markDead();
    cls.size--;
    this.levelDepth[rec.priority]--;
    this.queuedCount--;
    return cls;
  }

  /** Compacts a class's FIFOs, and forgets the class once empty (job classes come and go). */
  private tidy(cls: ClassQueues<J, R>): void {
    if (cls.size === 0) {
      if (this.classes.get(cls.key) === cls) this.classes.delete(cls.key);
      return;
    }
    for (const q of cls.levels) q.maybeCompact();
  }

  private stage(rec: JobRecord<J, R>): JobStage {
    return rec.state === 'running' ? 'running' : rec.state === 'retrying' ? 'retrying' : 'queued';
  }

  private readonly cancelRecord = (rec: JobRecord<J, R>, reason: unknown): void => {
    if (!this.active.has(rec.id)) return;
    const stage = this.stage(rec);
    this.counters.cancellations++;
    this.emit({ type: 'cancelled', jobId: rec.id, stage });
    this.finish(rec, 'cancelled', new CancelledError(stage, reason));
  };

  private expire(rec: JobRecord<J, R>): void {
    rec.deadlineTimer = undefined;
    if (!this.active.has(rec.id)) return;
    const err = new DeadlineExceededError(this.stage(rec), rec.deadlineMs ?? 0);
    this.rejections.deadline_exceeded++;
    this.emit({ type: 'rejected', jobId: rec.id, reason: 'deadline_exceeded', error: err });
    this.finish(rec, 'rejected', err);
  }

  /** The single exit of a job: leaves its stage, clears its timers, settles its promise once. */
  private finish(
    rec: JobRecord<J, R>,
    state: JobState,
    error: unknown,
    result?: JobResult<R>,
  ): void {
    if (!this.active.delete(rec.id)) return;
    if (rec.inQueue) {
      const cls = this.leaveQueue(rec);
      if (!this.dispatching) this.tidy(cls);
    } else if (rec.state === 'retrying') {
      this.leaveRetry(rec);
    } else if (rec.state === 'running' && rec.attempt && !rec.attempt.settled) {
      // The agent-side work stops through the signal; the slot is released when run settles.
      rec.attempt.controller.abort(error);
    }
    rec.state = state;
    if (rec.deadlineTimer !== undefined) {
      rec.deadlineTimer.cancel();
      rec.deadlineTimer = undefined;
    }
    if (rec.signal && rec.onAbort) rec.signal.removeEventListener('abort', rec.onAbort);
    rec.onAbort = undefined;
    if (state === 'completed' && result) rec.resolve(result);
    else rec.reject(error);
  }

  private breaker(agentId: string): Breaker {
    let b = this.breakers.get(agentId);
    if (!b) {
      b = {
        state: 'closed',
        failures: 0,
        openedAt: undefined,
        epoch: 0,
        probeInFlight: false,
        timer: undefined,
      };
      this.breakers.set(agentId, b);
    }
    return b;
  }

  private breakerSuccess(attempt: Attempt<J, R>): void {
    const b = this.breakers.get(attempt.agentId);
    if (!b || b.epoch !== attempt.epoch) return;
    if (b.state === 'closed') {
      b.failures = 0;
    } else if (b.state === 'half-open' && attempt.probe) {
      b.state = 'closed';
      b.failures = 0;
      b.openedAt = undefined;
      b.probeInFlight = false;
      b.epoch = ++this.epochSeq;
      this.blocked.delete(attempt.agentId);
      this.emit({ type: 'breaker', agentId: attempt.agentId, state: 'closed' });
    }
  }

  private breakerFailure(attempt: Attempt<J, R>): void {
    const b = this.breaker(attempt.agentId);
    if (b.epoch !== attempt.epoch) return;
    if (b.state === 'closed') {
      b.failures++;
      if (b.failures >= this.failureThreshold) this.openBreaker(attempt.agentId, b);
    } else if (b.state === 'half-open' && attempt.probe) {
      this.openBreaker(attempt.agentId, b);
    }
  }

  private breakerNoVerdict(attempt: Attempt<J, R>): void {
    if (!attempt.probe) return;
    const b = this.breakers.get(attempt.agentId);
    if (!b || b.epoch !== attempt.epoch || b.state !== 'half-open') return;
    b.probeInFlight = false;
    this.blocked.delete(attempt.agentId);
  }

  private openBreaker(agentId: string, b: Breaker): void {
    b.state = 'open';
    b.failures = 0;
    b.openedAt = this.clock.now();
    b.probeInFlight = false;
    b.epoch = ++this.epochSeq;
    this.blocked.add(agentId);
    this.emit({ type: 'breaker', agentId, state: 'open' });
    if (this.closed) return;
    b.timer = this.clock.setTimer(() => {
      b.timer = undefined;
      if (b.state !== 'open') return;
      b.state = 'half-open';
      b.epoch = ++this.epochSeq;
      this.blocked.delete(agentId);
      this.emit({ type: 'breaker', agentId, state: 'half-open' });
      this.dispatch();
    }, this.coolDownMs);
  }

  private emit(event: SchedulerEvent): void {
    if (this.eventSubject.observed) this.eventSubject.next(event);
  }
}
