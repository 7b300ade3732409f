import type { ProtocolRequest, ResponseEvent } from '@dds/protocol';
import type { SelectionRequest } from '@dds/selector';
import type { RequestTrace } from '../dashboard/request-feed.service';
import type { ResponseCollector } from './response-assembler';

/** An output event (anything but the terminal one). */
export type OutputEvent = Extract<ResponseEvent, { type: 'text' | 'tool-call' | 'embedding' }>;
/** The terminal success event. */
export type FinalEvent = Extract<ResponseEvent, { type: 'final' }>;

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
  /**
   * Streaming sink: output goes to the client as it arrives (and from the first event on, a
   * failure is final). Without it, output is collected and a failed attempt can be retried whole.
   */
  readonly onOutput?: (ev: OutputEvent, agentId: string) => void;
  readonly collector: ResponseCollector;
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
