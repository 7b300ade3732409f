import fc from 'fast-check';
import { Reservoir } from './reservoir';

describe('Reservoir', () => {
  it('keeps everything up to its capacity, then a sample of that size drawn from the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 32 }),
        (values, capacity) => {
          const r = new Reservoir(capacity);
          values.forEach((v) => r.add(v));
          expect(r.count).toBe(values.length);
          const sample = r.take();
          if (values.length <= capacity) expect(sample).toEqual(values);
          else expect(sample).toHaveLength(capacity);
          for (const v of sample) expect(values).toContain(v);
          expect(r.take()).toEqual([]);
          expect(r.count).toBe(0);
        },
      ),
    );
  });

  it('samples late values as often as early ones', () => {
    const r = new Reservoir(100);
    let late = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) r.add(i);
      late += r.take().filter((v) => v >= 500).length;
    }
    // 5,000 draws, half of the population is late: far from 0 or 5,000 unless sampling is biased.
    expect(late / 5000).toBeGreaterThan(0.4);
    expect(late / 5000).toBeLessThan(0.6);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new Reservoir(0)).toThrow(RangeError);
    expect(() => new Reservoir(2.5)).toThrow(RangeError);
  });
});
