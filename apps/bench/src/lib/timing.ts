import { summarize, type Summary } from './stats';

/** µs taken by each of `samples` calls of `op` (which gets the call's index), one sample per call. */
export function timeEach(samples: number, op: (i: number) => void): Float64Array {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    op(i);
    out[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  return out;
}

/**
 * µs per call of `op`, one sample per batch of `batch` calls: for operations of about a
 * microsecond, where a single call is too close to the clock's own cost.
 */
export function timeBatches(samples: number, batch: number, op: () => void): Float64Array {
  if (!(Number.isInteger(batch) && batch >= 1)) {
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  }
  const out = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) op();
    out[s] = Number(process.hrtime.bigint() - t0) / 1_000 / batch;
  }
  return out;
}

/** How {@link measure} samples: untimed warm-up calls first, then timed ones. */
export interface MeasureOptions {
  /** Timed samples. */
  readonly samples: number;
  /** Untimed samples run first (JIT, caches), counted in samples of `batch` calls. */
  readonly warmup: number;
  /** Calls per sample; 1 (the default) times each call on its own and passes it its index. */
  readonly batch?: number;
}

/** Warms `op` up, then times it and summarises the samples (µs per call). */
export function measure(op: (i: number) => void, options: MeasureOptions): Summary {
  const batch = options.batch ?? 1;
  if (batch === 1) {
    timeEach(options.warmup, op);
    return summarize(timeEach(options.samples, op));
  }
  const call = () => op(0);
  timeBatches(options.warmup, batch, call);
  return summarize(timeBatches(options.samples, batch, call));
}
