import { connect, type Socket } from 'node:net';

/** What came back on a raw connection. */
export interface RawResponse {
  /** HTTP status, or 0 when nothing parseable came back. */
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Record<string, string>;
  /** The body, de-chunked when the response was chunked. */
  readonly body: string;
  /** Everything the server sent. */
  readonly raw: Buffer;
  /** Whether the server closed the connection (within `closeWithinMs` after the response). */
  readonly closedByServer: boolean;
  /** A socket error (e.g. `ECONNRESET`), if one ended the connection. */
  readonly error?: string;
}

/** One piece of a request: bytes, or a pause before the next piece. */
export type RawPiece = string | Buffer | { readonly pauseMs: number };

export interface RawOptions {
  /** Give up on the server after this long (the response then counts as not closed). */
  readonly timeoutMs?: number;
  /**
   * How long, after a complete response, to wait for the server to close the connection before
   * answering `closedByServer: false` (the connection is then closed here). Default 2000 ms.
   */
  readonly closeWithinMs?: number;
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses a response head + body; `complete` says whether the whole body has arrived. */
function parse(raw: Buffer): Omit<RawResponse, 'closedByServer' | 'raw' | 'error'> & {
  complete: boolean;
} {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: '', complete: false };
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const complete =
      rest.includes('\r\n0\r\n\r\n') || rest.subarray(0, 5).equals(Buffer.from('0\r\n\r\n'));
    return { status, headers, body: dechunk(rest).toString('utf8'), complete };
  }
  const length = Number(headers['content-length'] ?? NaN);
  const complete = Number.isFinite(length) ? rest.length >= length : false;
  return { status, headers, body: rest.toString('utf8'), complete };
}

/**
 * Sends `pieces` on a fresh TCP connection to `url`'s host and port and collects what the server
 * answers: for what no HTTP client will send (garbage, broken framing, stalled bodies) and for
 * checking whether the server closes the connection.
 */
export function rawRequest(
  url: string,
  pieces: readonly RawPiece[],
  options: RawOptions = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const closeWithinMs = options.closeWithinMs ?? 2_000;
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    let complete = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const { complete: _complete, ...parsed } = parse(raw);
      resolve({ ...parsed, raw, closedByServer, ...(error ? { error } : {}) });
    };
    timers.push(setTimeout(() => finish(false), timeoutMs));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (!complete && parse(Buffer.concat(chunks)).complete) {
        complete = true;
        timers.push(setTimeout(() => finish(false), closeWithinMs));
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => finish(true));
    socket.once('connect', async () => {
      for (const p of pieces) {
        if (settled || socket.destroyed) return;
        if (typeof p === 'object' && !Buffer.isBuffer(p)) {
          await new Promise((r) => timers.push(setTimeout(r, p.pauseMs)));
        } else {
          socket.write(p);
        }
      }
    });
  });
}

/** A complete HTTP/1.1 request with a JSON (or any string) body. */
export function httpRequest(
  method: string,
  path: string,
  body = '',
  headers: Record<string, string> = {},
): string {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost'];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  if (body || method === 'POST') {
    head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  }
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/** The shape every error the gateway answers must have. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Whether `text` is an OpenAI error body. */
export function isOpenAIErrorBody(text: string): boolean {
  try {
    const e = (JSON.parse(text) as Partial<OpenAIErrorBody>).error;
    return (
      !!e &&
      typeof e.message === 'string' &&
      e.message.length > 0 &&
      typeof e.type === 'string' &&
      (e.param === null || typeof e.param === 'string') &&
      (e.code === null || typeof e.code === 'string')
    );
  } catch {
    return false;
  }
}
