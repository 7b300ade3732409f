/** OpenAI's error `type` values the gateway emits. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'timeout_error'
  | 'api_error';

/** The OpenAI error body. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/**
 * A failure with its HTTP status and OpenAI error body. Everything the gateway refuses or fails
 * at becomes one of these before it reaches a client (REST, SSE or WebSocket).
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAiErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers (e.g. `retry-after`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toBody(): OpenAiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }

  static badRequest(message: string, param: string | null = null, code: string | null = null) {
    return new GatewayError(400, message, 'invalid_request_error', code, param);
  }
  static unauthorized(message = 'Incorrect or missing API key.') {
    return new GatewayError(401, message, 'authentication_error', 'invalid_api_key');
  }
  static notFound(message: string, code = 'not_found') {
    return new GatewayError(404, message, 'invalid_request_error', code);
  }
  static modelNotFound(model: string) {
    return new GatewayError(
      404,
      `The model '${model}' does not exist or no agent serves it.`,
      'invalid_request_error',
      'model_not_found',
      'model',
    );
  }
  static tooLarge(limit: number) {
    return new GatewayError(
      413,
      `Request body too large (limit ${limit} bytes).`,
      'invalid_request_error',
      'request_too_large',
    );
  }
  static queueFull(retryAfterSeconds: number) {
    return new GatewayError(
      429,
      'The gateway queue is full; retry later.',
      'rate_limit_error',
      'queue_full',
      null,
      { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    );
  }
  static noAgent(model: string) {
    return new GatewayError(
      503,
      `No healthy agent is available for model '${model}'.`,
      'server_error',
      'no_healthy_agent',
    );
  }
  static deadline(ms: number) {
    return new GatewayError(
      504,
      `The request did not complete within its deadline (${ms} ms).`,
      'timeout_error',
      'deadline_exceeded',
    );
  }
  static agentFailed(message: string, code = 'agent_failed') {
    return new GatewayError(502, message, 'api_error', code);
  }
  static internal() {
    return new GatewayError(500, 'Internal gateway error.', 'server_error', 'internal_error');
  }
}
