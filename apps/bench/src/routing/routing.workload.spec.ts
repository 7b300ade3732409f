import {
  routingWorkload,
  RoutingWorkloadError,
  type RoutingWorkloadOptions,
} from './routing.workload';

const base: RoutingWorkloadOptions = {
  systemPrompts: 3,
  systemPromptWords: 50,
  conversations: 12,
  turnsPerConversation: 4,
  userWords: 5,
  seed: 7,
};

describe('routingWorkload', () => {
  it('emits every (conversation, turn) once, each turn after the previous one of its conversation', () => {
    const reqs = routingWorkload(base);
    expect(reqs).toHaveLength(48);
    const seen = new Map<string, number>();
    for (const r of reqs) {
      expect(r.turn).toBe(seen.get(r.sessionId) ?? 0);
      seen.set(r.sessionId, r.turn + 1);
    }
    expect(seen.size).toBe(12);
    expect([...seen.values()].every((n) => n === 4)).toBe(true);
  });

  it('shares system prompts across conversations and grows each history by the earlier turns', () => {
    const reqs = routingWorkload(base);
    const systems = new Set(reqs.map((r) => r.messages[0].content));
    expect(systems.size).toBe(3);
    expect(reqs[0].messages[0].content.split(' ')).toHaveLength(50);
    const conv = reqs.filter((r) => r.sessionId === 'conv-5');
    for (let k = 1; k < conv.length; k++) {
      // Turn k's history starts with all of turn k-1's messages: the prefix a cache can reuse.
      expect(conv[k].messages.slice(0, conv[k - 1].messages.length)).toEqual(conv[k - 1].messages);
      expect(conv[k].messages).toHaveLength(1 + 2 * k + 1);
    }
  });

  it('is deterministic per seed and interleaves sessions', () => {
    expect(routingWorkload(base)).toEqual(routingWorkload(base));
    const other = routingWorkload({ ...base, seed: 8 }).map((r) => r.sessionId);
    expect(other).not.toEqual(routingWorkload(base).map((r) => r.sessionId));
    const ids = routingWorkload(base).map((r) => r.sessionId);
    const sameAsPrevious = ids.filter((id, i) => i > 0 && id === ids[i - 1]).length;
    expect(sameAsPrevious).toBeLessThan(ids.length / 4);
  });

  it('rejects bad options with a typed error', () => {
    expect(() => routingWorkload({ ...base, conversations: 0 })).toThrow(RoutingWorkloadError);
    expect(() => routingWorkload({ ...base, userWords: 1.5 })).toThrow(/userWords/);
    expect(() => routingWorkload({ ...base, seed: Number.NaN })).toThrow(RoutingWorkloadError);
  });
});
