import { summarize, type Summary } from './stats';

/**
 * Keeps every latency of a run at microsecond resolution (load generators such as autocannon
 * keep whole milliseconds in their own histogram, which hides a 0.2 ms difference). Values are
 * kept, not binned, so the percentiles are the measured values themselves.
 */
export class LatencyRecorder {
  #values = new Float64Array(1024);
  #n = 0;

  /** Records one latency given in milliseconds (any fraction). */
  recordMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
    if (this.#n === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#n++] = ms * 1000;
  }

  /** Latencies recorded so far. */
  get count(): number {
    return this.#n;
  }

  /** Percentiles of what was recorded, in µs; undefined before the first value. */
  summaryUs(): Summary | undefined {
    return this.#n === 0 ? undefined : summarize(this.#values.subarray(0, this.#n));
  }
}
