import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, type ErrorBody } from '@dds/openai-schema';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the HTTP layer's client errors depend on. */
export interface ClientErrorLimits {
  /** `server.receive_timeout`: seconds a client has to send a whole request. */
  readonly receiveTimeoutS: number;
  /** The largest header block accepted (Node's `maxHeaderSize`), bytes. */
  readonly maxHeaderBytes: number;
}

/** A client error's status and OpenAI body. */
export interface ClientErrorReply {
  readonly status: number;
  readonly body: ErrorBody;
}

/**
 * How long a connection answered with a client error keeps being read (and its bytes dropped)
 * before it is destroyed. Closing a socket with unread input makes the kernel send a reset,
 * which can destroy the error response in the client's buffers before it is read.
 */
const LINGER_MS = 1000;

/**
 * The answer to an error Node's HTTP parser (or its request timer) raised on a connection, or
 * undefined when the client is already gone and nothing can be answered.
 */
export function clientErrorReply(
  err: { code?: string; reason?: string },
  limits: ClientErrorLimits,
): ClientErrorReply | undefined {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        body: errorBody(
          `Request timeout: the request (headers and body) was not received within ${limits.receiveTimeoutS} seconds.`,
          'invalid_request_error',
          null,
          'request_timeout',
        ),
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        body: errorBody(
          `Request header fields too large: the request's headers exceed ${limits.maxHeaderBytes} bytes.`,
          'invalid_request_error',
          null,
          'request_header_fields_too_large',
        ),
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        body: errorBody(
          'Request too large: chunk extensions exceed the allowed size.',
          'invalid_request_error',
          null,
          'request_too_large',
        ),
      };
    default: {
      // llhttp's reasons are fixed strings ("Invalid method encountered"), safe to echo.
      const reason = typeof err.reason === 'string' && err.reason ? `: ${err.reason}` : '';
      return {
        status: 400,
        body: errorBody(
          `Malformed HTTP request${reason}.`,
          'invalid_request_error',
          null,
          'malformed_http_request',
        ),
      };
    }
  }
}

/** The HTTP/1.1 response that carries `reply`, closing the connection. */
export function clientErrorResponse(reply: ClientErrorReply): string {
  const json = JSON.stringify(reply.body);
  return (
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\n` +
    'Connection: close\r\n\r\n' +
    json
  );
}

interface HttpSocket extends Socket {
  /** The response Node is writing on this connection, if any (Node's own field). */
  _httpMessage?: { headersSent?: boolean } | null;
}

/**
 * A fastify `clientErrorHandler`: malformed framing, invalid bytes, oversized headers and
 * stalled requests get an OpenAI error body (400 / 431 / 408) with `Connection: close`, instead
 * of fastify's `{"error":"Bad Request","statusCode":400}`.
 */
export function createClientErrorHandler(
  limits: ClientErrorLimits,
): (err: Error & { code?: string; reason?: string }, socket: Socket) => void {
  // The parser stays in its error state, so every further chunk the client sends raises the
  // error again: answer once per connection.
  const answered = new WeakSet<Socket>();
  return (err, socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    const reply = clientErrorReply(err, limits);
    const res = (socket as HttpSocket)._httpMessage;
    // A response already under way on this connection would be corrupted by a second one.
    if (!reply || socket.destroyed || !socket.writable || res?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(reply));
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** The OpenAI error for one of fastify's routing errors (a bad URL encoding, an overlong parameter). */
export function frameworkErrorReply(err: { code?: string }): ClientErrorReply {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return {
      status: 414,
      body: errorBody(
        'URI too long: a path parameter exceeds the allowed length.',
        'invalid_request_error',
        null,
        'uri_too_long',
      ),
    };
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    return {
      status: 400,
      body: errorBody(
        'Invalid URL: the path is not a valid percent-encoded URL.',
        'invalid_request_error',
        null,
        'invalid_url',
      ),
    };
  }
  return {
    status: 500,
    body: errorBody(
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
    ),
  };
}

/** A fastify `frameworkErrors` handler answering with {@link frameworkErrorReply}. */
export function frameworkErrorHandler(
  err: Error & { code?: string },
  _req: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = frameworkErrorReply(err);
  void reply.status(status).send(body);
}
