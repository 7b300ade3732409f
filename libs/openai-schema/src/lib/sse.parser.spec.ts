import fc from 'fast-check';
import { SSE_DONE_FRAME, sseFrame } from './sse';
import { SseParser, parseSse, readSseJson } from './sse.parser';

async function* chunks(parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p;
}

describe('SseParser', () => {
  it('parses data, event and id fields (the id persists, per the spec), multi-line data and comments', () => {
    expect(parseSse(': keep-alive\n\nevent: error\nid: 7\ndata: a\ndata: b\n\ndata:c\n\n')).toEqual(
      [
        { event: 'error', id: '7', data: 'a\nb' },
        { data: 'c', id: '7' },
      ],
    );
  });

  it('accepts CRLF and CR line ends, even split between chunks', () => {
    const p = new SseParser();
    expect(p.push('data: x\r')).toEqual([]);
    // The trailing CR may be half of a CRLF, so the event waits for the next byte.
    expect(p.push('\n\r\ndata: y\r\r')).toEqual([{ data: 'x' }]);
    expect(p.push('data: z\n\n')).toEqual([{ data: 'y' }, { data: 'z' }]);
  });

  it('dispatches a trailing event without its blank line at end()', () => {
    const p = new SseParser();
    expect(p.push('data: last')).toEqual([]);
    expect(p.end()).toEqual([{ data: 'last' }]);
  });

  it('round-trips any sequence of framed JSON payloads cut at any points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue()),
        fc.array(fc.nat(), { maxLength: 10 }),
        (payloads, cuts) => {
          const text = payloads.map((p) => sseFrame(p)).join('') + SSE_DONE_FRAME;
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const parser = new SseParser();
          const events = [];
          let from = 0;
          for (const at of [...points, text.length]) {
            events.push(...parser.push(text.slice(from, at)));
            from = at;
          }
          events.push(...parser.end());
          expect(events.map((e) => e.data)).toEqual([
            ...payloads.map((p) => JSON.stringify(p)),
            '[DONE]',
          ]);
        },
      ),
    );
  });
});

describe('readSseJson', () => {
  it('yields parsed payloads from bytes and stops at [DONE]', async () => {
    const text = sseFrame({ a: 'é' }) + sseFrame([1]) + SSE_DONE_FRAME + sseFrame({ after: true });
    const bytes = new TextEncoder().encode(text);
    // Split inside the two-byte 'é' to prove multi-byte characters survive chunking.
    const cut = text.indexOf('é') + 1;
    const got = [];
    for await (const v of readSseJson(chunks([bytes.slice(0, cut), bytes.slice(cut)]))) got.push(v);
    expect(got).toEqual([{ a: 'é' }, [1]]);
  });

  it('reads a stream that ends without [DONE]', async () => {
    const got = [];
    for await (const v of readSseJson(chunks(['data: 1\n\ndata: 2']))) got.push(v);
    expect(got).toEqual([1, 2]);
  });

  it('throws on a payload that is not JSON', async () => {
    const it = readSseJson(chunks(['data: {oops\n\n']));
    await expect(it.next()).rejects.toThrow(SyntaxError);
  });
});
