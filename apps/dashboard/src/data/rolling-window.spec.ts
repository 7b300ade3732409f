import fc from 'fast-check';
import { RollingWindow } from './rolling-window';

/** Non-decreasing times: cumulative sums of non-negative steps. */
const times = fc
  .array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 300 })
  .map((steps) => steps.reduce<number[]>((ts, s) => [...ts, (ts[ts.length - 1] ?? 0) + s], []));

describe('RollingWindow', () => {
  it('validates its settings', () => {
    expect(() => new RollingWindow(0, 10)).toThrow(RangeError);
    expect(() => new RollingWindow(1000, 0)).toThrow(RangeError);
    expect(() => new RollingWindow(1000, 1.5)).toThrow(RangeError);
  });

  it('keeps exactly the entries within its span of the newest, up to its capacity', () => {
    fc.assert(
      fc.property(
        times,
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 64 }),
        (ts, span, capacity) => {
          const w = new RollingWindow<number>(span, capacity);
          ts.forEach((t, i) => w.push(t, i));
          const newest = ts[ts.length - 1] ?? 0;
          const expected = ts
            .map((t, i) => [t, i] as [number, number])
            .filter(([t]) => t >= newest - span)
            .slice(-capacity);
          expect([...w.entries()]).toEqual(expected);
          expect(w.size).toBe(expected.length);
          expect(w.size).toBeLessThanOrEqual(capacity);
        },
      ),
    );
  });

  it('ignores an entry older than the newest, and times that are not numbers', () => {
    const w = new RollingWindow<string>(1000, 8);
    expect(w.push(100, 'a')).toBe(true);
    expect(w.push(50, 'late')).toBe(false);
    expect(w.push(NaN, 'nan')).toBe(false);
    expect(w.push(100, 'b')).toBe(true);
    expect([...w.entries()].map(([, v]) => v)).toEqual(['a', 'b']);
  });

  it('evicts by the clock as well as on push, and filters entries by time', () => {
    const w = new RollingWindow<number>(1000, 8);
    for (const t of [0, 400, 800, 1200]) w.push(t, t);
    expect([...w.entries(500)].map(([t]) => t)).toEqual([800, 1200]);
    w.evict(2000);
    expect([...w.entries()].map(([t]) => t)).toEqual([1200]);
    w.evict(5000);
    expect(w.size).toBe(0);
    expect(w.newest).toBeUndefined();
    w.push(6000, 1);
    w.clear();
    expect(w.size).toBe(0);
  });
});
