/** Stable codes of context errors (suggested HTTP mapping in each class's TSDoc). */
export type ContextErrorCode =
  | 'context_length_exceeded'
  | 'invalid_session'
  | 'invalid_messages'
  | 'response_not_found'
  | 'invalid_response_transition';

/** Base class of the errors of `@dds/context`. */
export abstract class ContextError extends Error {
  abstract readonly code: ContextErrorCode;
}

/**
 * The messages that are never dropped (system/developer messages and the newest turn) do not fit
 * the agent's context window minus the tokens reserved for output. Suggested mapping: HTTP 400 with
 * OpenAI's `context_length_exceeded` code.
 */
export class ContextWindowExceededError extends ContextError {
  readonly code = 'context_length_exceeded' as const;
  constructor(
    /** Tokens of the messages that cannot be dropped. */
    readonly requiredTokens: number,
    /** Context window minus reserved output tokens. */
    readonly budgetTokens: number,
  ) {
    super(
      `This model's maximum context length leaves ${budgetTokens} tokens for the prompt, ` +
        `but the messages that cannot be trimmed need ${requiredTokens} tokens`,
    );
    this.name = 'ContextWindowExceededError';
  }
}

/** A session snapshot given to `import` is malformed. Suggested mapping: HTTP 400. */
export class InvalidSessionError extends ContextError {
  readonly code = 'invalid_session' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSessionError';
  }
}

/** Arguments of `prepare`/`commit` are malformed. Suggested mapping: HTTP 400. */
export class InvalidMessagesError extends ContextError {
  readonly code = 'invalid_messages' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessagesError';
  }
}

/** No stored response has this id (never stored, expired, evicted or deleted). Suggested: 404. */
export class ResponseNotFoundError extends ContextError {
  readonly code = 'response_not_found' as const;
  constructor(readonly responseId: string) {
    super(`Response with id '${responseId}' not found.`);
    this.name = 'ResponseNotFoundError';
  }
}

/**
 * A stored response cannot change from its status to the one asked (a terminal status never
 * changes). Suggested mapping: HTTP 400 (e.g. cancelling a completed response).
 */
export class InvalidResponseTransitionError extends ContextError {
  readonly code = 'invalid_response_transition' as const;
  constructor(
    readonly responseId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`Response '${responseId}' is ${from} and cannot become ${to}.`);
    this.name = 'InvalidResponseTransitionError';
  }
}
