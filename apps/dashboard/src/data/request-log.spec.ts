import fc from 'fast-check';
import type { RequestRecord } from '../connection/frames';
import { describeDecision, outcomeLabel } from './explain';
import { RequestLog } from './request-log';

function record(id: string, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    at: 0,
    endpoint: 'chat',
    model: 'phi-4-mini',
    agent: 'a1',
    strategy: 'least-loaded',
    explanation: null,
    queue_ms: 0.1,
    ttft_ms: 3,
    duration_ms: 10,
    tokens: 12,
    attempts: 1,
    outcome: 'completed',
    status: 200,
    error: null,
    ...over,
  };
}

describe('RequestLog', () => {
  it('lists newest first, at most its capacity, one entry per id', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 50 }),
        fc.integer({ min: 1, max: 4 }),
        (ids, capacity) => {
          const log = new RequestLog(capacity);
          ids.forEach((id, i) => log.add(record(id, { at: i })));
          const listed = log.list().map((r) => r.id);
          const expected: string[] = [];
          for (const id of [...ids].reverse()) if (!expected.includes(id)) expected.push(id);
          expect(listed).toEqual(expected.slice(0, capacity));
        },
      ),
    );
  });

  it('takes a backlog oldest first and rejects a bad capacity', () => {
    const log = new RequestLog(10);
    log.reset([record('old'), record('new')]);
    expect(log.list().map((r) => r.id)).toEqual(['new', 'old']);
    expect(() => new RequestLog(0)).toThrow(RangeError);
  });
});

describe('describeDecision / outcomeLabel', () => {
  it("says why the winner won, what was filtered out, and the strategy's note", () => {
    expect(
      describeDecision({
        agentId: 'a2',
        strategy: 'least-loaded',
        candidates: [
          { id: 'a1', score: 0.5, reason: 'load 0.5' },
          { id: 'a2', score: 0.25, reason: 'load 0.25' },
        ],
        filteredOut: { model: 2, health: 0 },
        healthTier: 'healthy',
      }),
    ).toBe('load 0.25, best of 2; filtered out: 2 model');
    expect(
      describeDecision({
        agentId: 'a1',
        strategy: 'prefix',
        candidates: [{ id: 'a1', score: 0, reason: '' }],
        filteredOut: {},
        healthTier: 'suspect',
        note: 'no cached prefix: least-loaded',
      }),
    ).toBe('1 candidate; no healthy agent: used a suspect one; no cached prefix: least-loaded');
    expect(
      describeDecision({
        agentId: 'a1',
        strategy: 'round-robin',
        candidates: [{ id: 'a1', score: 0, reason: 'next in rotation' }],
        filteredOut: {},
        healthTier: 'healthy',
      }),
    ).toBe('next in rotation, only candidate');
  });

  it('labels outcomes', () => {
    expect(outcomeLabel(record('x'))).toBe('ok');
    expect(outcomeLabel(record('x', { outcome: 'retried', attempts: 2 }))).toBe(
      'ok after 2 attempts',
    );
    expect(outcomeLabel(record('x', { outcome: 'resumed' }))).toBe('resumed');
    expect(outcomeLabel(record('x', { outcome: 'failed', status: 502 }))).toBe('failed 502');
    expect(outcomeLabel(record('x', { outcome: 'cancelled', status: 499 }))).toBe('cancelled');
  });
});
