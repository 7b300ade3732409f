import { LatencyRecorder } from './latency-recorder';

describe('LatencyRecorder', () => {
  it('keeps sub-millisecond differences that a whole-ms histogram would merge', () => {
    const rec = new LatencyRecorder();
    for (const ms of [0.25, 0.75, 0.5]) rec.recordMs(ms);
    const s = rec.summaryUs();
    expect(s).toMatchObject({ n: 3, min: 250, p50: 500, max: 750 });
  });

  it('grows past its initial capacity without losing values', () => {
    const rec = new LatencyRecorder();
    // Quarter milliseconds are exact in binary, so the µs values compare exactly.
    for (let i = 1; i <= 5000; i++) rec.recordMs(i / 4);
    expect(rec.count).toBe(5000);
    expect(rec.summaryUs()).toMatchObject({
      n: 5000,
      min: 250,
      p50: 625_000,
      p99: 1_237_500,
      max: 1_250_000,
    });
  });

  it('has no summary before the first value and rejects impossible latencies', () => {
    const rec = new LatencyRecorder();
    expect(rec.summaryUs()).toBeUndefined();
    expect(() => rec.recordMs(-1)).toThrow(RangeError);
    expect(() => rec.recordMs(Number.NaN)).toThrow(RangeError);
  });
});
