import { ManualClock, systemClock } from './clock';

const refdTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ManualClock', () => {
  it('fires due timers in time order (ties in creation order), including ones set while firing', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(() => fired.push(`nested@${clock.now()}`), 5);
    }, 10);
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimer(() => fired.push('never'), 1).cancel();
    clock.advance(19);
    expect(fired).toEqual(['a@110', 'nested@115']);
    expect(clock.now()).toBe(119);
    expect(clock.nextTimerAt()).toBe(120);
    clock.advance(1);
    expect(fired).toEqual(['a@110', 'nested@115', 'b@120', 'c@120']);
    expect(clock.pendingTimers).toBe(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('runs due timers with now() at each due time and keeps the ones beyond the window', () => {
    const clock = new ManualClock(100);
    const seen: string[] = [];
    clock.setTimer(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => {
      seen.push(`a@${clock.now()}`);
      clock.setTimer(() => seen.push(`c@${clock.now()}`), 5);
    }, 10);
    clock.setTimer(() => seen.push('late'), 31);
    clock.advance(30);
    expect(seen).toEqual(['a@110', 'c@115', 'b@120']);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers).toBe(1);
  });

  it('skips cancelled timers, cancel is idempotent', () => {
    const clock = new ManualClock();
    const fn = jest.fn();
    const h = clock.setTimer(fn, 1);
    h.cancel();
    h.cancel();
    clock.advance(5);
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  it('runAll drains chains of timers', () => {
    const clock = new ManualClock();
    let n = 0;
    const tick = () => {
      if (++n < 5) clock.setTimer(tick, 100);
    };
    clock.setTimer(tick, 100);
    clock.runAll();
    expect(n).toBe(5);
    expect(clock.now()).toBe(500);
  });

  it('sleep waits for advance and rejects with the abort reason', async () => {
    const clock = new ManualClock();
    let woke = false;
    const sleeping = clock.sleep(50).then(() => (woke = true));
    clock.advance(49);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);

    const ac = new AbortController();
    const aborted = clock.sleep(10, ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(0)).resolves.toBeUndefined();
  });

  it('with autoAdvance, sleep moves time itself, running timers due on the way', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 30);
    await clock.sleep(50);
    expect(clock.now()).toBe(50);
    expect(fired).toEqual([30]);
    await clock.sleep(-5);
    expect(clock.now()).toBe(50);

    const ac = new AbortController();
    ac.abort(new Error('before'));
    await expect(clock.sleep(10, ac.signal)).rejects.toThrow('before');
    expect(clock.now()).toBe(50);

    // An abort during the yield after the step is seen, as with a real timer.
    const ac2 = new AbortController();
    const p = clock.sleep(10, ac2.signal);
    ac2.abort(new Error('during'));
    await expect(p).rejects.toThrow('during');
  });
});

describe('systemClock', () => {
  it('fires a timer after its delay and lets a cancelled one go', async () => {
    const start = systemClock.now();
    const cancelled = jest.fn();
    systemClock.setTimer(cancelled, 1).cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 5));
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(4);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('unrefs its timers and clears them', () => {
    const before = refdTimers();
    let fired = false;
    const h = systemClock.setTimer(() => (fired = true), 60_000);
    expect(refdTimers()).toBe(before);
    h.cancel();
    expect(fired).toBe(false);
  });

  it('sleeps for real and rejects with the abort reason', async () => {
    const start = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(4);
    await expect(systemClock.sleep(0)).resolves.toBeUndefined();

    const pre = new AbortController();
    pre.abort(new Error('early'));
    await expect(systemClock.sleep(10, pre.signal)).rejects.toThrow('early');

    const ac = new AbortController();
    const p = systemClock.sleep(60_000, ac.signal);
    ac.abort(new Error('late'));
    await expect(p).rejects.toThrow('late');
  });
});
