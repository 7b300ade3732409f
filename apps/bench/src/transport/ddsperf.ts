import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Round-trip latency percentiles in microseconds. */
export interface RttPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** One per-second report line of `ddsperf ping`: half round-trip percentiles and the count. */
interface PingLine {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly count: number;
}

const PING_LINE =
  /size \d+ mean [\d.]+us min [\d.]+us 50% ([\d.]+)us 90% ([\d.]+)us 99% ([\d.]+)us max [\d.]+us cnt (\d+)/;
const SUB_LINE = /size (\d+) total (\d+) lost (\d+) delta (\d+) lost (\d+) rate ([\d.]+) kS\/s/;

/** Parses `ddsperf ping` output (one line per second per peer). Exported for tests. */
export function parsePingOutput(output: string): PingLine[] {
  const lines: PingLine[] = [];
  for (const line of output.split('\n')) {
    const m = PING_LINE.exec(line);
    if (m) lines.push({ p50: +m[1], p90: +m[2], p99: +m[3], count: +m[4] });
  }
  return lines;
}

/**
 * Combines per-second ddsperf reports into one set of percentiles by taking, for each percentile,
 * the count-weighted median of the per-second values (ddsperf only prints per-interval summaries),
 * and doubles them: ddsperf prints half the round trip. Exported for tests.
 */
export function combinePingLines(lines: readonly PingLine[]): RttPercentiles {
  if (lines.length === 0) throw new Error('ddsperf ping reported no latency lines');
  const weighted = (pick: (l: PingLine) => number): number => {
    const sorted = [...lines].sort((a, b) => pick(a) - pick(b));
    const total = sorted.reduce((s, l) => s + l.count, 0);
    let seen = 0;
    for (const l of sorted) {
      seen += l.count;
      if (seen * 2 >= total) return pick(l);
    }
    return pick(sorted[sorted.length - 1]);
  };
  return {
    p50: 2 * weighted((l) => l.p50),
    p90: 2 * weighted((l) => l.p90),
    p99: 2 * weighted((l) => l.p99),
  };
}

/** Parses `ddsperf sub` output into the per-second receive rates (samples/s). Exported for tests. */
export function parseSubRates(output: string, payloadBytes: number): number[] {
  const rates: number[] = [];
  for (const line of output.split('\n')) {
    const m = SUB_LINE.exec(line);
    if (m && +m[1] === payloadBytes && +m[4] > 0) rates.push(Math.round(+m[6] * 1000));
  }
  return rates;
}

async function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const child = spawn('ddsperf', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0 && code !== null)
      throw new Error(`ddsperf ${args.join(' ')} exited with ${code}:\n${out}`);
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/**
 * Runs one ddsperf role on `domainId` for `duration` seconds; it is killed if it outlives the
 * measurement's `seconds` by 10 s (a peer that never showed up).
 */
function runRole(
  domainId: number,
  duration: number,
  role: readonly string[],
  env: NodeJS.ProcessEnv,
  seconds: number,
): Promise<string> {
  return run(['-i', String(domainId), '-D', String(duration), ...role], env, (seconds + 10) * 1000);
}

/**
 * Runs `ddsperf pong` (with `pongArgs`) and `ddsperf ping` (with `pingArgs`, e.g. `size 16k`) for
 * `seconds` and returns full round-trip percentiles.
 */
export async function ddsperfRoundTrip(
  domainId: number,
  seconds: number,
  env: NodeJS.ProcessEnv,
  pingArgs: readonly string[] = [],
  pongArgs: readonly string[] = [],
): Promise<RttPercentiles> {
  const pong = runRole(domainId, seconds + 2, ['pong', ...pongArgs], env, seconds);
  const ping = await runRole(domainId, seconds, ['ping', ...pingArgs], env, seconds);
  await pong;
  // The first second includes discovery and warm-up.
  const lines = parsePingOutput(ping);
  return combinePingLines(lines.length > 1 ? lines.slice(1) : lines);
}

/**
 * What `ddsperf sub` last reported for samples of `payloadBytes`: the total received and the total
 * it counted lost (sequence gaps). Exported for tests.
 */
export function parseSubTotals(
  output: string,
  payloadBytes: number,
): { received: number; lost: number } | undefined {
  let totals: { received: number; lost: number } | undefined;
  for (const line of output.split('\n')) {
    const m = SUB_LINE.exec(line);
    if (m && +m[1] === payloadBytes) totals = { received: +m[2], lost: +m[3] };
  }
  return totals;
}

/**
 * Runs `ddsperf sub` and `ddsperf pub size N` (reliable, as fast as possible); returns the median
 * per-second rate at the subscriber and what it received and counted lost in all.
 */
export async function ddsperfThroughput(
  domainId: number,
  seconds: number,
  payloadBytes: number,
  env: NodeJS.ProcessEnv,
): Promise<{ sps: number; received: number; lost: number }> {
  const sub = runRole(domainId, seconds + 1, ['sub'], env, seconds);
  await runRole(domainId, seconds, ['pub', 'size', String(payloadBytes)], env, seconds);
  const output = await sub;
  const rates = parseSubRates(output, payloadBytes);
  const totals = parseSubTotals(output, payloadBytes);
  if (rates.length === 0 || !totals) throw new Error('ddsperf sub reported no throughput lines');
  // Drop the first (warm-up) and last (partial) seconds when there are enough of them.
  const steady = rates.length > 3 ? rates.slice(1, -1) : rates;
  const sorted = [...steady].sort((a, b) => a - b);
  return { sps: sorted[Math.floor(sorted.length / 2)], ...totals };
}
