import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import {
  anthropicErrorBody,
  InternalServerError,
  NotFoundError,
  OpenAIError,
  OpenAIRequestError,
  RateLimitError,
  RequestTooLargeError,
  ServiceUnavailableError,
} from '@dds/openai-schema';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { isAnthropicRoute } from '../anthropic/anthropic-route';

const unparsableBody = () =>
  new OpenAIRequestError(
    'We could not parse the JSON body of your request. The API expects a JSON payload.',
    null,
    'invalid_json',
  );

/** fastify's error codes (its `lib/errors.js`) that mean something precise to the client. */
const FASTIFY_ERRORS: ReadonlyMap<string, (bodyLimit: number) => OpenAIError> = new Map([
  ['FST_ERR_CTP_BODY_TOO_LARGE', (bodyLimit: number) => new RequestTooLargeError(bodyLimit)],
  [
    'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    () =>
      new OpenAIRequestError(
        'Unsupported content type: send the body as application/json.',
        null,
        'invalid_content_type',
      ),
  ],
]);

/** Anything thrown on the HTTP path, as the OpenAI error the client gets. */
export function toHttpError(err: unknown, bodyLimit: number): OpenAIError {
  if (err instanceof OpenAIError) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new NotFoundError('Unknown route.');
    if (status === 413) return new RequestTooLargeError(bodyLimit);
    if (status < 500) return new OpenAIError(err.message, status, 'invalid_request_error');
    return new InternalServerError();
  }
  const code = (err as { code?: unknown } | null)?.code;
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof code === 'string') {
    const known = FASTIFY_ERRORS.get(code);
    if (known) return known(bodyLimit);
    // Every other content-type parser failure is a body that is not the JSON it claims to be.
    if (code.startsWith('FST_ERR_CTP')) return unparsableBody();
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new OpenAIRequestError(err instanceof Error ? err.message : 'Bad request.');
  }
  return new InternalServerError();
}

/** `retry-after` for errors that suggest one. */
export function retryAfterHeader(err: OpenAIError): string | undefined {
  const s =
    err instanceof RateLimitError || err instanceof ServiceUnavailableError
      ? err.retryAfterSeconds
      : undefined;
  return s !== undefined ? String(Math.max(1, Math.ceil(s))) : undefined;
}

/**
 * Every error leaves as an OpenAI error body (Anthropic's on its Messages routes) with its status,
 * never a stack trace.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly bodyLimit: number,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toHttpError(exception, this.bodyLimit);
    if (error instanceof InternalServerError && !(exception instanceof OpenAIError)) {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    const retryAfter = retryAfterHeader(error);
    if (retryAfter) void reply.header('retry-after', retryAfter);
    // Anthropic's clients get Anthropic's error shape on its routes; everyone else OpenAI's.
    const body = isAnthropicRoute(reply.request.url) ? anthropicErrorBody(error) : error.toBody();
    void reply.status(error.status).send(body);
  }
}
