/** A scheduled callback; `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time source and one-shot timers, injected so that the core logic runs on a fake clock in tests.
 * Times are milliseconds on a monotonic scale (only differences matter).
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
}

/**
 * The real clock: `performance.now()` and unref'd Node timers, so a forgotten registry never keeps
 * the process alive.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to: `advance(ms)` runs every timer due on the way, in time
 * order, with `now()` set to each timer's due time while it runs.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer: PendingTimer = {
      at: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers scheduled and neither run nor cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms` (≥ 0), running due timers, including ones they schedule. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance() needs a non-negative duration, got ${ms}`);
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: PendingTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
        }
      }
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }
}
