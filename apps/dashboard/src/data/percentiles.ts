/**
 * Percentiles of latency samples. Linear interpolation between closest ranks (the "type 7"
 * estimator of R and NumPy's default), so p50 of `[1, 2]` is 1.5 and the result always lies
 * between the smallest and the largest sample.
 */

/** The `q`-quantile (`q` in [0, 1]) of samples already sorted ascending; `undefined` when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) return undefined;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const lower = sorted[lo] as number;
  const upper = sorted[hi] as number;
  // Clamped: rounding must not carry the result past the upper sample.
  return Math.min(upper, lower + (upper - lower) * (pos - lo));
}

/**
 * Several quantiles of unsorted samples with one sort. Non-finite samples (a NaN from a broken
 * frame) are ignored rather than poisoning the result. Returns `undefined`s when no sample is left.
 */
export function quantiles(
  samples: Iterable<number>,
  qs: readonly number[],
): (number | undefined)[] {
  const sorted = Float64Array.from([...samples].filter(Number.isFinite)).sort();
  const view = Array.from(sorted);
  return qs.map((q) => quantileSorted(view, q));
}
