import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from './gateway-error';

/** Maps Nest's HTTP exceptions (routing 404s, framework errors) to OpenAI error bodies. */
export function toGatewayError(err: unknown, bodyLimit = 0): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return GatewayError.notFound('Unknown route.', 'unknown_route');
    if (status === 413) return GatewayError.tooLarge(bodyLimit);
    const type = status < 500 ? 'invalid_request_error' : 'server_error';
    return new GatewayError(status, err.message, type);
  }
  const fastifyCode = (err as { code?: unknown } | null)?.code;
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return GatewayError.tooLarge(bodyLimit);
  if (typeof fastifyCode === 'string' && fastifyCode.startsWith('FST_ERR_CTP')) {
    return GatewayError.badRequest(
      `Could not parse the request body: ${(err as Error).message}`,
      null,
      'invalid_body',
    );
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return GatewayError.badRequest((err as Error).message);
  }
  return GatewayError.internal();
}

/** Every error leaves as an OpenAI error body, never a stack trace. */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly bodyLimit = 0,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toGatewayError(exception, this.bodyLimit);
    if (error.status >= 500 && !(exception instanceof GatewayError)) {
      this.logger.error({ err: exception }, 'unhandled error');
    }
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    void reply.status(error.status).headers(error.headers).send(error.toBody());
  }
}
