import type { Clock } from '@dds/common';
import type { JobStage, SchedulerError } from './scheduler.errors';

/** An agent chosen for a job by the host. */
export interface Assignment {
  agentId: string;
}

/**
 * The host side of dispatch. The scheduler decides *when* and *which job*; the host decides
 * *which agent* (selector + capacity) and *how* a job runs on it (transport).
 */
export interface Dispatcher<J, R> {
  /**
   * Picks an agent with free capacity for `job`, or `undefined` when none has capacity right now
   * (the job keeps waiting until {@link Scheduler.capacityAvailable}). Must be synchronous and must
   * not pick an agent in `exclude` (agents already tried for this job and agents whose breaker is
   * open); a returned excluded agent is treated as `undefined`. Throwing rejects the job with the
   * thrown error (throw {@link NoCapacityError} when no agent could ever serve it).
   */
  tryAssign(job: J, exclude: ReadonlySet<string>): Assignment | undefined;
  /**
   * Optional job class (e.g. model + specialization): jobs of one class must be accepted or
   * refused alike by `tryAssign` when nothing is excluded. When one is refused, the scheduler skips
   * the rest of its class in that pass, so a saturated model never blocks another model's jobs and
   * a dispatch pass never scans the queue. Without it, all jobs form one class and up to
   * `maxScanPerDispatch` refused jobs are skipped per pass. Throwing rejects the job.
   */
  classOf?(job: J): string;
  /**
   * Optional: whether `job`'s running attempt recovers by itself when its agent is lost (e.g. the
   * dispatcher continues the answer on another agent). {@link Scheduler.agentLost} then leaves
   * that attempt running instead of aborting it; `run` settles as it ends.
   */
  recoversFromAgentLoss?(job: J): boolean;
  /**
   * Runs `job` on `agentId`. Call `outputStarted()` once the first output (token, chunk) has been
   * emitted to the client: from then on a failure is final. Stop the agent-side work when `signal`
   * aborts (cancel, deadline, agent lost; `signal.reason` says which) and settle soon after: the
   * scheduler's in-flight count for the agent is released when the returned promise settles.
   */
  run(
    job: J,
    agentId: string,
    attempt: number,
    signal: AbortSignal,
    outputStarted: () => void,
  ): Promise<R>;
}

/** Retry policy for failures before any output. */
export interface RetryOptions {
  /** Total attempts including the first (>= 1). Default 3. */
  maxAttempts?: number;
  /** Back-off cap before jitter for the first retry, ms. Default 25. */
  baseDelayMs?: number;
  /** Upper bound of the back-off, ms. Default 1000. */
  maxDelayMs?: number;
  /**
   * How long a retry may wait for a *different* agent with capacity before the job fails with
   * {@link AgentFailedError}, ms. Default 5000.
   */
  maxWaitMs?: number;
  /** Uniform random in [0, 1) for full jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Whether a failure may be retried on another agent. A non-retryable error (e.g. the agent
   * rejected the request as invalid) rejects the job with that very error and does not count
   * against the agent's breaker. Default: every error is retryable.
   */
  isRetryable?: (error: unknown) => boolean;
}

/** Per-agent circuit breaker. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker (>= 1). Default 5. */
  failureThreshold?: number;
  /** How long an open breaker keeps the agent out before a half-open probe, ms. Default 10000. */
  coolDownMs?: number;
}

/** Construction options of {@link Scheduler}. */
export interface SchedulerOptions<J, R> {
  dispatcher: Dispatcher<J, R>;
  /** Number of priority levels; 0 is the highest. Default 3 (config `scheduler.priority_levels`). */
  priorityLevels?: number;
  /** Jobs waiting for a first dispatch, over all levels. Default 100 (config `scheduler.max_queue_size`). */
  maxQueueSize?: number;
  /**
   * Waiting this long is worth one priority level: a job of level `p` submitted at `t` is served
   * before any job of level `q` submitted after `t + (p - q) * agingMs`, so low priority cannot
   * starve. Default 1000.
   */
  agingMs?: number;
  /** Default {@link systemClock}. */
  clock?: Clock;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /**
   * Without `dispatcher.classOf`: refused jobs skipped per dispatch pass before it stops, so one
   * job whose model is saturated does not block others behind it, without an O(queue) scan per
   * event. Default 16.
   */
  maxScanPerDispatch?: number;
}

