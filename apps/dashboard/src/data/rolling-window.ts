/**
 * A time-ordered window of entries: keeps what arrived within the last `spanMs` and at most
 * `capacity` entries, dropping the oldest first. Backed by a ring buffer, so a long-open page
 * uses constant memory and pushing is O(1).
 */
export class RollingWindow<T> {
  private readonly times: Float64Array;
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(
    /** How far back entries are kept, ms. */
    readonly spanMs: number,
    /** Most entries kept at once. */
    readonly capacity: number,
  ) {
    if (!(spanMs > 0)) throw new RangeError(`spanMs must be > 0, got ${spanMs}`);
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    }
    this.times = new Float64Array(capacity);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Entries held now. */
  get size(): number {
    return this.count;
  }

  /** Time of the newest entry, or `undefined` when empty. */
  get newest(): number | undefined {
    return this.count ? this.times[this.index(this.count - 1)] : undefined;
  }

  /**
   * Adds an entry at time `t` (ms), then drops entries older than `t - spanMs`. An entry older
   * than the newest one (a clock step, a late frame) is ignored: the window stays time-ordered.
   */
  push(t: number, item: T): boolean {
    if (!Number.isFinite(t)) return false;
    const newest = this.newest;
    if (newest !== undefined && t < newest) return false;
    if (this.count === this.capacity) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
    const at = this.index(this.count);
    this.times[at] = t;
    this.items[at] = item;
    this.count++;
    this.evict(t);
    return true;
  }

  /** Drops entries older than `now - spanMs`. */
  evict(now: number): void {
    const cutoff = now - this.spanMs;
    while (this.count && (this.times[this.head] as number) < cutoff) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
  }

  /** The entries at or after `since` (default: all), oldest first, with their times. */
  *entries(since = -Infinity): IterableIterator<[number, T]> {
    for (let i = 0; i < this.count; i++) {
      const at = this.index(i);
      const t = this.times[at] as number;
      if (t >= since) yield [t, this.items[at] as T];
    }
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  private index(i: number): number {
    return (this.head + i) % this.capacity;
  }
}
