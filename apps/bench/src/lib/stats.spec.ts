import { median, percentile, round, summarize } from './stats';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('rejects empty sets and out-of-range percentiles', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow('percentile must be in [0, 100], got 101');
  });
});

describe('summarize', () => {
  it('summarises unsorted samples without modifying them', () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(s).toEqual({ n: 5, min: 1, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
  });
});

describe('round', () => {
  it('keeps more decimals for small values', () => {
    expect(round(0.123456)).toBe(0.123);
    expect(round(12.3456)).toBe(12.35);
    expect(round(1234.56)).toBe(1234.6);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
