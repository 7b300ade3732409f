import fc from 'fast-check';
import { quantileSorted, quantiles } from './percentiles';

const samples = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 });
const q = fc.double({ min: 0, max: 1, noNaN: true });

describe('quantiles', () => {
  it('interpolates between closest ranks', () => {
    expect(quantiles([1, 2], [0, 0.5, 1])).toEqual([1, 1.5, 2]);
    expect(quantiles([10, 20, 30, 40, 50], [0.5, 0.95])).toEqual([30, 48]);
    expect(quantiles([3, 1, 2], [0.5])).toEqual([2]);
  });

  it('has no answer for no samples, and ignores non-finite ones', () => {
    expect(quantiles([], [0.5])).toEqual([undefined]);
    expect(quantiles([NaN, Infinity], [0.5])).toEqual([undefined]);
    expect(quantiles([NaN, 4, -Infinity], [0.5])).toEqual([4]);
  });

  it('rejects a quantile outside [0, 1]', () => {
    expect(() => quantileSorted([1], 1.5)).toThrow(RangeError);
    expect(() => quantileSorted([1], NaN)).toThrow(RangeError);
  });

  it('lies between the smallest and the largest sample', () => {
    fc.assert(
      fc.property(samples, q, (xs, p) => {
        const [v] = quantiles(xs, [p]);
        expect(v).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(v).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  it('is the minimum at 0 and the maximum at 1', () => {
    fc.assert(
      fc.property(samples, (xs) => {
        expect(quantiles(xs, [0, 1])).toEqual([Math.min(...xs), Math.max(...xs)]);
      }),
    );
  });

  it('never decreases as the quantile grows (p50 <= p95)', () => {
    fc.assert(
      fc.property(samples, q, q, (xs, a, b) => {
        const [lo, hi] = quantiles(xs, [Math.min(a, b), Math.max(a, b)]);
        expect(lo).toBeLessThanOrEqual(hi as number);
      }),
    );
  });

  it('does not depend on the order of the samples', () => {
    fc.assert(
      fc.property(
        samples.chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length })),
        ),
        q,
        ([xs, shuffled], p) => {
          expect(quantiles(shuffled, [p])).toEqual(quantiles(xs, [p]));
        },
      ),
    );
  });

  it('has at least a fraction q of the samples at or below the q-quantile', () => {
    fc.assert(
      fc.property(samples, q, (xs, p) => {
        const [v] = quantiles(xs, [p]);
        const below = xs.filter((x) => x <= (v as number)).length;
        expect(below).toBeGreaterThanOrEqual(Math.floor(p * (xs.length - 1)) + 1);
      }),
    );
  });
});
