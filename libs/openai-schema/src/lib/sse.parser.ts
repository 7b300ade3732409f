/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, if any. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` field seen in the stream, if any (it persists across events, per the spec). */
  id?: string;
}

/**
 * Incremental server-sent events parser (WHATWG rules: `\n`, `\r\n` or `\r` line ends, comment lines
 * starting with `:`, multi-line `data`). Feed it chunks as they arrive; it returns complete events.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;

  /** Adds a chunk and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf('\n', start);
      const cr = this.buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone trailing `\r` may be the first half of `\r\n`: wait for more input.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      const ev = this.line(this.buffer.slice(start, end));
      if (ev) events.push(ev);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Ends the input: a final event without its blank line is dispatched. */
  end(): SseEvent[] {
    const events = this.buffer.length > 0 ? this.push('\n') : [];
    const ev = this.line('');
    if (ev) events.push(ev);
    this.buffer = '';
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line.length === 0) {
      if (this.data.length === 0) {
        this.event = undefined;
        return undefined;
      }
      const ev: SseEvent = { data: this.data.join('\n') };
      if (this.event !== undefined) ev.event = this.event;
      if (this.id !== undefined) ev.id = this.id;
      this.data = [];
      this.event = undefined;
      return ev;
    }
    if (line[0] === ':') return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
    return undefined;
  }
}

/** Parses a complete SSE text into its events. */
export function parseSse(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}

/**
 * Reads an OpenAI stream (e.g. an HTTP response body) and yields each `data:` payload parsed as JSON,
 * stopping at `data: [DONE]`.
 *
 * @throws SyntaxError when a payload is not JSON.
 */
export async function* readSseJson<T = unknown>(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<T, void, undefined> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const ev of parser.push(text)) {
      if (ev.data === '[DONE]') return;
      yield JSON.parse(ev.data) as T;
    }
  }
  for (const ev of parser.end()) {
    if (ev.data === '[DONE]') return;
    yield JSON.parse(ev.data) as T;
  }
}
