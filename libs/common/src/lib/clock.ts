/** A scheduled callback; `cancel()` is idempotent and harmless after the callback ran. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as the core libraries see it: a monotonic `now()`, one-shot timers and an abortable sleep.
 * Injected everywhere time matters (registry health, scheduler deadlines and back-off, simulated
 * engines' timing models) so that tests drive time by hand with {@link ManualClock} instead of
 * sleeping. Times are milliseconds on a monotonic scale: only differences matter.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Runs `fn` once after `delayMs` (at once, on the next turn, when `delayMs <= 0`). */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  /** Resolves after `ms` (at once when `ms <= 0`); rejects with `signal.reason` on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `performance.now()` and Node timers. Timers from {@link Clock.setTimer} are
 * unref'd, so a forgotten registry or scheduler never keeps the process alive on its own; a
 * {@link Clock.sleep} is a ref'd timer, as something is awaiting it.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Options of {@link ManualClock}. */
export interface ManualClockOptions {
  /**
   * When true, {@link ManualClock.sleep} moves time forward by itself (running the timers due on
   * the way) instead of waiting for {@link ManualClock.advance}: a timing model then runs to the
   * end at once with exact times. Default false.
   */
  readonly autoAdvance?: boolean;
}

interface ManualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to, for tests and simulations. Timers fire in due-time order
 * (ties in creation order) during {@link ManualClock.advance}, with `now()` set to each timer's due
 * time while it runs; a timer scheduled by a firing timer for a time inside the advanced window
 * fires in the same call. `sleep` waits for `advance` (or advances by itself with `autoAdvance`).
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();
  private readonly autoAdvance: boolean;

  constructor(start = 0, options: ManualClockOptions = {}) {
    this.current = start;
    this.autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, delayMs), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (this.autoAdvance) {
      if (ms > 0) this.advance(ms);
      // Yield like a real timer would, so cancellation interleaves as in production.
      await Promise.resolve();
      if (signal?.aborted) throw signal.reason;
      return;
    }
    if (ms <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        timer.cancel();
        reject(signal?.reason);
      };
      const timer = this.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of timers (sleeps included) neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /** Moves time forward by `ms` (≥ 0), firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.current + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.at <= target && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) {
          due = t;
        }
      }
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }

  /** Fires timers until none is left (or `maxSteps` timers fired, to stop runaway loops). */
  runAll(maxSteps = 100_000): void {
    for (let i = 0; i < maxSteps && this.timers.size > 0; i++) {
      const next = this.nextTimerAt() ?? this.current;
      this.advance(Math.max(0, next - this.current));
    }
  }
}
