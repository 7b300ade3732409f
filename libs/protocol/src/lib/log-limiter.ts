/** Options of {@link LogLimiter}. */
export interface LogLimiterOptions {
  /** Lines per key allowed at once (the bucket's size). Default 5. */
  readonly burst?: number;
  /** Tokens per key regained per second. Default 0.2 (one line every 5 s once the burst is spent). */
  readonly refillPerSecond?: number;
  /**
   * How long after the first suppressed line the summary of suppressed lines is reported, ms.
   * Default 5000.
   */
  readonly reportAfterMs?: number;
  /** Monotonic ms. Default `performance.now()`. */
  readonly now?: () => number;
  /** Timer for the summary (unref'd by default so it never holds a process open). */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
  timer: { cancel(): void } | undefined;
}

/** Most distinct keys tracked; keys are meant to be a fixed set of message kinds. */
const MAX_KEYS = 256;

function nodeTimer(fn: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

/**
 * A token bucket per kind of log line, for lines a peer can trigger at will (malformed samples,
 * floods): the first `burst` lines pass, then one per `1 / refillPerSecond` s; the lines dropped
 * in between are counted and reported once, in one summary (`report(key, suppressed)`).
 *
 * Keys name the kind of line (a constant in the caller), never peer-chosen text.
 */
export class LogLimiter {
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly reportAfterMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => { cancel(): void };
  private readonly buckets = new Map<string, Bucket>();
  private closed = false;

  constructor(
    private readonly report: (key: string, suppressed: number) => void,
    options: LogLimiterOptions = {},
  ) {
    this.burst = options.burst ?? 5;
    const refill = options.refillPerSecond ?? 0.2;
    this.reportAfterMs = options.reportAfterMs ?? 5_000;
    if (!(Number.isInteger(this.burst) && this.burst >= 1)) {
      throw new RangeError(`burst must be an integer >= 1, got ${this.burst}`);
    }
    if (!(refill > 0 && Number.isFinite(refill))) {
      throw new RangeError(`refillPerSecond must be > 0, got ${refill}`);
    }
    if (!(this.reportAfterMs >= 0 && Number.isFinite(this.reportAfterMs))) {
      throw new RangeError(`reportAfterMs must be >= 0, got ${this.reportAfterMs}`);
    }
    this.refillPerMs = refill / 1000;
    this.now = options.now ?? (() => performance.now());
    this.setTimer = options.setTimer ?? nodeTimer;
  }

  /** Whether a line of kind `key` may be logged now; if not, it is counted as suppressed. */
  allow(key: string): boolean {
    if (this.closed) return false;
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_KEYS) return false;
      b = { tokens: this.burst, at: now, suppressed: 0, timer: undefined };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.refillPerMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    b.suppressed++;
    b.timer ??= this.setTimer(() => this.flush(key), this.reportAfterMs);
    return false;
  }

  /** Reports what is suppressed so far (each key with a count, once) and cancels the timers. */
  close(): void {
    if (this.closed) return;
    for (const key of [...this.buckets.keys()]) this.flush(key);
    this.closed = true;
    this.buckets.clear();
  }

  private flush(key: string): void {
    const b = this.buckets.get(key);
    if (!b) return;
    b.timer?.cancel();
    b.timer = undefined;
    const n = b.suppressed;
    b.suppressed = 0;
    if (n > 0) this.report(key, n);
  }
}
