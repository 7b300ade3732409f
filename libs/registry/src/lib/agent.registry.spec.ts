import fc from 'fast-check';
import { AgentRegistry } from './agent.registry';
import { ManualClock } from '@dds/common';
import { InvalidAgentInputError } from './registry.errors';
import {
  AgentRegistration,
  AgentStatusReport,
  AgentView,
  RegistryEvent,
  Specialization,
} from './registry.types';

const HB = 1_000;
const TIMEOUT = 6_000;

function reg(agentId: string, over: Partial<AgentRegistration> = {}): AgentRegistration {
  return {
    agentId,
    models: ['phi-4-mini'],
    specialization: 'text',
    capabilities: ['streaming'],
    slots: 4,
    maxContextTokens: 8192,
    version: '1.0.0',
    hostname: 'host-a',
    transport: 'dds',
    ...over,
  };
}

function status(over: Partial<AgentStatusReport> = {}): AgentStatusReport {
  return {
    state: 'idle',
    slotsBusy: 0,
    slotsTotal: 4,
    queueDepth: 0,
    emaLatencyMs: 0,
    tokensPerSecond: 0,
    ...over,
  };
}

function setup(extra: { evictOfflineAfterMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const registry = new AgentRegistry({
    clock,
    heartbeatIntervalMs: HB,
    timeoutMs: TIMEOUT,
    wallClockMs: () => 1_700_000_000_000,
    ...extra,
  });
  const events: RegistryEvent[] = [];
  const sub = registry.events$.subscribe((e) => events.push(e));
  return {
    clock,
    registry,
    events,
    /** Advances the clock, then lets the registry judge. */
    wait(ms: number) {
      clock.advance(ms);
      registry.tick();
    },
    close() {
      sub.unsubscribe();
      registry.close();
    },
  };
}

function health(registry: AgentRegistry, id: string) {
  return registry.get(id)?.health;
}

describe('AgentRegistry: input validation', () => {
  const cases: [string, Partial<AgentRegistration> & Record<string, unknown>, string][] = [
    ['empty agentId', { agentId: '' }, 'agentId'],
    ['no models', { models: [] }, 'models'],
    ['model not a string', { models: [42 as unknown as string] }, 'models'],
    ['unknown specialization', { specialization: 'audio' as Specialization }, 'specialization'],
    [
      'capabilities not an array',
      { capabilities: 'streaming' as unknown as string[] },
      'capabilities',
    ],
    ['zero slots', { slots: 0 }, 'slots'],
    ['fractional slots', { slots: 1.5 }, 'slots'],
    ['NaN context', { maxContextTokens: NaN }, 'maxContextTokens'],
    ['unknown transport', { transport: 'tcp' as 'dds' }, 'transport'],
    ['http without endpoint', { transport: 'http' }, 'httpEndpoint'],
    ['65 models', { models: Array.from({ length: 65 }, (_, i) => `m${i}`) }, 'models'],
    ['a 257-character model name', { models: ['ok', 'x'.repeat(257)] }, 'models'],
    [
      '65 capabilities',
      { capabilities: Array.from({ length: 65 }, (_, i) => `c${i}`) },
      'capabilities',
    ],
  ];
  it.each(cases)('rejects %s with a typed error naming the field', (_name, over, field) => {
    const { registry, events, close } = setup();
    const attempt = () => registry.upsertRegistration(reg('a', over as Partial<AgentRegistration>));
    expect(attempt).toThrow(InvalidAgentInputError);
    try {
      attempt();
    } catch (err) {
      expect((err as InvalidAgentInputError).field).toBe(field);
    }
    expect(registry.size).toBe(0);
    expect(events).toEqual([]);
    close();
  });

  it.each([
    ['negative slotsBusy', { slotsBusy: -1 }, 'slotsBusy'],
    ['infinite queue', { queueDepth: Infinity }, 'queueDepth'],
    ['unknown state', { state: 'sleeping' as 'idle' }, 'state'],
  ])('rejects a status with %s', (_name, over, field) => {
    const { registry, close } = setup();
    registry.upsertRegistration(reg('a'));
    expect(() => registry.updateStatus('a', status(over))).toThrow(
      expect.objectContaining({ name: 'InvalidAgentInputError', field }),
    );
    expect(registry.get('a')?.slotsBusy).toBe(0);
    close();
  });

  it.each([
    [{ heartbeatIntervalMs: 0 }, 'heartbeatIntervalMs must be a positive number, got 0'],
    [{ timeoutMs: -1 }, 'timeoutMs must be a positive number, got -1'],
    [{ suspectAfterMs: NaN }, 'suspectAfterMs must be a positive number, got NaN'],
    [{ latencyAlpha: 1.5 }, 'latencyAlpha must be in (0, 1], got 1.5'],
  ])('refuses options %j', (options, message) => {
    expect(() => new AgentRegistry(options)).toThrow(new RangeError(message));
  });

  it('keeps nothing per model or unknown id once peers that chose them are gone', () => {
    const { registry, close } = setup();
    for (let i = 0; i < 10_000; i++) {
      registry.upsertRegistration(reg(`a${i}`, { models: [`model-${i}`, 'shared'] }));
      registry.remove(`a${i}`, 'disposed');
    }
    for (let i = 0; i < 25_000; i++) registry.updateStatus(`ghost-${i}`, status());
    expect(registry.stats()).toEqual({
      agents: 0,
      models: 0,
      modelTimestamps: 0,
      pendingStatus: 1_024,
    });
    close();
  });

  it('ignores inputs for unknown agents and says so', () => {
    const { registry, events, close } = setup();
    expect(registry.updateStatus('ghost', status())).toBe(false);
    expect(registry.livelinessChanged('ghost', false)).toBe(false);
    expect(registry.probeResult('ghost', true)).toBe(false);
    expect(registry.deadlineMissed('ghost')).toBe(false);
    expect(registry.acquire('ghost')).toBe(false);
    expect(registry.release('ghost')).toBe(false);
    expect(registry.observeLatency('ghost', 5)).toBe(false);
    expect(registry.remove('ghost', 'admin')).toBe(false);
    expect(events).toEqual([]);
    close();
  });
});

describe('AgentRegistry: health', () => {
  it('announces a new DDS agent as healthy with free capacity', () => {
    const { registry, events, close } = setup();
    const view = registry.upsertRegistration(reg('a'));
    expect(view).toMatchObject({ id: 'a', health: 'healthy', freeSlots: 4, load: 0, inFlight: 0 });
    expect(events.map((e) => e.type)).toEqual(['added', 'capacity-freed']);
    close();
  });

  type Step =
    | ['wait', number]
    | ['status', Partial<AgentStatusReport>]
    | ['liveliness', boolean]
    | ['deadline']
    | ['probe', boolean];
  const table: [string, 'dds' | 'http', Step[], string[]][] = [
    ['quiet for one missed heartbeat', 'dds', [['wait', 1_499]], ['healthy']],
    ['a missed heartbeat', 'dds', [['wait', 1_500]], ['suspect:heartbeat-missed']],
    [
      'a missed heartbeat, then a status',
      'dds',
      [
        ['wait', 2_000],
        ['status', {}],
      ],
      ['suspect:heartbeat-missed', 'healthy:ok'],
    ],
    [
      'silence up to agents.timeout',
      'dds',
      [
        ['wait', 5_999],
        ['wait', 1],
      ],
      ['suspect:heartbeat-missed', 'offline:timeout'],
    ],
    [
      'heartbeats keep it healthy',
      'dds',
      [
        ['wait', 900],
        ['status', {}],
        ['wait', 900],
        ['status', {}],
        ['wait', 900],
      ],
      ['healthy', 'healthy', 'healthy', 'healthy', 'healthy'],
    ],
    ['lost liveliness', 'dds', [['liveliness', false]], ['offline:liveliness-lost']],
    [
      'lost, then regained liveliness',
      'dds',
      [
        ['liveliness', false],
        ['liveliness', true],
      ],
      ['offline:liveliness-lost', 'healthy:ok'],
    ],
    [
      'a missed status deadline, then a status',
      'dds',
      [['deadline'], ['status', {}]],
      ['suspect:deadline-missed', 'healthy:ok'],
    ],
    [
      'draining, then idle again',
      'dds',
      [
        ['status', { state: 'draining' }],
        ['status', { state: 'idle' }],
      ],
      ['draining:draining', 'healthy:ok'],
    ],
    [
      'a draining agent that goes silent',
      'dds',
      [
        ['status', { state: 'draining' }],
        ['wait', 6_000],
      ],
      ['draining', 'offline:timeout'],
    ],
    ['an HTTP agent before any probe', 'http', [['wait', 0]], ['suspect:not-probed']],
    [
      'an HTTP agent probed fine, then failing',
      'http',
      [
        ['probe', true],
        ['probe', false],
        ['probe', false],
        ['probe', false],
        ['probe', true],
      ],
      [
        'healthy:ok',
        'suspect:probe-failed',
        'suspect:probe-failed',
        'offline:probe-failed',
        'healthy:ok',
      ],
    ],
    [
      'an HTTP agent nobody probes',
      'http',
      [
        ['probe', true],
        ['wait', 1_500],
        ['wait', 4_500],
      ],
      ['healthy', 'suspect:heartbeat-missed', 'offline:timeout'],
    ],
  ];
  it.each(table)('%s', (_name, transport, steps, expected) => {
    const { registry, wait, close } = setup();
    registry.upsertRegistration(
      reg('a', transport === 'http' ? { transport, httpEndpoint: 'http://127.0.0.1:1' } : {}),
    );
    const seen: string[] = [];
    for (const step of steps) {
      switch (step[0]) {
        case 'wait':
          wait(step[1]);
          break;
        case 'status':
          registry.updateStatus('a', status(step[1]));
          break;
        case 'liveliness':
          registry.livelinessChanged('a', step[1]);
          break;
        case 'deadline':
          registry.deadlineMissed('a');
          break;
        case 'probe':
          registry.probeResult('a', step[1], 3);
          break;
      }
      const v = registry.get('a') as AgentView;
      seen.push(`${v.health}:${v.healthReason}`);
    }
    expect(seen.map((s, i) => (expected[i].includes(':') ? s : s.split(':')[0]))).toEqual(expected);
    close();
  });

  it('tracks reachability: a DDS agent is unreachable until matched, suspect once it lost the match', () => {
    const { registry, events, close } = setup();
    registry.upsertRegistration(reg('r1'));
    expect(registry.get('r1')).toMatchObject({ reachable: false, health: 'healthy' });
    registry.reachabilityChanged('r1', true);
    expect(registry.get('r1')).toMatchObject({ reachable: true, health: 'healthy' });
    events.length = 0;
    registry.reachabilityChanged('r1', false);
    expect(registry.get('r1')).toMatchObject({ reachable: false, health: 'suspect' });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'health-changed',
        from: 'healthy',
        to: 'suspect',
        reason: 'unreachable',
      }),
    ]);
    // A status does not make it reachable: only the transport's match does.
    registry.updateStatus('r1', status());
    expect(health(registry, 'r1')).toBe('suspect');
    events.length = 0;
    registry.reachabilityChanged('r1', true);
    expect(health(registry, 'r1')).toBe('healthy');
    expect(events.map((e) => e.type)).toEqual(['health-changed', 'capacity-freed']);
    // HTTP agents need no discovery.
    registry.upsertRegistration(
      reg('h1', { transport: 'http', httpEndpoint: 'http://127.0.0.1:1/v1' }),
    );
    expect(registry.get('h1')?.reachable).toBe(true);
    expect(registry.reachabilityChanged('ghost', true)).toBe(false);
    close();
  });

  it('emits health-changed with from, to and reason', () => {
    const { registry, events, wait, close } = setup();
    registry.upsertRegistration(reg('a'));
    events.length = 0;
    wait(1_500);
    wait(4_500);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'health-changed',
        from: 'healthy',
        to: 'suspect',
        reason: 'heartbeat-missed',
      }),
      expect.objectContaining({
        type: 'health-changed',
        from: 'suspect',
        to: 'offline',
        reason: 'timeout',
      }),
    ]);
    close();
  });

  it('evicts DDS agents long offline, never configured HTTP agents', () => {
    const { registry, events, wait, close } = setup({ evictOfflineAfterMs: 10_000 });
    registry.upsertRegistration(reg('dds'));
    registry.upsertRegistration(
      reg('http', { transport: 'http', httpEndpoint: 'http://127.0.0.1:1' }),
    );
    wait(TIMEOUT);
    expect(health(registry, 'dds')).toBe('offline');
    expect(health(registry, 'http')).toBe('offline');
    wait(9_999);
    expect(registry.size).toBe(2);
    wait(1);
    expect(registry.get('dds')).toBeUndefined();
    expect(registry.get('http')?.health).toBe('offline');
    expect(events).toContainEqual(expect.objectContaining({ type: 'removed', reason: 'expired' }));
    close();
  });

  it('start() drives tick from the clock and close() cancels it', () => {
    const { clock, registry, close } = setup();
    registry.upsertRegistration(reg('a'));
    registry.start(250);
    registry.start(250);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1_500);
    expect(health(registry, 'a')).toBe('suspect');
    clock.advance(4_500);
    expect(health(registry, 'a')).toBe('offline');
    close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('completes events$ on close and emits nothing afterwards', () => {
    const { registry, close } = setup();
    let completed = false;
    const got: RegistryEvent[] = [];
    registry.events$.subscribe({ next: (e) => got.push(e), complete: () => (completed = true) });
    close();
    expect(completed).toBe(true);
    registry.upsertRegistration(reg('late'));
    expect(got).toEqual([]);
  });

  it('health follows the rules under any sequence of heartbeats, silences and liveliness', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('wait' as const),
              ms: fc.integer({ min: 0, max: 4_000 }),
            }),
            fc.record({ kind: fc.constant('status' as const), draining: fc.boolean() }),
            fc.record({ kind: fc.constant('liveliness' as const), alive: fc.boolean() }),
          ),
          { maxLength: 40 },
        ),
        (steps) => {
          const { clock, registry, wait, close } = setup({ evictOfflineAfterMs: 1e9 });
          registry.upsertRegistration(reg('a'));
          let lastSeen = clock.now();
          let alive = true;
          let draining = false;
          for (const s of steps) {
            if (s.kind === 'wait') wait(s.ms);
            else if (s.kind === 'status') {
              registry.updateStatus('a', status({ state: s.draining ? 'draining' : 'idle' }));
              lastSeen = clock.now();
              alive = true;
              draining = s.draining;
            } else {
              registry.livelinessChanged('a', s.alive);
              alive = s.alive;
              if (s.alive) lastSeen = clock.now();
            }
            const silence = clock.now() - lastSeen;
            const expected = !alive
              ? 'offline'
              : silence >= TIMEOUT
                ? 'offline'
                : draining
                  ? 'draining'
                  : silence >= 1.5 * HB
                    ? 'suspect'
                    : 'healthy';
            expect(health(registry, 'a')).toBe(expected);
          }
          close();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('AgentRegistry: load and in-flight accounting', () => {
  it('estimates free slots from the last report plus what this gateway did since', () => {
    const { registry, close } = setup();
    registry.upsertRegistration(reg('a'));
    registry.acquire('a');
    registry.acquire('a');
    expect(registry.get('a')).toMatchObject({ inFlight: 2, freeSlots: 2, load: 0.5 });
    // The report counts both of ours plus one from another gateway.
    registry.updateStatus('a', status({ slotsBusy: 3, queueDepth: 1 }));
    expect(registry.get('a')).toMatchObject({ inFlight: 2, freeSlots: 1, load: 1 });
    registry.acquire('a');
    expect(registry.get('a')).toMatchObject({ freeSlots: 0 });
    registry.release('a');
    registry.release('a');
    expect(registry.get('a')).toMatchObject({ inFlight: 1, freeSlots: 2 });
    close();
  });

  it('emits capacity-freed on a release, a better report and a recovery', () => {
    const { registry, events, wait, close } = setup();
    registry.upsertRegistration(reg('a', { slots: 1 }));
    registry.acquire('a');
    events.length = 0;
    registry.release('a');
    expect(events).toEqual([expect.objectContaining({ type: 'capacity-freed', freeSlots: 1 })]);

    registry.updateStatus('a', status({ slotsBusy: 1, slotsTotal: 1 }));
    events.length = 0;
    registry.updateStatus('a', status({ slotsBusy: 0, slotsTotal: 1 }));
    expect(events.map((e) => e.type)).toEqual(['updated', 'capacity-freed']);

    wait(TIMEOUT);
    events.length = 0;
    registry.updateStatus('a', status({ slotsBusy: 0, slotsTotal: 1 }));
    expect(events.map((e) => e.type)).toEqual(['health-changed', 'updated', 'capacity-freed']);
    close();
  });

  it('does not announce capacity of an agent that cannot take work', () => {
    const { registry, events, close } = setup();
    registry.upsertRegistration(reg('a'));
    registry.acquire('a');
    registry.livelinessChanged('a', false);
    events.length = 0;
    registry.release('a');
    registry.updateStatus('a', status({ state: 'draining' }));
    expect(events.filter((e) => e.type === 'capacity-freed')).toEqual([]);
    close();
  });

  it('never counts in-flight below zero under random acquire/release/remove/re-register', () => {
    const ids = ['a', 'b', 'c'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('acquire', 'release', 'remove', 'register', 'status'),
            id: fc.constantFrom(...ids),
            busy: fc.integer({ min: 0, max: 6 }),
          }),
          { maxLength: 120 },
        ),
        (ops) => {
          const { registry, close } = setup();
          const model = new Map<string, number>();
          for (const { op, id, busy } of ops) {
            switch (op) {
              case 'acquire':
                expect(registry.acquire(id)).toBe(model.has(id));
                if (model.has(id)) model.set(id, (model.get(id) ?? 0) + 1);
                break;
              case 'release': {
                const n = model.get(id);
                expect(registry.release(id)).toBe(n !== undefined && n > 0);
                if (n) model.set(id, n - 1);
                break;
              }
              case 'remove':
                expect(registry.remove(id, 'admin')).toBe(model.has(id));
                model.delete(id);
                break;
              case 'register':
                registry.upsertRegistration(reg(id));
                if (!model.has(id)) model.set(id, 0);
                break;
              case 'status':
                registry.updateStatus(id, status({ slotsBusy: busy }));
                break;
            }
            for (const v of registry.list()) {
              expect(v.inFlight).toBe(model.get(v.id));
              expect(v.inFlight).toBeGreaterThanOrEqual(0);
              expect(v.freeSlots).toBeGreaterThanOrEqual(0);
              expect(v.freeSlots).toBeLessThanOrEqual(v.slotsTotal);
            }
            expect(registry.size).toBe(model.size);
          }
          close();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies a status that overtook its registration, unless it is stale', () => {
    const { registry, wait, close } = setup();
    expect(registry.updateStatus('early', status({ slotsBusy: 3, queueDepth: 2 }))).toBe(false);
    wait(1_000);
    registry.upsertRegistration(reg('early'));
    expect(registry.get('early')).toMatchObject({ slotsBusy: 3, queueDepth: 2, freeSlots: 1 });

    registry.updateStatus('late', status({ slotsBusy: 3 }));
    wait(1_500);
    registry.upsertRegistration(reg('late'));
    expect(registry.get('late')).toMatchObject({ slotsBusy: 0, freeSlots: 4, health: 'healthy' });
    close();
  });

  it('keeps at most maxPendingStatus early statuses, the newest, reporting each one dropped', () => {
    const clock = new ManualClock(1_000_000);
    const registry = new AgentRegistry({ clock, heartbeatIntervalMs: HB, maxPendingStatus: 100 });
    const dropped: string[] = [];
    registry.statusDropped$.subscribe((d) => dropped.push(`${d.reason}:${d.agentId}`));
    for (let i = 0; i < 25_000; i++) registry.updateStatus(`ghost-${i}`, status({ slotsBusy: 2 }));
    expect(registry.stats().pendingStatus).toBe(100);
    expect(dropped).toHaveLength(25_000 - 100);
    expect(dropped[0]).toBe('evicted:ghost-0');
    expect(dropped.at(-1)).toBe('evicted:ghost-24899');
    // A newer report of a waiting id replaces it without a drop.
    registry.updateStatus('ghost-24999', status({ slotsBusy: 3 }));
    expect(dropped).toHaveLength(25_000 - 100);
    // The newest are the ones kept: a registration that follows its status still gets it.
    registry.upsertRegistration(reg('ghost-24999'));
    expect(registry.get('ghost-24999')).toMatchObject({ slotsBusy: 3, freeSlots: 1 });
    expect(registry.stats()).toMatchObject({ agents: 1, pendingStatus: 99 });
    registry.close();
  });

  it('forgets early statuses after pendingStatusTtlMs, reporting each one', () => {
    const clock = new ManualClock(1_000_000);
    const registry = new AgentRegistry({ clock, heartbeatIntervalMs: HB, pendingStatusTtlMs: 50 });
    const dropped: string[] = [];
    registry.statusDropped$.subscribe((d) => dropped.push(`${d.reason}:${d.agentId}`));
    for (let i = 0; i < 10; i++) registry.updateStatus(`stale-${i}`, status());
    clock.advance(49);
    expect(registry.stats().pendingStatus).toBe(10);
    clock.advance(1);
    expect(registry.stats().pendingStatus).toBe(0);
    expect(dropped).toEqual(Array.from({ length: 10 }, (_, i) => `expired:stale-${i}`));
    registry.close();
  });

  it('defaults to 1,024 early statuses kept for 30 s', () => {
    const { registry, clock, close } = setup();
    for (let i = 0; i < 2_000; i++) registry.updateStatus(`ghost-${i}`, status());
    expect(registry.stats().pendingStatus).toBe(1_024);
    clock.advance(29_999);
    expect(registry.stats().pendingStatus).toBe(1_024);
    clock.advance(1);
    expect(registry.stats().pendingStatus).toBe(0);
    close();
  });

  it('announces capacity-freed whenever an agent may take more work, whatever happens', () => {
    const ids = ['a', 'b'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({
        kind: fc.constantFrom(
          'acquire' as const,
          'release' as const,
          'register' as const,
          'remove' as const,
          'dead' as const,
          'alive' as const,
          'deadline' as const,
        ),
        id: fc.constantFrom(...ids),
      }),
      fc.record({
        kind: fc.constant('status' as const),
        id: fc.constantFrom(...ids),
        busy: fc.integer({ min: 0, max: 3 }),
        total: fc.integer({ min: 1, max: 3 }),
        draining: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { registry, events, wait, close } = setup();
        const usable = (id: string) => {
          const v = registry.get(id);
          return v !== undefined &&
            (v.health === 'healthy' || v.health === 'suspect') &&
            v.freeSlots > 0
            ? v.freeSlots
            : 0;
        };
        for (const o of ops) {
          const before = new Map(ids.map((id) => [id, usable(id)]));
          events.length = 0;
          switch (o.kind) {
            case 'wait':
              wait(o.ms);
              break;
            case 'acquire':
              registry.acquire(o.id);
              break;
            case 'release':
              registry.release(o.id);
              break;
            case 'register':
              registry.upsertRegistration(reg(o.id, { slots: 2 }));
              break;
            case 'remove':
              registry.remove(o.id, 'admin');
              break;
            case 'dead':
              registry.livelinessChanged(o.id, false);
              break;
            case 'alive':
              registry.livelinessChanged(o.id, true);
              break;
            case 'deadline':
              registry.deadlineMissed(o.id);
              break;
            case 'status':
              registry.updateStatus(
                o.id,
                status({
                  slotsBusy: o.busy,
                  slotsTotal: o.total,
                  state: o.draining ? 'draining' : 'idle',
                }),
              );
              break;
          }
          for (const id of ids) {
            const after = usable(id);
            const freed = events.some((e) => e.type === 'capacity-freed' && e.agent.id === id);
            if (after > (before.get(id) ?? 0)) expect(freed).toBe(true);
            if (freed) expect(after).toBeGreaterThan(0);
          }
        }
        close();
      }),
      { numRuns: 300 },
    );
  });

  it('folds reported and observed latencies into one EMA', () => {
    const clock = new ManualClock();
    const registry = new AgentRegistry({ clock, latencyAlpha: 0.5 });
    registry.upsertRegistration(reg('a'));
    expect(registry.get('a')?.emaLatencyMs).toBe(0);
    registry.updateStatus('a', status({ emaLatencyMs: 100 }));
    expect(registry.get('a')?.emaLatencyMs).toBe(100);
    registry.observeLatency('a', 200);
    expect(registry.get('a')?.emaLatencyMs).toBe(150);
    registry.updateStatus('a', status({ emaLatencyMs: 0, tokensPerSecond: 42 }));
    expect(registry.get('a')).toMatchObject({ emaLatencyMs: 150, tokensPerSecond: 42 });
    expect(() => registry.observeLatency('a', -1)).toThrow(InvalidAgentInputError);
    registry.close();
  });
});

