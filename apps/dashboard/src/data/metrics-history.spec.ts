import fc from 'fast-check';
import type { MetricsFrame } from '../connection/frames';
import { MetricsHistory, priorityLabel, statusClass } from './metrics-history';
import { quantiles } from './percentiles';

function frame(at: number, over: Partial<MetricsFrame> = {}): MetricsFrame {
  return {
    type: 'metrics',
    gateway_id: 'gw',
    at,
    interval_ms: 1000,
    requests: {},
    ttft_ms: [],
    itl_ms: [],
    queue_depth: [0, 0, 0],
    in_flight: 0,
    agents: [],
    ...over,
  };
}

describe('statusClass / priorityLabel', () => {
  it('groups statuses into the chart lines', () => {
    expect(
      ['200', '201', '400', '401', '429', '499', '500', '503', 'x', '99'].map(statusClass),
    ).toEqual([
      'ok',
      'ok',
      'client error',
      'client error',
      'client error',
      'cancelled',
      'server error',
      'server error',
      undefined,
      undefined,
    ]);
  });

  it('names three levels as x-priority does, others by number', () => {
    expect([0, 1, 2].map((l) => priorityLabel(l, 3))).toEqual(['high', 'normal', 'low']);
    expect(priorityLabel(3, 5)).toBe('level 3');
  });
});

describe('MetricsHistory', () => {
  it('turns counts per interval into requests per second by class', () => {
    const h = new MetricsHistory();
    h.add(frame(1000, { requests: { '200': 8, '429': 2 } }));
    h.add(frame(1500, { interval_ms: 500, requests: { '200': 5, '502': 1, '499': 1 } }));
    const chart = h.requestRate(0);
    expect(chart.times).toEqual([1, 1.5]);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ['ok', [8, 10]],
      ['client error', [2, 0]],
      ['server error', [0, 2]],
      ['cancelled', [0, 2]],
    ]);
  });

  it('ignores frames older than the newest and junk counts', () => {
    const h = new MetricsHistory();
    expect(h.add(frame(2000))).toBe(true);
    expect(h.add(frame(1000))).toBe(false);
    expect(h.add(frame(NaN))).toBe(false);
    h.add(frame(3000, { requests: { '200': NaN, '201': -3, junk: 4 } }));
    expect(h.requestRate(0).series[0]?.values).toEqual([0, 0]);
    expect(h.size).toBe(2);
  });

  it('computes latency percentiles over the trailing window of raw samples', () => {
    const h = new MetricsHistory({ smoothingMs: 2000 });
    h.add(frame(1000, { ttft_ms: [10, 20] }));
    h.add(frame(2000, { ttft_ms: [30] }));
    h.add(frame(3000, { ttft_ms: [40] }));
    h.add(frame(6000, {}));
    const chart = h.ttft(0);
    expect(chart.series.map((s) => s.label)).toEqual(['p50', 'p95']);
    // At 3000 the window holds 1000..3000 (10, 20, 30, 40); at 6000 nothing: a gap.
    expect(chart.series[0]?.values).toEqual([15, 20, 25, null, null]);
    const [p95] = quantiles([10, 20, 30, 40], [0.95]);
    expect(chart.series[1]?.values[2]).toBeCloseTo(p95 as number, 9);
  });

  it('breaks the lines across a gap in the feed', () => {
    const h = new MetricsHistory();
    h.add(frame(1000, { in_flight: 1, queue_depth: [1, 2, 3] }));
    h.add(frame(2000, { queue_depth: [1, 2, 3] }));
    h.add(frame(60_000, { queue_depth: [4, 5, 6] }));
    const chart = h.queueDepth(0);
    expect(chart.times).toEqual([1, 2, 2.001, 60]);
    expect(chart.series.map((s) => [s.label, s.values])).toEqual([
      ['high', [1, 1, null, 4]],
      ['normal', [2, 2, null, 5]],
      ['low', [3, 3, null, 6]],
    ]);
  });

  it('has one in-flight line per agent seen in the range, null where an agent was absent', () => {
    const load = (id: string, in_flight: number) => ({
      id,
      health: 'healthy',
      state: 'busy',
      slots: 4,
      slots_busy: in_flight,
      queue_depth: 0,
      in_flight,
      latency_ms: 0,
      tokens_per_second: 0,
      last_seen: '',
    });
    const h = new MetricsHistory();
    h.add(frame(1000, { agents: [load('b', 1)] }));
    h.add(frame(2000, { agents: [load('a', 2), load('b', 3)] }));
    h.add(frame(3000, { agents: [load('a', 0)] }));
    expect(h.inFlightByAgent(0).series).toEqual([
      { label: 'a', values: [null, 2, 0] },
      { label: 'b', values: [1, 3, null] },
    ]);
    expect(h.inFlightByAgent(2500).series).toEqual([{ label: 'a', values: [0] }]);
  });

  it('keeps only its span of history, and every series is as long as the time axis', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 3000 }),
            ok: fc.nat(50),
            ttft: fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { maxLength: 5 }),
            queue: fc.array(fc.nat(9), { maxLength: 4 }),
          }),
          { maxLength: 80 },
        ),
        (steps) => {
          const span = 20_000;
          const h = new MetricsHistory({ spanMs: span });
          let t = 0;
          for (const s of steps) {
            t += s.dt;
            h.add(frame(t, { requests: { '200': s.ok }, ttft_ms: s.ttft, queue_depth: s.queue }));
          }
          for (const chart of [
            h.requestRate(0),
            h.ttft(0),
            h.queueDepth(0),
            h.inFlightByAgent(0),
          ]) {
            for (const s of chart.series) expect(s.values.length).toBe(chart.times.length);
            for (let i = 1; i < chart.times.length; i++) {
              expect(chart.times[i]).toBeGreaterThan(chart.times[i - 1] as number);
            }
            if (chart.times.length)
              expect(chart.times[0]).toBeGreaterThanOrEqual((t - span) / 1000);
          }
          const ttft = h.ttft(0);
          ttft.series[0]?.values.forEach((p50, i) => {
            const p95 = ttft.series[1]?.values[i];
            expect(p50 === null).toBe(p95 === null);
            if (p50 !== null) expect(p50).toBeLessThanOrEqual(p95 as number);
          });
        },
      ),
    );
  });
});
