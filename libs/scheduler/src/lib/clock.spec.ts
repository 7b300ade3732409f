import { ManualClock, systemClock } from './clock';
import { Scheduler } from './scheduler';
import { DeadlineExceededError } from './scheduler.errors';
import { FakeFleet, FakeJob } from './testing/fake-fleet';

describe('ManualClock', () => {
  it('fires due timers in time order (ties in creation order), including ones set while firing', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`nested@${clock.now()}`), 5);
    }, 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => fired.push('never'), 1);
    clock.clearTimeout(cleared);
    clock.advance(19);
    expect(fired).toEqual(['a@110', 'nested@115']);
    expect(clock.now()).toBe(119);
    expect(clock.nextTimerAt()).toBe(120);
    clock.advance(1);
    expect(fired).toEqual(['a@110', 'nested@115', 'b@120', 'c@120']);
    expect(clock.pendingTimers).toBe(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('runAll drains chains of timers', () => {
    const clock = new ManualClock();
    let n = 0;
    const tick = () => {
      if (++n < 5) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    clock.runAll();
    expect(n).toBe(5);
    expect(clock.now()).toBe(500);
  });
});

describe('systemClock', () => {
  it('drives a real deadline', async () => {
    const scheduler = new Scheduler<FakeJob, string>({
      dispatcher: new FakeFleet(),
      clock: systemClock,
    });
    const t0 = systemClock.now();
    await expect(
      scheduler.submit({ name: 'j' }, { deadlineMs: 15 }).promise,
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(systemClock.now() - t0).toBeGreaterThanOrEqual(14);
    scheduler.close();
  });

  it('unrefs its timers and clears them', () => {
    let fired = false;
    const h = systemClock.setTimeout(() => (fired = true), 60_000) as NodeJS.Timeout;
    expect(h.hasRef()).toBe(false);
    systemClock.clearTimeout(h);
    expect(fired).toBe(false);
  });
});
