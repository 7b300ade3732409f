import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as engines see it. Injected so that timing models can be tested without wall-clock
 * sleeps; the default is the real clock.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms` (at once when `ms <= 0`); rejects with `signal.reason` on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (`performance.now()` + timers). */
export const realClock: Clock = {
  now: () => performance.now(),
  async sleep(ms, signal) {
    if (signal?.aborted) throw signal.reason;
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, { signal });
    } catch (e) {
      throw signal?.aborted ? signal.reason : e;
    }
  },
};

/**
 * A virtual clock for tests: `sleep` advances time instantly and records it, so a timing model's
 * output is exact and the test takes no wall-clock time.
 */
export class VirtualClock implements Clock {
  private t = 0;

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (ms > 0) this.t += ms;
    // Yield like a real timer would, so cancellation interleaves as in production.
    await Promise.resolve();
    if (signal?.aborted) throw signal.reason;
  }
}
