/**
 * Typed outcomes of a scheduled job. Each carries a stable `code` so a host can map it to a
 * protocol status without `instanceof` chains (suggested HTTP mapping in each class's TSDoc).
 */
export type SchedulerErrorCode =
  | 'queue_full'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'agent_failed'
  | 'no_capacity'
  | 'invalid_job'
  | 'scheduler_closed';

/** Base class of every error the scheduler rejects a job with. */
export abstract class SchedulerError extends Error {
  abstract readonly code: SchedulerErrorCode;
}

/** The admission queue is at `maxQueueSize`. Suggested mapping: HTTP 429 with `Retry-After`. */
export class QueueFullError extends SchedulerError {
  readonly code = 'queue_full' as const;
  constructor(
    /** Estimated wait before a retry is likely to be admitted, in milliseconds (>= 1). */
    readonly retryAfterMs: number,
    /** The bound that was hit. */
    readonly maxQueueSize: number,
  ) {
    super(`queue full (${maxQueueSize} waiting); retry after ~${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'QueueFullError';
  }
}

/** Where a job was when it ended without a result. */
export type JobStage = 'queued' | 'running' | 'retrying';

/** The job's deadline passed. Suggested mapping: HTTP 504. */
export class DeadlineExceededError extends SchedulerError {
  readonly code = 'deadline_exceeded' as const;
  constructor(
    readonly stage: JobStage,
    readonly deadlineMs: number,
  ) {
    super(`deadline of ${deadlineMs} ms exceeded while ${stage}`);
    this.name = 'DeadlineExceededError';
  }
}

/** The job was cancelled (client gone, explicit cancel). Suggested mapping: 499 / no response. */
export class CancelledError extends SchedulerError {
  readonly code = 'cancelled' as const;
  constructor(
    readonly stage: JobStage,
    readonly reason?: unknown,
  ) {
    super(`cancelled while ${stage}`);
    this.name = 'CancelledError';
  }
}

/**
 * The job's agent failed. With `outputStarted: false`, every allowed attempt failed before any
 * output; with `outputStarted: true`, the agent failed mid-answer and the request must end with an
 * explicit error (no retry: the client already saw part of an answer). Suggested mapping: HTTP 502,
 * or an error event on a stream that already started.
 */
export class AgentFailedError extends SchedulerError {
  readonly code = 'agent_failed' as const;
  constructor(
    readonly agentId: string,
    readonly attempts: number,
    readonly outputStarted: boolean,
    override readonly cause?: unknown,
  ) {
    super(
      `agent ${agentId} failed ${outputStarted ? 'after output started' : 'before output'} ` +
        `(attempt ${attempts})${cause instanceof Error ? `: ${cause.message}` : ''}`,
    );
    this.name = 'AgentFailedError';
  }
}

/**
 * No agent can serve the job. A host's `tryAssign` throws it when no eligible agent exists at all
 * (as opposed to all being busy, which is `undefined`); the scheduler also uses it when a retry
 * finds no other agent within `retry.maxWaitMs`. Suggested mapping: HTTP 503.
 */
export class NoCapacityError extends SchedulerError {
  readonly code = 'no_capacity' as const;
  constructor(message = 'no agent available for this request') {
    super(message);
    this.name = 'NoCapacityError';
  }
}

/** `submit` options out of range. Suggested mapping: HTTP 400. */
export class InvalidJobError extends SchedulerError {
  readonly code = 'invalid_job' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJobError';
  }
}

/** The scheduler was closed. Suggested mapping: HTTP 503. */
export class SchedulerClosedError extends SchedulerError {
  readonly code = 'scheduler_closed' as const;
  constructor() {
    super('scheduler closed');
    this.name = 'SchedulerClosedError';
  }
}

/**
 * Raised as the abort reason of a running attempt whose agent the host reported lost
 * ({@link Scheduler.agentLost}); the scheduler retries elsewhere if no output had started.
 */
export class AgentLostError extends Error {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} lost`);
    this.name = 'AgentLostError';
  }
}

/**
 * Raised as the abort reason of a running attempt moved off an agent the host reported suspect
 * ({@link Scheduler.agentSuspect}) before it produced output: the job went on elsewhere.
 */
export class AgentSuspectError extends Error {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} suspect: the request moved to another agent`);
    this.name = 'AgentSuspectError';
  }
}