describe('AgentRegistry: queries', () => {
  const specs: Specialization[] = ['text', 'vision', 'embedding'];
  const arbReg = fc.record({
    id: fc.integer({ min: 0, max: 15 }).map((n) => `agent-${n}`),
    models: fc.uniqueArray(fc.constantFrom('m1', 'm2', 'm3', 'm4'), { minLength: 1, maxLength: 3 }),
    specialization: fc.constantFrom(...specs),
    capabilities: fc.uniqueArray(fc.constantFrom('streaming', 'functions', 'vision'), {
      maxLength: 3,
    }),
  });

  it('indexes by model exactly like a full scan', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            arbReg,
            fc.integer({ min: 0, max: 15 }).map((n) => `agent-${n}`),
          ),
          {
            maxLength: 60,
          },
        ),
        (ops) => {
          const registry = new AgentRegistry({ clock: new ManualClock() });
          for (const op of ops) {
            if (typeof op === 'string') registry.remove(op, 'admin');
            else registry.upsertRegistration(reg(op.id, op));
          }
          const all = registry.list();
          const ids = (vs: readonly AgentView[]) => vs.map((v) => v.id).sort();
          for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) {
            expect(ids(registry.byModel(m))).toEqual(ids(all.filter((v) => v.models.includes(m))));
          }
          registry.close();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps byModel arrays stable across status updates and identical re-announcements', () => {
    const { registry, close } = setup();
    registry.upsertRegistration(reg('a'));
    const before = registry.byModel('phi-4-mini');
    registry.updateStatus('a', status({ slotsBusy: 2 }));
    registry.upsertRegistration(reg('a'));
    expect(registry.byModel('phi-4-mini')).toBe(before);
    registry.upsertRegistration(reg('b'));
    const after = registry.byModel('phi-4-mini');
    expect(after).not.toBe(before);
    expect(after.map((v) => v.id).sort()).toEqual(['a', 'b']);
    close();
  });

  it('moves an agent between indexes when it re-announces other models', () => {
    const { registry, close } = setup();
    registry.upsertRegistration(reg('a', { models: ['m1'], capabilities: ['functions'] }));
    registry.upsertRegistration(reg('a', { models: ['m2'], capabilities: [] }));
    expect(registry.byModel('m1')).toEqual([]);
    expect(registry.byModel('m2').map((v) => v.id)).toEqual(['a']);
    // Callers cache per array (the selector does): a new capability list must renew it.
    const before = registry.byModel('m2');
    registry.upsertRegistration(reg('a', { models: ['m2'], capabilities: ['functions'] }));
    expect(registry.byModel('m2')).not.toBe(before);
    expect(registry.byModel('m2')[0].capabilities).toEqual(['functions']);
    close();
  });

  it('lists models in the OpenAI shape, without models only offline agents serve', () => {
    const { registry, close } = setup();
    registry.upsertRegistration(reg('a', { models: ['phi-4-mini', 'llava'] }));
    registry.upsertRegistration(reg('b', { models: ['bge-small'], specialization: 'embedding' }));
    registry.upsertRegistration(reg('c', { models: ['qwen'] }));
    registry.livelinessChanged('c', false);
    expect(registry.models()).toEqual({
      object: 'list',
      data: ['bge-small', 'llava', 'phi-4-mini'].map((id) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'dds-llm',
      })),
    });
    registry.remove('a', 'disposed');
    expect(registry.models().data.map((m) => m.id)).toEqual(['bge-small']);
    close();
  });
});
