import { measure, timeBatches, timeEach } from './timing';

describe('timeEach', () => {
  it('calls op once per sample with its index and returns one non-negative time each', () => {
    const seen: number[] = [];
    const out = timeEach(4, (i) => seen.push(i));
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(out).toHaveLength(4);
    expect([...out].every((t) => t >= 0)).toBe(true);
  });
});

describe('timeBatches', () => {
  it('calls op batch times per sample', () => {
    let calls = 0;
    const out = timeBatches(3, 5, () => calls++);
    expect(calls).toBe(15);
    expect(out).toHaveLength(3);
  });

  it('divides the batch time by the batch size', () => {
    // A busy-wait of ~200 µs per call: the per-call figure must not grow with the batch.
    const spin = () => {
      const end = process.hrtime.bigint() + 200_000n;
      while (process.hrtime.bigint() < end);
    };
    const [one] = timeBatches(1, 1, spin);
    const [perCallOfTen] = timeBatches(1, 10, spin);
    expect(one).toBeGreaterThanOrEqual(200);
    expect(perCallOfTen).toBeGreaterThanOrEqual(200);
    expect(perCallOfTen).toBeLessThan(10 * 200);
  });

  it('rejects a batch that is not a positive integer', () => {
    expect(() => timeBatches(1, 0, () => undefined)).toThrow(RangeError);
    expect(() => timeBatches(1, 1.5, () => undefined)).toThrow('batch must be a positive integer');
  });
});

describe('measure', () => {
  it('runs the warm-up untimed, then summarises only the timed samples', () => {
    const seen: number[] = [];
    const s = measure((i) => seen.push(i), { samples: 6, warmup: 2 });
    expect(seen).toEqual([0, 1, 0, 1, 2, 3, 4, 5]);
    expect(s.n).toBe(6);
  });

  it('batches calls when asked to', () => {
    let calls = 0;
    const s = measure(() => calls++, { samples: 4, warmup: 1, batch: 3 });
    expect(calls).toBe(15);
    expect(s.n).toBe(4);
  });
});