/** Per-job options of {@link Scheduler.submit}. */
export interface SubmitOptions {
  /** 0..priorityLevels-1, 0 = highest. Default: the middle level (1 of 3). */
  priority?: number;
  /** Relative deadline from submission, ms; covers queueing, retries and running. */
  deadlineMs?: number;
  /** Aborting it cancels the job at any stage (client gone). */
  signal?: AbortSignal;
}

/** Lifecycle of a job. */
export type JobState =
  'queued' | 'running' | 'retrying' | 'completed' | 'failed' | 'cancelled' | 'rejected';

/** A successful job. */
export interface JobResult<R> {
  /** What `Dispatcher.run` resolved with. */
  value: R;
  /** Agent that produced it. */
  agentId: string;
  /** Attempt number that succeeded (1 = first). */
  attempts: number;
  /** Submission to first dispatch, ms. */
  queuedMs: number;
}

/** What {@link Scheduler.submit} returns. */
export interface JobHandle<R> {
  /** Unique within the scheduler. */
  readonly id: number;
  /** Resolves with the run's result or rejects with a {@link SchedulerError} (or a non-retryable run error). */
  readonly promise: Promise<JobResult<R>>;
  /** Current state. */
  readonly state: JobState;
  /** Agent of the current/last attempt, if any. */
  readonly agentId: string | undefined;
  /** Cancels at any stage (no-op once settled). */
  cancel(reason?: unknown): void;
}

/** Breaker state of one agent. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One agent's breaker as {@link Scheduler.breakerInfo} reports it. */
export interface BreakerInfo {
  readonly state: BreakerState;
  /** Consecutive failures counted while closed (reset when it opens or on a success). */
  readonly failures: number;
  /** Clock time (the scheduler's clock) it last opened; absent while closed. */
  readonly openedAt?: number;
}

/** Rejection reasons counted in metrics. */
export type RejectionReason =
  | 'queue_full'
  | 'deadline_exceeded'
  | 'no_capacity'
  | 'invalid_job'
  | 'scheduler_closed'
  | 'agent_failed';

/** Percentiles of a recent window of samples (ms); zeros when empty. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** A point-in-time view for `/metrics`, health checks and debugging. */
export interface SchedulerMetrics {
  /** Waiting jobs per priority level (index = level). */
  queueDepth: number[];
  /** Sum of `queueDepth` (bounded by `maxQueueSize`). */
  queued: number;
  /** Jobs waiting for a retry (back-off or another agent); not counted against the queue bound. */
  retrying: number;
  /** Attempts running on agents (= `totalInFlight`). */
  running: number;
  submitted: number;
  dispatched: number;
  completed: number;
  /** Failed jobs (all attempts or after output started). */
  failed: number;
  retries: number;
  cancellations: number;
  rejections: Record<RejectionReason, number>;
  /** Submission to first dispatch, over the recent window. */
  queueTimeMs: LatencySummary;
  /** Dispatch to first output (`outputStarted`), over the recent window. */
  dispatchLatencyMs: LatencySummary;
  /** Dispatch to settle of successful attempts, over the recent window. */
  serviceTimeMs: LatencySummary;
  /** Agents whose breaker is not closed. */
  breakers: Record<string, BreakerState>;
}

/** Events for exporters (Prometheus histograms, logs) and the fleet WebSocket. */
export type SchedulerEvent =
  | { type: 'queued'; jobId: number; priority: number }
  | { type: 'dispatched'; jobId: number; agentId: string; attempt: number; queuedMs: number }
  | { type: 'output-started'; jobId: number; agentId: string; latencyMs: number }
  | { type: 'completed'; jobId: number; agentId: string; serviceMs: number }
  | {
      type: 'attempt-failed';
      jobId: number;
      agentId: string;
      attempt: number;
      outputStarted: boolean;
      error: unknown;
    }
  | { type: 'retry'; jobId: number; attempt: number; delayMs: number }
  | { type: 'rejected'; jobId: number; reason: RejectionReason; error: SchedulerError | unknown }
  | { type: 'cancelled'; jobId: number; stage: JobStage }
  | { type: 'breaker'; agentId: string; state: BreakerState };
