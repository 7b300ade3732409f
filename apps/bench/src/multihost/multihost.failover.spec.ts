import { parseServed } from './multihost.failover';

describe('parseServed', () => {
  it('sums status-200 completions per agent and ignores other series and statuses', () => {
    const metrics = [
      '# HELP gateway_requests_total Requests by endpoint, model, agent and status',
      '# TYPE gateway_requests_total counter',
      'gateway_requests_total{endpoint="chat",model="m",agent="a1-sim-text-1",status="200"} 5',
      'gateway_requests_total{endpoint="completions",model="m",agent="a1-sim-text-1",status="200"} 2',
      'gateway_requests_total{endpoint="chat",model="m",agent="a2-sim-text-1",status="200"} 3',
      'gateway_requests_total{endpoint="chat",model="m",agent="a2-sim-text-1",status="503"} 7',
      'gateway_requests_total{endpoint="chat",model="m",agent="",status="200"} 4',
      'gateway_retries_total{agent="a2-sim-text-1",status="200"} 9',
    ].join('\n');
    expect(parseServed(metrics)).toEqual(
      new Map([
        ['a1-sim-text-1', 7],
        ['a2-sim-text-1', 3],
      ]),
    );
  });

  it('gives an empty map for a page without the counter', () => {
    expect(parseServed('')).toEqual(new Map());
  });
});
