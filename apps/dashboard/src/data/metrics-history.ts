import type { MetricsFrame } from '../connection/frames';
import { quantiles } from './percentiles';
import { RollingWindow } from './rolling-window';

/** One line of a chart; `null` = no value at that time (a gap). */
export interface Series {
  readonly label: string;
  readonly values: (number | null)[];
}

/** A chart's data: shared x values (seconds since the epoch, as uPlot wants) and its lines. */
export interface ChartData {
  readonly times: number[];
  readonly series: Series[];
}

/** Requests per second by outcome class. */
export const STATUS_CLASSES = ['ok', 'client error', 'server error', 'cancelled'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Maps an HTTP status (as the `metrics` frame keys it) onto its chart line. */
export function statusClass(status: string | number): StatusClass | undefined {
  const code = Number(status);
  if (!Number.isInteger(code)) return undefined;
  if (code === 499) return 'cancelled';
  if (code >= 200 && code < 400) return 'ok';
  if (code >= 400 && code < 500) return 'client error';
  if (code >= 500 && code < 600) return 'server error';
  return undefined;
}

/** Names of priority levels (0 = highest), as `x-priority` calls them when there are three. */
export function priorityLabel(level: number, levels: number): string {
  if (levels === 3) return (['high', 'normal', 'low'] as const)[level] ?? `level ${level}`;
  return `level ${level}`;
}

interface Tick {
  rates: Record<StatusClass, number>;
  ttft: [number | undefined, number | undefined];
  itl: [number | undefined, number | undefined];
  queue: readonly number[];
  inFlight: ReadonlyMap<string, number>;
  /** A gap in the data before this tick (the page was disconnected). */
  afterGap: boolean;
}

export interface MetricsHistoryOptions {
  /** How much history is kept, ms (default 15 minutes: the longest chart range). */
  readonly spanMs?: number;
  /** Latency percentiles at a tick are over the samples of this trailing window, ms (default 10 s). */
  readonly smoothingMs?: number;
}

const QS = [0.5, 0.95] as const;

/**
 * Rolling history of the `metrics` channel, shaped for the charts: requests/s by status class,
 * TTFT and inter-token p50/p95, queue depth by priority, in-flight per agent. Percentiles at each
 * tick are computed once, when the tick arrives, over a trailing window of raw samples (a
 * percentile of per-second percentiles would be meaningless).
 */
export class MetricsHistory {
  private readonly ticks: RollingWindow<Tick>;
  private readonly recent: RollingWindow<{ ttft: readonly number[]; itl: readonly number[] }>;
  private lastInterval = 1000;

  constructor(options: MetricsHistoryOptions = {}) {
    const spanMs = options.spanMs ?? 15 * 60_000;
    const smoothingMs = options.smoothingMs ?? 10_000;
    // Capacity for one tick per 100 ms: a faster feed than that is not ours, and is cut short.
    this.ticks = new RollingWindow(spanMs, Math.ceil(spanMs / 100));
    this.recent = new RollingWindow(smoothingMs, Math.ceil(smoothingMs / 100));
  }

  /** Ticks held. */
  get size(): number {
    return this.ticks.size;
  }

  /** Adds one `metrics` frame; returns false when it is ignored (older than the newest, or not a time). */
  add(frame: MetricsFrame): boolean {
    const t = frame.at;
    const previous = this.ticks.newest;
    if (!Number.isFinite(t) || (previous !== undefined && t < previous)) return false;
    const interval = frame.interval_ms > 0 ? frame.interval_ms : this.lastInterval;
    this.lastInterval = interval;
    const rates: Record<StatusClass, number> = {
      ok: 0,
      'client error': 0,
      'server error': 0,
      cancelled: 0,
    };
    for (const [status, count] of Object.entries(frame.requests ?? {})) {
      const cls = statusClass(status);
      if (cls && Number.isFinite(count) && count > 0) rates[cls] += count / (interval / 1000);
    }
    this.recent.push(t, { ttft: frame.ttft_ms ?? [], itl: frame.itl_ms ?? [] });
    const ttft: number[] = [];
    const itl: number[] = [];
    for (const [, s] of this.recent.entries()) {
      for (const v of s.ttft) ttft.push(v);
      for (const v of s.itl) itl.push(v);
    }
    const [t50, t95] = quantiles(ttft, QS);
    const [i50, i95] = quantiles(itl, QS);
    const inFlight = new Map<string, number>();
    for (const a of frame.agents ?? []) inFlight.set(a.id, a.in_flight);
    return this.ticks.push(t, {
      rates,
      ttft: [t50, t95],
      itl: [i50, i95],
      queue: frame.queue_depth ?? [],
      inFlight,
      afterGap: previous !== undefined && t - previous > 2.5 * interval,
    });
  }

  /** Requests/s by status class since `since` (ms). */
  requestRate(since: number): ChartData {
    return this.chart(
      since,
      STATUS_CLASSES.map((c) => c),
      (tick, i) => tick.rates[STATUS_CLASSES[i] as StatusClass],
    );
  }

  /** Time to first token, p50 and p95 (ms), since `since`. */
  ttft(since: number): ChartData {
    return this.chart(since, ['p50', 'p95'], (tick, i) => tick.ttft[i] ?? null);
  }

  /** Inter-token latency, p50 and p95 (ms), since `since`. */
  interToken(since: number): ChartData {
    return this.chart(since, ['p50', 'p95'], (tick, i) => tick.itl[i] ?? null);
  }

  /** Waiting requests by priority level since `since`. */
  queueDepth(since: number): ChartData {
    let levels = 0;
    for (const [, tick] of this.ticks.entries(since)) levels = Math.max(levels, tick.queue.length);
    const labels = Array.from({ length: levels }, (_, i) => priorityLabel(i, levels));
    return this.chart(since, labels, (tick, i) => tick.queue[i] ?? null);
  }

  /** Requests running per agent since `since`: one line per agent seen in that time. */
  inFlightByAgent(since: number): ChartData {
    const agents = new Set<string>();
    for (const [, tick] of this.ticks.entries(since))
      for (const id of tick.inFlight.keys()) agents.add(id);
    const ids = [...agents].sort();
    return this.chart(since, ids, (tick, i) => tick.inFlight.get(ids[i] as string) ?? null);
  }

  private chart(
    since: number,
    labels: readonly string[],
    value: (tick: Tick, series: number) => number | null,
  ): ChartData {
    const times: number[] = [];
    const series: Series[] = labels.map((label) => ({ label, values: [] }));
    for (const [t, tick] of this.ticks.entries(since)) {
      if (tick.afterGap && times.length) {
        // A point of nulls just after the last one breaks the lines across the outage.
        times.push((times[times.length - 1] as number) + 0.001);
        for (const s of series) s.values.push(null);
      }
      times.push(t / 1000);
      series.forEach((s, i) => s.values.push(value(tick, i)));
    }
    return { times, series };
  }
}
