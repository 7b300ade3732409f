import { LogLimiter } from './log-limiter';

function setup(options: { burst?: number; refillPerSecond?: number; reportAfterMs?: number }) {
  let now = 0;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const reports: [string, number][] = [];
  const limiter = new LogLimiter((key, n) => reports.push([key, n]), {
    ...options,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.splice(0)) {
      if (t.cancelled) continue;
      if (t.at <= now) t.fn();
      else timers.push(t);
    }
  };
  return { limiter, reports, advance, pendingTimers: () => timers.filter((t) => !t.cancelled) };
}

describe('LogLimiter', () => {
  it('lets a burst through, counts the rest, and reports them once in one summary', () => {
    const { limiter, reports, advance } = setup({
      burst: 3,
      refillPerSecond: 1,
      reportAfterMs: 1000,
    });
    const allowed = Array.from({ length: 3000 }, () => limiter.allow('flood')).filter(Boolean);
    expect(allowed).toHaveLength(3);
    expect(reports).toEqual([]);
    advance(1000);
    expect(reports).toEqual([['flood', 2997]]);
    // One token came back in that second.
    expect(limiter.allow('flood')).toBe(true);
    expect(limiter.allow('flood')).toBe(false);
    advance(1000);
    expect(reports).toEqual([
      ['flood', 2997],
      ['flood', 1],
    ]);
  });

  it('keeps a bucket per key', () => {
    const { limiter } = setup({ burst: 1 });
    expect(limiter.allow('a')).toBe(true);
    expect(limiter.allow('a')).toBe(false);
    expect(limiter.allow('b')).toBe(true);
  });

  it('refills at the configured rate, never above the burst', () => {
    const { limiter, advance } = setup({ burst: 2, refillPerSecond: 0.5 });
    limiter.allow('k');
    limiter.allow('k');
    expect(limiter.allow('k')).toBe(false);
    advance(1999);
    expect(limiter.allow('k')).toBe(false);
    advance(2);
    expect(limiter.allow('k')).toBe(true);
    advance(3_600_000);
    expect([limiter.allow('k'), limiter.allow('k'), limiter.allow('k')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('close() reports what is pending, cancels its timers and allows nothing after', () => {
    const { limiter, reports, pendingTimers } = setup({ burst: 1 });
    limiter.allow('k');
    limiter.allow('k');
    limiter.allow('k');
    expect(pendingTimers()).toHaveLength(1);
    limiter.close();
    expect(reports).toEqual([['k', 2]]);
    expect(pendingTimers()).toHaveLength(0);
    expect(limiter.allow('k')).toBe(false);
  });

  it('refuses nonsense options', () => {
    expect(() => new LogLimiter(() => undefined, { burst: 0 })).toThrow(RangeError);
    expect(() => new LogLimiter(() => undefined, { refillPerSecond: 0 })).toThrow(RangeError);
    expect(() => new LogLimiter(() => undefined, { reportAfterMs: -1 })).toThrow(RangeError);
  });
});
