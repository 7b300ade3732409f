import type { FastifyReply } from 'fastify';

/**
 * One server-sent-events answer on a fastify reply, opened lazily: until the first write the
 * request can still fail with an ordinary HTTP error (and be retried on another agent), from then
 * on the status is 200 and failures must travel as events. A client that stops reading for more
 * than `maxBuffered` bytes is dropped and `abort` is fired, so its request is cancelled at the
 * agent rather than buffered without bound.
 */
export class SseStream {
  private isOpen = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly abort: AbortController,
    private readonly maxBuffered: number,
  ) {}

  /** Whether the 200 and the SSE headers went out. */
  get opened(): boolean {
    return this.isOpen;
  }

  /** Whether nothing more can be written (ended, or the client went away). */
  get closed(): boolean {
    return this.reply.raw.writableEnded || this.reply.raw.destroyed;
  }

  /** Sends the status and headers (once). */
  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      ...(this.reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes frames (opening the stream first if needed). */
  write(frames: string): void {
    this.open();
    const raw = this.reply.raw;
    if (this.closed) return;
    raw.write(frames);
    if (raw.writableLength > this.maxBuffered) {
      this.abort.abort(new Error('client too slow'));
      raw.destroy();
    }
  }

  /** Writes the last frames and ends the response. */
  end(frames = ''): void {
    this.open();
    if (!this.closed) this.reply.raw.end(frames);
  }
}
