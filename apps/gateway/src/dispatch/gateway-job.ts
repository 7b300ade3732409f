import type { ProtocolRequest, ResponseEvent } from '@dds/protocol';
import type { SelectionRequest } from '@dds/selector';
import type { RequestTrace } from '../dashboard/request-feed.service';

/** An output event (anything but the terminal one). */
export type OutputEvent = Extract<ResponseEvent, { type: 'text' | 'tool-call' | 'embedding' }>;
/** The terminal success event. */
export type FinalEvent = Extract<ResponseEvent, { type: 'final' }>;

/**
 * The one output sink of a job. A live sink passes output to the client as it arrives: from its
 * first event on, a failure is final (only a resume can save the answer). A sink that is not live
 * collects: a failed attempt's output is dropped (`reset`) and another agent starts over.
 */
export interface OutputSink {
  readonly live: boolean;
  /** One output event, produced by `agentId`. */
  output(ev: OutputEvent, agentId: string): void;
  /** Drops what a failed attempt produced (called before each fresh attempt). */
  reset(): void;
}

/** One client request as the scheduler carries it. */
export interface GatewayJob {
  readonly kind: ProtocolRequest['kind'];
  readonly model: string;
  /** The OpenAI body sent to the agent. */
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  readonly selection: SelectionRequest;
  /** Priority for the agent's own queue (higher first). */
  readonly agentPriority: number;
  /** Absolute deadline (`Date.now()` scale). */
  readonly deadlineAt: number;
  /** Where the answer's output goes, whatever the API (REST, SSE, WebSocket, translated APIs). */
  readonly sink: OutputSink;
  /** `x-session-id`: history is merged in, trimmed to the agent's window, and stored after. */
  readonly sessionId?: string;
  /** Tokens kept free for the reply when trimming (`max_tokens`). */
  readonly reservedTokens?: number;
  /** The dashboard's trace: told of each assignment (with the selector's explanation when sampled). */
  readonly trace?: RequestTrace;
}

/** A finished job. */
export interface JobOutcome {
  readonly final: FinalEvent;
  readonly agentId: string;
  /** Times the answer moved to another agent mid-generation (absent: never). */
  readonly resumes?: number;
}

/**
 * One attempt on one agent failed; `retryable` says whether another agent may try (from scratch),
 * `resumable` whether another agent may continue the answer this one started.
 */
export class AgentAttemptError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly resumable = false,
  ) {
    super(message);
    this.name = 'AgentAttemptError';
  }
}
