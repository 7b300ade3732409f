import { AttemptSignal } from './attempt-signal';
import { StalledError } from './stream-resume';

describe('AttemptSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("aborts with the client's reason, which is no stall", () => {
    const client = new AbortController();
    const attempt = new AttemptSignal(client.signal, 'a1', 1000, true);
    const reason = new Error('client disconnected');
    client.abort(reason);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBe(reason);
    expect(attempt.stalled()).toBeUndefined();
    attempt.dispose();
  });

  it('starts aborted when the client already aborted', () => {
    const client = new AbortController();
    client.abort(new Error('gone'));
    const attempt = new AttemptSignal(client.signal, 'a1', 1000, false);
    expect(attempt.signal.aborted).toBe(true);
    attempt.dispose();
  });

  it('aborts a continuing agent that shows no progress within the inter-token deadline', () => {
    const attempt = new AttemptSignal(new AbortController().signal, 'a1', 1000, true);
    jest.advanceTimersByTime(999);
    expect(attempt.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(attempt.signal.reason).toBeInstanceOf(StalledError);
    expect(attempt.stalled()?.message).toMatch(/^agent a1 sent nothing for 1000 ms mid-answer$/);
    attempt.dispose();
  });

  it('lets a fresh agent take its time to first output, then watches the gaps', () => {
    const attempt = new AttemptSignal(new AbortController().signal, 'a1', 1000, false);
    jest.advanceTimersByTime(60_000);
    expect(attempt.signal.aborted).toBe(false);
    attempt.progressed();
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(800);
      attempt.progressed();
    }
    expect(attempt.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1000);
    expect(attempt.stalled()).toBeInstanceOf(StalledError);
    attempt.dispose();
  });

  it('leaves no timer and no listener behind once disposed', () => {
    const client = new AbortController();
    const attempt = new AttemptSignal(client.signal, 'a1', 1000, true);
    attempt.progressed();
    attempt.dispose();
    expect(jest.getTimerCount()).toBe(0);
    client.abort(new Error('late'));
    expect(attempt.signal.aborted).toBe(false);
  });
});
