import { renderTable, type WatchRow } from './fleet-watch';

describe('renderTable', () => {
  it('aligns one row per agent and sums requests in flight', () => {
    const rows: WatchRow[] = [
      {
        agent: {
          info: {
            agentId: 'sim-text-1',
            protocolVersion: 1,
            models: ['phi-4-mini'],
            specialization: 'text',
            capabilities: [],
            slots: 4,
            maxContextTokens: 8192,
            version: '0.1.0',
            hostname: 'h',
            httpEndpoint: 'http://127.0.0.1:8101/v1',
            leaseMs: 30000,
          },
          status: {
            agentId: 'sim-text-1',
            state: 'busy',
            slotsBusy: 2,
            slotsTotal: 4,
            queueDepth: 1,
            emaLatencyMs: 12.345,
            tokensPerSecond: 48.25,
            heartbeatMs: 5000,
          },
        },
        inFlight: 3,
      },
      {
        agent: {
          info: {
            agentId: 'e',
            protocolVersion: 1,
            models: ['nomic-embed-text'],
            specialization: 'embedding',
            capabilities: [],
            slots: 8,
            maxContextTokens: 8192,
            version: '0.1.0',
            hostname: 'h',
            leaseMs: 30000,
          },
        },
        inFlight: 0,
      },
    ];
    const lines = renderTable(rows, 7).split('\n');
    expect(lines[0]).toMatch(
      /^agent\s+spec\s+models\s+state\s+slots\s+queue\s+ema ms\s+tok\/s\s+in flight\s+http$/,
    );
    expect(lines[2]?.split(/\s{2,}/)).toEqual([
      'sim-text-1',
      'text',
      'phi-4-mini',
      'busy',
      '2/4',
      '1',
      '12.3',
      '48.3',
      '3',
      'http://127.0.0.1:8101/v1',
    ]);
    // No status yet: unknowns, not zeros.
    expect(lines[3]?.split(/\s{2,}/)).toEqual([
      'e',
      'embedding',
      'nomic-embed-text',
      '?',
      '?/8',
      '?',
      '?',
      '?',
      '0',
      '-',
    ]);
    expect(lines.at(-1)).toBe('2 agent(s), 3 request(s) in flight, 7 seen');
    // Columns line up: every row starts its second column at the same offset.
    const col = lines[0]?.indexOf('spec');
    expect((lines[2]?.indexOf('  text') ?? -3) + 2).toBe(col);
  });
});
