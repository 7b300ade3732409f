/**
 * OpenAI-style errors: one class per HTTP status the gateway answers with, each carrying the `type` and
 * `code` strings OpenAI uses, and the `{error:{message,type,param,code}}` body they serialise to.
 */

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export interface ErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/** Builds an OpenAI error body. */
export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): ErrorBody {
  return { error: { message, type, param, code } };
}

/** Base of every error that maps onto an OpenAI HTTP error response. */
export class OpenAIError extends Error {
  /**
   * @param status HTTP status to answer with.
   * @param type OpenAI error `type` (e.g. `invalid_request_error`, `server_error`).
   * @param param The offending request parameter, if any (e.g. `messages[2].content`).
   * @param code OpenAI error `code` (e.g. `invalid_api_key`), if any.
   */
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The body to send: `{ error: { message, type, param, code } }`. */
  toBody(): ErrorBody {
    return errorBody(this.message, this.type, this.param, this.code);
  }

  /** `JSON.stringify(err)` yields the OpenAI error body. */
  toJSON(): ErrorBody {
    return this.toBody();
  }
}

/** 400 `invalid_request_error`: the request body is malformed or has a bad parameter. */
export class OpenAIRequestError extends OpenAIError {
  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(message, 400, 'invalid_request_error', param, code);
  }
}

/** 400 `invalid_request_error`/`context_length_exceeded`: prompt plus completion exceed the model's context. */
export class ContextLengthExceededError extends OpenAIError {
  constructor(maxContext: number, requested: number, param: string | null = 'messages') {
    super(
      `This model's maximum context length is ${maxContext} tokens. However, you requested ${requested} tokens. Please reduce the length of the messages or completion.`,
      400,
      'invalid_request_error',
      param,
      'context_length_exceeded',
    );
  }
}

/** 401 `invalid_request_error`/`invalid_api_key`: missing or wrong API key. */
export class AuthenticationError extends OpenAIError {
  constructor(
    message = 'Incorrect API key provided. You can obtain an API key from your administrator.',
  ) {
    super(message, 401, 'invalid_request_error', null, 'invalid_api_key');
  }
}

/** 404 `invalid_request_error`/`model_not_found`: no agent serves the requested model. */
export class ModelNotFoundError extends OpenAIError {
  constructor(readonly model: string) {
    super(
      `The model \`${model}\` does not exist or you do not have access to it.`,
      404,
      'invalid_request_error',
      'model',
      'model_not_found',
    );
  }
}

/** 404 `invalid_request_error`: unknown route or resource. */
export class NotFoundError extends OpenAIError {
  constructor(message: string) {
    super(message, 404, 'invalid_request_error', null, null);
  }
}

/** 413 `invalid_request_error`/`request_too_large`: the body exceeds the size limit. */
export class RequestTooLargeError extends OpenAIError {
  constructor(limitBytes: number) {
    super(
      `Request body too large: the maximum size is ${limitBytes} bytes.`,
      413,
      'invalid_request_error',
      null,
      'request_too_large',
    );
  }
}

/** 429 `requests`/`rate_limit_exceeded`: the client exceeded its rate limit. */
export class RateLimitError extends OpenAIError {
  /**
   * @param retryAfterSeconds Suggested wait, for a `Retry-After` header.
   */
  constructor(
    message = 'Rate limit reached for requests. Please try again later.',
    readonly retryAfterSeconds?: number,
    code = 'rate_limit_exceeded',
  ) {
    super(message, 429, 'requests', null, code);
  }
}

/** 429 `requests`/`queue_full`: the scheduler's queue is full; the client should retry later. */
export class QueueFullError extends RateLimitError {
  constructor(retryAfterSeconds?: number) {
    super(
      'The server is currently overloaded: the request queue is full. Please retry your request after a brief wait.',
      retryAfterSeconds,
      'queue_full',
    );
  }
}

/** 500 `server_error`: an unexpected failure. */
export class InternalServerError extends OpenAIError {
  constructor(
    message = 'The server had an error while processing your request. Sorry about that!',
  ) {
    super(message, 500, 'server_error', null, null);
  }
}

/** 502 `server_error`/`bad_gateway`: the agent failed or sent an invalid answer. */
export class BadGatewayError extends OpenAIError {
  constructor(message = 'The upstream inference agent returned an invalid response.') {
    super(message, 502, 'server_error', null, 'bad_gateway');
  }
}

/** 503 `server_error`/`service_unavailable`: no agent can take the request now. */
export class ServiceUnavailableError extends OpenAIError {
  constructor(
    message = 'The server is overloaded or not ready yet. Please retry your request after a brief wait.',
    readonly retryAfterSeconds?: number,
  ) {
    super(message, 503, 'server_error', null, 'service_unavailable');
  }
}

/** 504 `server_error`/`timeout`: the agent did not answer in time. */
export class GatewayTimeoutError extends OpenAIError {
  constructor(message = 'Request timed out while waiting for the inference agent.') {
    super(message, 504, 'server_error', null, 'timeout');
  }
}

/**
 * Maps anything thrown to an {@link OpenAIError}: OpenAI errors pass through, everything else becomes a
 * 500 whose message does not leak internals.
 */
export function toOpenAIError(err: unknown): OpenAIError {
  return err instanceof OpenAIError ? err : new InternalServerError();
}

/** The OpenAI error body for anything thrown (see {@link toOpenAIError}). */
export function toErrorBody(err: unknown): ErrorBody {
  return toOpenAIError(err).toBody();
}

/** True if `value` has the shape of an OpenAI error body (e.g. an agent's answer relayed as-is). */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const e = (value as { error?: unknown }).error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { message?: unknown }).message === 'string' &&
    typeof (e as { type?: unknown }).type === 'string'
  );
}
