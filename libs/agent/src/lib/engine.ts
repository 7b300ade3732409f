import type { ContinueFrom, ToolCallDelta, Usage } from '@dds/protocol';

/** A chat request as an engine sees it. */
export interface ChatJob {
  readonly model: string;
  /** The OpenAI chat completion request body (already JSON-decoded). */
  readonly body: Record<string, unknown>;
  /** Aborted on cancel, deadline or shutdown: the engine stops producing promptly. */
  readonly signal: AbortSignal;
  /**
   * Continue this partial assistant message instead of starting one (only engines with
   * `canContinue` get it): yield only what follows it, and count only the new tokens in `usage`.
   */
  readonly continueFrom?: ContinueFrom;
}

/** An embeddings request as an engine sees it. */
export interface EmbeddingJob {
  readonly model: string;
  /** The OpenAI embeddings request body. */
  readonly body: Record<string, unknown>;
  readonly signal: AbortSignal;
}

/** What a chat engine yields: output fragments, then exactly one `final`. */
export type EngineEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool-call'; readonly delta: ToolCallDelta }
  | { readonly type: 'final'; readonly finishReason: string; readonly usage: Usage };

/** The result of an embeddings job. */
export interface EmbeddingResult {
  readonly embeddings: number[][];
  readonly usage: Usage;
}

/**
 * An inference backend. Engines are stateless per request (except for caches) and must honour
 * `signal` by ending (the iterator may throw the signal's reason).
 */
export interface Engine {
  /** Engine kind, e.g. `sim` or `openai`. */
  readonly name: string;
  /**
   * Whether {@link ChatJob.continueFrom} is honoured; the agent then announces the protocol's
   * `continue` capability so gateways may resume other agents' streams on it.
   */
  readonly canContinue?: boolean;
  chat(job: ChatJob): AsyncIterable<EngineEvent>;
  embed(job: EmbeddingJob): Promise<EmbeddingResult>;
  /** Frees connections/timers. Optional. */
  close?(): Promise<void> | void;
}

/** Why an engine failed a request. `code` reaches the gateway in the protocol's error event. */
export class EngineError extends Error {
  override readonly name = 'EngineError';

  constructor(
    message: string,
    /** e.g. `engine_error`, `invalid_request`, `upstream_error`, `injected_failure`. */
    readonly code = 'engine_error',
    /** The same request may succeed on another agent. */
    readonly retryable = true,
  ) {
    super(message);
  }
}
