import { ManualClock } from '@dds/common';
import { EngineError } from './engine';
import { FailureInjectingEngine } from './failure-injection';
import { SimEngine } from './sim.engine';

const body = { messages: [{ role: 'user', content: 'hi' }] };

describe('FailureInjectingEngine', () => {
  const sim = () =>
    new SimEngine({
      clock: new ManualClock(0, { autoAdvance: true }),
      ttftMs: 0,
      decodeTokensPerSec: 100,
      outputTokens: 10,
    });

  it('fails about errorRate of requests, deterministically per seed', async () => {
    const run = async (seed: number) => {
      const engine = new FailureInjectingEngine(sim(), { errorRate: 0.3, seed });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 200; i++) {
        try {
          for await (const _ of engine.chat({
            model: 'm',
            body,
            signal: new AbortController().signal,
          })) {
            // drain
          }
          outcomes.push(true);
        } catch (e) {
          expect(e).toBeInstanceOf(EngineError);
          expect(e).toMatchObject({ code: 'injected_failure', retryable: true });
          outcomes.push(false);
        }
      }
      return outcomes;
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    const failures = a.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
  });

  it('crashes after N requests', async () => {
    const crash = jest.fn();
    const engine = new FailureInjectingEngine(sim(), { crashAfter: 2, crash });
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) {
      for await (const _ of engine.chat({ model: 'm', body, signal })) {
        // drain
      }
      expect(crash).toHaveBeenCalledTimes(i < 2 ? 0 : 1);
    }
  });

  it('stalls after N tokens until cancelled', async () => {
    const engine = new FailureInjectingEngine(sim(), { stallAfterTokens: 3 });
    const ac = new AbortController();
    let n = 0;
    const run = (async () => {
      for await (const ev of engine.chat({ model: 'm', body, signal: ac.signal })) {
        if (ev.type === 'text') n++;
      }
    })();
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(3);
    ac.abort(new Error('cancel'));
    await expect(run).rejects.toThrow('cancel');
    expect(n).toBe(3);
  });

  it('validates its options', () => {
    expect(() => new FailureInjectingEngine(sim(), { errorRate: 2 })).toThrow(RangeError);
    expect(() => new FailureInjectingEngine(sim(), { crashAfter: -1 })).toThrow(RangeError);
  });
});
