import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

/** A non-streaming chat body for model `model`. */
export function chatBody(model: string, stream = false): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say something short.' }],
    stream,
  });
}

/** Throughput and latency of `connections` closed-loop clients (zero think time), via autocannon. */
export async function closedLoop(
  url: string,
  body: string,
  connections: number,
  durationS: number,
): Promise<{
  rps: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** Responses with a 2xx status: what a section that counts only successes divides. */
  ok: number;
  durationS: number;
}> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    pipelining: 1,
    duration: durationS,
  });
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ok: result['2xx'],
    durationS: result.duration,
  };
}

/** Per-request latency (ms, sub-millisecond resolution) of one client sending `n` requests in turn. */
export async function sequentialLatencies(
  url: string,
  body: string,
  n: number,
): Promise<Float64Array> {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  const out = new Float64Array(n);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher,
      });
      await res.body.text();
      out[i] = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    }
  } finally {
    await dispatcher.close();
  }
  return out;
}

/** Reads one SSE response, pushing the gaps (ms) between consecutive content events to `gaps`. */
export async function readGaps(
  body: AsyncIterable<Buffer | string>,
  gaps: number[],
): Promise<void> {
  let last: number | undefined;
  let buffered = '';
  for await (const chunk of body) {
    const now = performance.now();
    buffered += String(chunk);
    // One network read may carry several events: each content event counts once, at `now`.
    let idx: number;
    while ((idx = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, idx);
      buffered = buffered.slice(idx + 2);
      if (!event.includes('"content":"') || event.includes('"content":""')) continue;
      if (last !== undefined) gaps.push(now - last);
      last = now;
    }
  }
}

/**
 * Inter-token latencies (ms) of `n` streamed answers, one at a time: the gaps between consecutive
 * content chunks as the client receives them.
 */
export async function streamGaps(url: string, body: string, n: number): Promise<Float64Array> {
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
      await readGaps(res.body, gaps);
    }
  } finally {
    await dispatcher.close();
  }
  return Float64Array.from(gaps);
}

/**
 * `n` streams held open at once (one connection each): how many completed, and the gaps (ms)
 * between content events across all of them.
 */
export async function concurrentStreams(
  url: string,
  body: string,
  n: number,
): Promise<{ completed: number; gaps: Float64Array }> {
  const dispatcher = new Agent({ connections: n, pipelining: 1 });
  const gaps: number[] = [];
  let completed = 0;
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          dispatcher,
        });
        if (res.statusCode !== 200) {
          await res.body.dump();
          return;
        }
        await readGaps(res.body, gaps);
        completed++;
      }),
    );
  } finally {
    await dispatcher.close();
  }
  return { completed, gaps: Float64Array.from(gaps) };
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
