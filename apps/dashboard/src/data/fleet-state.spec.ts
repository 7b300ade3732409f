import fc from 'fast-check';
import type { AgentListing } from '../connection/frames';
import { FleetState } from './fleet-state';

function agent(id: string, over: Partial<AgentListing> = {}): AgentListing {
  return {
    id,
    specialization: 'text',
    models: ['phi-4-mini'],
    health: 'healthy',
    health_reason: '',
    state: 'idle',
    capabilities: ['streaming'],
    slots: 4,
    slots_busy: 0,
    in_flight: 0,
    queue_depth: 0,
    load: 0,
    latency_ms: 0,
    tokens_per_second: 0,
    transport: 'dds',
    hostname: 'host-a',
    last_seen: new Date(0).toISOString(),
    ...over,
  };
}

const timings = { enterMs: 1000, leaveMs: 1000 };

describe('FleetState', () => {
  it('shows the first snapshot without animation, sorted by id', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('b'), agent('a')], 0);
    expect(fleet.rows(0).map((r) => [r.agent.id, r.phase])).toEqual([
      ['a', 'present'],
      ['b', 'present'],
    ]);
  });

  it('marks a join as entering, then present', () => {
    const fleet = new FleetState(timings);
    fleet.reset([], 0);
    fleet.apply('added', agent('a'), 100);
    expect(fleet.rows(500)[0]?.phase).toBe('entering');
    expect(fleet.rows(1100)[0]?.phase).toBe('present');
  });

  it('keeps a removed agent as leaving for the leave time, then drops it', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('a'), agent('b')], 0);
    fleet.apply('removed', agent('a', { health: 'offline' }), 100);
    const rows = fleet.rows(500);
    expect(rows.map((r) => [r.agent.id, r.phase, r.agent.health])).toEqual([
      ['a', 'leaving', 'offline'],
      ['b', 'present', 'healthy'],
    ]);
    expect(fleet.rows(1100).map((r) => r.agent.id)).toEqual(['b']);
    // A leaving agent no longer counts or offers its models.
    expect(fleet.countByHealth()).toEqual({ healthy: 1 });
  });

  it('turns a health change into the row at once', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('a')], 0);
    fleet.apply('health-changed', agent('a', { health: 'offline' }), 10);
    expect(fleet.rows(20)[0]?.agent.health).toBe('offline');
  });

  it('an agent that comes back while leaving enters again', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('a')], 0);
    fleet.apply('removed', agent('a'), 100);
    fleet.apply('added', agent('a'), 200);
    expect(fleet.rows(300)[0]?.phase).toBe('entering');
  });

  it('a later snapshot (reconnect) animates what changed meanwhile', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('a'), agent('b')], 0);
    fleet.reset([agent('b'), agent('c')], 5000);
    expect(fleet.rows(5100).map((r) => [r.agent.id, r.phase])).toEqual([
      ['a', 'leaving'],
      ['b', 'present'],
      ['c', 'entering'],
    ]);
  });

  it('filters by model and lists the models present', () => {
    const fleet = new FleetState(timings);
    fleet.reset(
      [agent('a'), agent('v', { models: ['qwen2-vl-2b'] }), agent('e', { models: ['nomic', 'x'] })],
      0,
    );
    expect(fleet.models()).toEqual(['nomic', 'phi-4-mini', 'qwen2-vl-2b', 'x']);
    expect(fleet.rows(0, 'qwen2-vl-2b').map((r) => r.agent.id)).toEqual(['v']);
    expect(fleet.rows(0, 'x').map((r) => r.agent.id)).toEqual(['e']);
    expect(fleet.rows(0, '').length).toBe(3);
  });

  it('refreshes load from metrics frames, but not for agents that left', () => {
    const fleet = new FleetState(timings);
    fleet.reset([agent('a'), agent('b')], 0);
    fleet.apply('removed', agent('b'), 10);
    const load = {
      health: 'healthy',
      state: 'busy',
      slots: 4,
      slots_busy: 3,
      queue_depth: 2,
      in_flight: 3,
      latency_ms: 12.5,
      tokens_per_second: 80,
      last_seen: new Date(5000).toISOString(),
    };
    fleet.applyLoad([
      { id: 'a', ...load },
      { id: 'b', ...load },
      { id: 'zz', ...load },
    ]);
    const [a, b] = fleet.rows(20);
    expect(a?.agent).toMatchObject({ slots_busy: 3, queue_depth: 2, tokens_per_second: 80 });
    expect(a?.lastSeenAt).toBe(5000);
    expect(b?.agent.slots_busy).toBe(0);
    expect(fleet.rows(20).map((r) => r.agent.id)).toEqual(['a', 'b']);
  });

  it('after any sequence of changes, lists each agent once and only agents it was told of', () => {
    const ids = fc.constantFrom('a', 'b', 'c', 'd');
    const op = fc.record({
      kind: fc.constantFrom('added', 'updated', 'health-changed', 'removed', 'reset'),
      id: ids,
      others: fc.subarray(['a', 'b', 'c', 'd']),
      dt: fc.integer({ min: 0, max: 800 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const fleet = new FleetState(timings);
        let now = 0;
        const present = new Set<string>();
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'reset') {
            fleet.reset(
              o.others.map((id) => agent(id)),
              now,
            );
            present.clear();
            o.others.forEach((id) => present.add(id));
          } else {
            fleet.apply(o.kind, agent(o.id), now);
            if (o.kind === 'removed') present.delete(o.id);
            else present.add(o.id);
          }
          const rows = fleet.rows(now);
          const shown = rows.map((r) => r.agent.id);
          expect(new Set(shown).size).toBe(shown.length);
          const live = rows.filter((r) => r.phase !== 'leaving').map((r) => r.agent.id);
          expect(live.sort()).toEqual([...present].sort());
        }
        // Long after the last change nothing is left leaving.
        expect(fleet.rows(now + timings.leaveMs).every((r) => r.phase !== 'leaving')).toBe(true);
      }),
    );
  });
});
