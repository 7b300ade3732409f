import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { LatencyRecorder } from '../lib/latency-recorder';

/** A non-streaming chat body for model `model`. */
export function chatBody(model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say something short.' }],
    stream,
  });
}

/** What `closedLoop` sends besides the body, and how it tells a complete answer from a 200. */
export interface ClosedLoopOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Checks each parsed answer; answers it rejects (or that are not JSON) count as `incomplete`. */
  readonly isComplete?: (answer: unknown) => boolean;
}

/**
 * Throughput and latency of `connections` closed-loop clients (zero think time), via autocannon.
 * `p50Ms`/`p99Ms` are autocannon's (whole ms); `p50Us`/`p99Us` come from the per-response times
 * autocannon measures with hrtime, recorded at µs resolution (2xx responses only).
 */
export async function closedLoop(
  url: string,
  body: string,
  connections: number,
  durationS: number,
  options: ClosedLoopOptions = {},
): Promise<{
  rps: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  p50Us: number;
  p99Us: number;
  errors: number;
  non2xx: number;
  /** Responses with a 2xx status: what a section that counts only successes divides. */
  ok: number;
  durationS: number;
  incomplete: number;
}> {
  const headers = { 'content-type': 'application/json', ...options.headers };
  let incomplete = 0;
  const { isComplete } = options;
  const latencies = new LatencyRecorder();
  const run = autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    pipelining: 1,
    duration: durationS,
    ...(isComplete && {
      requests: [
        {
          method: 'POST',
          headers,
          body,
          onResponse: (status: number, answer: string) => {
            if (status < 200 || status >= 300) return; // counted by autocannon as non2xx
            let parsed: unknown;
            try {
              parsed = JSON.parse(answer);
            } catch {
              incomplete++;
              return;
            }
            if (!isComplete(parsed)) incomplete++;
          },
        },
      ],
    }),
  });
  run.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.recordMs(ms);
  });
  const result = await run;
  // No 2xx at all: NaN, and the caller's check of `total`/`non2xx` says why.
  const us = latencies.summaryUs();
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p50Us: us?.p50 ?? Number.NaN,
    p99Us: us?.p99 ?? Number.NaN,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ok: result['2xx'],
    durationS: result.duration,
    incomplete,
  };
}

/** Per-request latency (ms, sub-millisecond resolution) of one client sending `n` requests in turn. */
export async function sequentialLatencies(
  url: string,
  body: string,
  n: number,
  options: ClosedLoopOptions = {},
): Promise<Float64Array> {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  const out = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body,
        dispatcher,
      });
      const answer = await res.body.text();
      out[i] = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
      if (options.isComplete && !options.isComplete(JSON.parse(answer))) {
        throw new Error(`${url} answered an incomplete ${answer.slice(0, 200)}`);
      }
    }
  } finally {
    await dispatcher.close();
  }
  return out;
}

/** How one SSE chat stream ended, as the client saw it. */
export interface StreamEnd {
  /** It ended with `data: [DONE]`. */
  readonly done: boolean;
  /** It carried an error event. */
  readonly errored: boolean;
  /** The content it streamed, concatenated. */
  readonly text: string;
}

/** Whitespace-separated words of `text`: the simulator streams one word per token. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Reads one SSE chat stream, pushing the gaps (ms) between consecutive content events to `gaps`,
 * and tells how it ended.
 */
export async function readGaps(
  body: AsyncIterable<Buffer | string>,
  gaps: number[],
): Promise<StreamEnd> {
  let last: number | undefined;
  let buffered = '';
  let done = false;
  let errored = false;
  let text = '';
  for await (const chunk of body) {
    const now = performance.now();
    buffered += String(chunk);
    // One network read may carry several events: each content event counts once, at `now`.
    let idx: number;
    while ((idx = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, idx);
      buffered = buffered.slice(idx + 2);
      const data = event.startsWith('data: ') ? event.slice(6) : undefined;
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      if (data === undefined) continue;
      const parsed = JSON.parse(data) as {
        error?: unknown;
        choices?: { delta?: { content?: string | null } }[];
      };
      if (parsed.error !== undefined) errored = true;
      const content = parsed.choices?.[0]?.delta?.content;
      if (!content) continue;
      text += content;
      if (last !== undefined) gaps.push(now - last);
      last = now;
    }
  }
  return { done, errored, text };
}

/** Whether a stream is a complete success: `[DONE]`, no error, and `tokens` tokens of text. */
export function isCompleteStream(end: StreamEnd, tokens: number): boolean {
  return end.done && !end.errored && wordCount(end.text) === tokens;
}

/**
 * Inter-token latencies (ms) of `n` streamed answers of `tokens` tokens each, one at a time: the
 * gaps between consecutive content chunks as the client receives them. Throws at the first stream
 * that is not a complete success, so no gap of a broken stream is reported.
 */
export async function streamGaps(
  url: string,
  body: string,
  n: number,
  tokens: number,
): Promise<Float64Array> {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  const gaps: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher,
      });
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
      const end = await readGaps(res.body, gaps);
      if (!isCompleteStream(end, tokens)) {
        throw new Error(
          `${url}: stream ${i} incomplete (done ${end.done}, error ${end.errored}, ` +
            `${wordCount(end.text)}/${tokens} tokens)`,
        );
      }
    }
  } finally {
    await dispatcher.close();
  }
  return Float64Array.from(gaps);
}

/**
 * `n` streams of `tokens` tokens held open at once (one connection each): how many completed
 * (`[DONE]` and every token), how many ended otherwise (an error event, a short or cut stream, a
 * non-200), and the gaps (ms) between content events of the completed ones.
 */
export async function concurrentStreams(
  url: string,
  body: string,
  n: number,
  tokens: number,
): Promise<{ completed: number; incomplete: number; failed: number; gaps: Float64Array }> {
  const dispatcher = new Agent({ connections: n, pipelining: 1 });
  const gaps: number[] = [];
  let completed = 0;
  let incomplete = 0;
  let failed = 0;
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        try {
          const res = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            dispatcher,
          });
          if (res.statusCode !== 200) {
            await res.body.dump();
            failed++;
            return;
          }
          const own: number[] = [];
          if (isCompleteStream(await readGaps(res.body, own), tokens)) {
            completed++;
            for (const g of own) gaps.push(g);
          } else {
            incomplete++;
          }
        } catch {
          failed++;
        }
      }),
    );
  } finally {
    await dispatcher.close();
  }
  return { completed, incomplete, failed, gaps: Float64Array.from(gaps) };
}

/**
 * CPU time (ms, user + system) a process has used so far, from /proc (Linux); undefined elsewhere.
 * Clock ticks are taken as 100 Hz, Linux's USER_HZ.
 */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
