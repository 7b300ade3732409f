import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoop, isCompleteStream, readGaps, wordCount } from './e2e.load';

async function* timed(chunks: { text: string; waitMs: number }[]): AsyncGenerator<string> {
  for (const c of chunks) {
    if (c.waitMs) await new Promise((r) => setTimeout(r, c.waitMs));
    yield c.text;
  }
}

const ev = (content: string) =>
  `data: {"choices":[{"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;

describe('readGaps', () => {
  it('measures gaps between content events only, across and within network reads', async () => {
    const gaps: number[] = [];
    await readGaps(
      timed([
        { text: 'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n', waitMs: 0 },
        { text: ev('a'), waitMs: 0 },
        // Split event: counted when it completes.
        { text: ev('b').slice(0, 10), waitMs: 30 },
        { text: ev('b').slice(10) + ev('c'), waitMs: 0 },
        { text: 'data: {"choices":[],"usage":{}}\n\ndata: [DONE]\n\n', waitMs: 0 },
      ]),
      gaps,
    );
    expect(gaps).toHaveLength(2);
    // a -> b spans the 30 ms wait; b and c arrived in one read, so their gap is ~0.
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(gaps[1]).toBeLessThan(5);
  });

  it('yields nothing for a stream without content', async () => {
    const gaps: number[] = [];
    await readGaps(timed([{ text: 'data: [DONE]\n\n', waitMs: 0 }]), gaps);
    expect(gaps).toEqual([]);
  });
});

describe('stream completeness', () => {
  const done = 'data: [DONE]\n\n';
  const read = (text: string) => readGaps(timed([{ text, waitMs: 0 }]), []);

  it('counts a stream only when it ended with [DONE], without an error, with every token', async () => {
    const full = await read(ev('one ') + ev('two ') + ev('three') + done);
    expect(full).toEqual({ done: true, errored: false, text: 'one two three' });
    expect(isCompleteStream(full, 3)).toBe(true);
    // Short by one token, cut before [DONE], or ended by an error event: not complete.
    expect(isCompleteStream(full, 4)).toBe(false);
    expect(isCompleteStream(await read(ev('one ') + ev('two ') + ev('three')), 3)).toBe(false);
    const failed = await read(ev('one ') + 'data: {"error":{"message":"agent lost"}}\n\n');
    expect(failed.errored).toBe(true);
    expect(isCompleteStream(failed, 1)).toBe(false);
  });

  it('counts whitespace-separated words', () => {
    expect(wordCount('')).toBe(0);
    expect(wordCount(' a  b\nc ')).toBe(3);
  });
});

describe('closedLoop', () => {
  it('reports latencies at µs resolution next to the whole milliseconds of autocannon', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await closedLoop(`http://127.0.0.1:${port}/`, '{}', 2, 1, {
        isComplete: (a) => (a as { ok?: boolean }).ok === true,
      });
      expect(r.ok).toBeGreaterThan(0);
      expect(r.incomplete).toBe(0);
      expect(Number.isInteger(r.p50Ms)).toBe(true);
      expect(r.p50Us).toBeGreaterThan(0);
      expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us);
      // Measured values, not whole milliseconds scaled up.
      expect(r.p50Us % 1000).not.toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
