import { combinePingLines, parsePingOutput, parseSubRates, parseSubTotals } from './ddsperf';

const PING_OUTPUT = `[6038] participant vm:6038: new (self)
[6038] 2.000  vm:6028 size 12 mean 32.430us min 8.457us 50% 33.574us 90% 42.238us 99% 61.561us max 1429.373us cnt 15368
[6038] 2.000  rss:7.7MB vcsw:14126 ivcsw:1270 recvUC:10%+32%
[6038] 3.000  vm:6028 size 12 mean 27.870us min 8.437us 50% 29.423us 90% 33.579us 99% 53.940us max 1983.534us cnt 17901
[6038] 4.000  vm:6028 size 12 mean 30.485us min 11.511us 50% 20.000us 90% 34.211us 99% 43.579us max 1087.619us cnt 1000
`;

describe('ddsperf output', () => {
  it('parses per-second ping lines and ignores the rest', () => {
    expect(parsePingOutput(PING_OUTPUT)).toEqual([
      { p50: 33.574, p90: 42.238, p99: 61.561, count: 15368 },
      { p50: 29.423, p90: 33.579, p99: 53.94, count: 17901 },
      { p50: 20, p90: 34.211, p99: 43.579, count: 1000 },
    ]);
  });

  it('doubles the count-weighted median because ddsperf prints half the round trip', () => {
    const rtt = combinePingLines(parsePingOutput(PING_OUTPUT));
    // Weighted by count, the 17901-sample second holds the median of each percentile column.
    expect(rtt).toEqual({ p50: 2 * 29.423, p90: 2 * 33.579, p99: 2 * 53.94 });
  });

  it('refuses to summarise a run without latency lines', () => {
    expect(() => combinePingLines([])).toThrow('ddsperf ping reported no latency lines');
  });

  it('reads receive rates of the chosen payload size only, skipping idle seconds', () => {
    const out = [
      '[5765] 4.001  size 100 total 3883412 lost 0 delta 1040167 lost 0 rate 1039.33 kS/s 831.46 Mb/s (388.03 kS/s 310.42 Mb/s)',
      '[5765] 5.000  size 100 total 4136666 lost 0 delta 0 lost 0 rate 0.00 kS/s 0 Mb/s (414.00 kS/s 331.20 Mb/s)',
      '[5765] 6.000  size 12 total 10 lost 0 delta 10 lost 0 rate 5.00 kS/s 0 Mb/s (1 kS/s 1 Mb/s)',
    ].join('\n');
    expect(parseSubRates(out, 100)).toEqual([1039330]);
    // The last line of that size holds the running totals.
    expect(parseSubTotals(out, 100)).toEqual({ received: 4136666, lost: 0 });
    expect(parseSubTotals(out, 64)).toBeUndefined();
  });
});
