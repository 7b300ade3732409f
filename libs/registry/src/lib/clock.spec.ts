import { ManualClock, systemClock } from './clock';
import { registryOptionsFromConfig } from './agent.registry';

describe('ManualClock', () => {
  it('runs due timers in time order, with now() at each due time, including timers they add', () => {
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
    expect(clock.pending).toBe(1);
  });

  it('skips cancelled timers and refuses to go back in time', () => {
    const clock = new ManualClock();
    const fn = jest.fn();
    clock.setTimer(fn, 1).cancel();
    clock.advance(5);
    expect(fn).not.toHaveBeenCalled();
    expect(() => clock.advance(-1)).toThrow(RangeError);
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
});

describe('registryOptionsFromConfig', () => {
  it.each([
    [
      { heartbeat_interval: 5, timeout: 30 },
      { heartbeatIntervalMs: 5_000, timeoutMs: 30_000 },
    ],
    [{ timeout: 2.5 }, { timeoutMs: 2_500 }],
    [{}, {}],
  ])('maps %j (seconds) to %j', (config, expected) => {
    expect(registryOptionsFromConfig(config)).toEqual(expected);
  });
});
