import { ManualClock } from '@dds/common';
import { AgentRegistry } from '@dds/registry';
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { AgentSelector } from './agent.selector';
import { NoAgentError } from './selector.errors';
import { SelectableAgent, SelectionRequest, STRATEGIES, StrategyName } from './selector.types';

type Agent = { -readonly [K in keyof SelectableAgent]: SelectableAgent[K] };

function agent(id: string, over: Partial<Agent> = {}): Agent {
  return {
    id,
    models: ['m1'],
    specialization: 'text',
    capabilities: ['streaming', 'functions'],
    health: 'healthy',
    freeSlots: 4,
    load: 0,
    emaLatencyMs: 10,
    ...over,
  };
}

function fleet(n: number, over: Partial<Agent> = {}): Agent[] {
  return Array.from({ length: n }, (_, i) => agent(`agent-${i}`, over));
}

/** Seeded xorshift so randomised strategies are reproducible. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function noAgentReason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NoAgentError) return err.reason;
    throw err;
  }
  return 'selected';
}

describe('AgentSelector: filters', () => {
  const candidates = [
    agent('text', { models: ['m1'] }),
    agent('alias', { models: ['m1-q4'] }),
    agent('vision', { models: ['m1'], specialization: 'vision', capabilities: ['vision'] }),
    agent('nofn', { models: ['m1'], capabilities: ['streaming'] }),
    agent('offline', { health: 'offline' }),
    agent('draining', { health: 'draining' }),
    agent('full', { freeSlots: 0 }),
  ];
  const table: [string, Partial<SelectionRequest>, string[]][] = [
    ['exact model, any specialization', {}, ['text', 'vision', 'nofn']],
    ['exact model only, text', { specialization: 'text' }, ['text', 'nofn']],
    ['vision specialization', { specialization: 'vision' }, ['vision']],
    ['required functions capability', { capabilities: ['functions'] }, ['text']],
    ['text + streaming', { specialization: 'text', capabilities: ['streaming'] }, ['text', 'nofn']],
  ];
  it.each(table)('%s', (_name, over, allowed) => {
    const selector = new AgentSelector({ strategy: 'round-robin' });
    const chosen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      chosen.add(selector.select({ model: 'm1', ...over }, candidates).agent.id);
    }
    expect([...chosen].sort()).toEqual([...allowed].sort());
  });

  it('uses a suspect agent only when no healthy one matches', () => {
    const selector = new AgentSelector();
    const healthy = agent('healthy', { load: 0.9 });
    const suspect = agent('suspect', { health: 'suspect', load: 0 });
    expect(selector.select({ model: 'm1' }, [healthy, suspect]).agent.id).toBe('healthy');
    healthy.health = 'offline';
    expect(selector.select({ model: 'm1' }, [healthy, suspect]).agent.id).toBe('suspect');
  });

  const reasons: [string, Agent[], Partial<SelectionRequest>, string][] = [
    ['no candidates at all', [], {}, 'unknown-model'],
    ['nobody serves the model', [agent('a', { models: ['other'] })], {}, 'unknown-model'],
    ['served, but not for vision', [agent('a')], { specialization: 'vision' }, 'unsupported'],
    [
      'served, but without tools',
      [agent('a', { capabilities: [] })],
      { capabilities: ['functions'] },
      'unsupported',
    ],
    [
      'only offline or draining',
      [agent('a', { health: 'offline' }), agent('b', { health: 'draining' })],
      {},
      'unhealthy',
    ],
    ['healthy but full', [agent('a', { freeSlots: 0 })], {}, 'all-busy'],
    [
      'healthy full, suspect free',
      [agent('a', { freeSlots: 0 }), agent('b', { health: 'suspect' })],
      {},
      'all-busy',
    ],
    ['suspect and full', [agent('a', { freeSlots: 0, health: 'suspect' })], {}, 'all-busy'],
  ];
  it.each(reasons)('throws NoAgentError when %s', (_name, candidates, over, reason) => {
    const selector = new AgentSelector();
    for (const strategy of STRATEGIES) {
      expect(
        noAgentReason(() =>
          selector.select(
            { model: 'm1', strategy, sessionId: 's', promptText: 'x'.repeat(200), ...over },
            candidates,
          ),
        ),
      ).toBe(reason);
    }
  });

  it('rejects malformed requests with clear errors', () => {
    const selector = new AgentSelector();
    expect(() => selector.select({ model: '' }, [agent('a')])).toThrow(
      'request.model must be a non-empty string',
    );
    expect(() => selector.select(null as unknown as SelectionRequest, [])).toThrow(TypeError);
    expect(() =>
      selector.select({ model: 'm1', strategy: 'fastest' as StrategyName }, [agent('a')]),
    ).toThrow("unknown strategy 'fastest'");
    expect(() => selector.select({ model: 'm1' }, 'a' as unknown as Agent[])).toThrow(TypeError);
    expect(() => new AgentSelector({ strategy: 'nope' as StrategyName })).toThrow(RangeError);
  });

  it.each([
    [{ session: { maxSessions: -1 } }, 'session.maxSessions must be an integer ≥ 0, got -1'],
    [{ session: { virtualNodes: 0 } }, 'virtualNodes must be an integer ≥ 1, got 0'],
    [{ prefix: { loadMargin: -0.1 } }, 'prefix.loadMargin must be ≥ 0, got -0.1'],
    [{ prefix: { chunkSize: 0 } }, 'chunkSize must be an integer ≥ 1, got 0'],
  ])('refuses options %j', (options, message) => {
    expect(() => new AgentSelector(options)).toThrow(new RangeError(message));
  });

  it('never returns an offline, draining, full, excluded or wrong-model agent, whatever the strategy', () => {
    const arbAgent = fc.record({
      models: fc.uniqueArray(fc.constantFrom('m1', 'm2', 'm3'), { minLength: 1, maxLength: 2 }),
      specialization: fc.constantFrom('text' as const, 'vision' as const, 'embedding' as const),
      capabilities: fc.uniqueArray(fc.constantFrom('streaming', 'functions'), { maxLength: 2 }),
      health: fc.constantFrom(
        'healthy' as const,
        'suspect' as const,
        'offline' as const,
        'draining' as const,
      ),
      freeSlots: fc.integer({ min: 0, max: 3 }),
      load: fc.double({ min: 0, max: 2, noNaN: true }),
      emaLatencyMs: fc.double({ min: 0, max: 500, noNaN: true }),
    });
    const arbRequest = fc.record({
      model: fc.constantFrom('m1', 'm2', 'm4'),
      exclude: fc.option(
        fc
          .uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 4 })
          .map((ids) => new Set(ids.map((i) => `a${i}`))),
        { nil: undefined },
      ),
      specialization: fc.option(fc.constantFrom('text' as const, 'vision' as const), {
        nil: undefined,
      }),
      capabilities: fc.option(fc.constant(['functions']), { nil: undefined }),
      strategy: fc.constantFrom(...STRATEGIES),
      sessionId: fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }),
      promptText: fc.option(fc.constantFrom('a'.repeat(300), 'a'.repeat(200) + 'b'.repeat(100)), {
        nil: undefined,
      }),
      explain: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(arbAgent, { maxLength: 12 }),
        fc.array(arbRequest, { minLength: 1, maxLength: 8 }),
        (specs, requests) => {
          const candidates = specs.map((s, i) => ({ id: `a${i}`, ...s }));
          const selector = new AgentSelector({
            random: seeded(7),
            session: { maxSessions: 16 },
            prefix: { maxNodes: 64 },
          });
          for (const req of requests) {
            // Excluded agents are as good as absent.
            const present = candidates.filter((c) => !req.exclude?.has(c.id));
            const matching = present.filter(
              (c) =>
                (c.models as readonly string[]).includes(req.model) &&
                (req.specialization === undefined || c.specialization === req.specialization) &&
                (req.capabilities ?? []).every((cap) => c.capabilities.includes(cap)),
            );
            const anyHealthy = matching.some((c) => c.health === 'healthy');
            const allowed = matching.filter(
              (c) => c.freeSlots > 0 && c.health === (anyHealthy ? 'healthy' : 'suspect'),
            );
            const outcome = noAgentReason(() => {
              const sel = selector.select(req, candidates);
              expect(allowed).toContain(sel.agent);
              if (req.strategy === 'least-loaded') {
                expect(sel.agent.load).toBe(Math.min(...allowed.map((c) => c.load)));
              }
              if (req.explain) {
                expect(sel.explanation?.agentId).toBe(sel.agent.id);
                expect(sel.explanation?.candidates.map((c) => c.id).sort()).toEqual(
                  allowed.map((c) => c.id).sort(),
                );
              } else {
                expect(sel.explanation).toBeUndefined();
              }
            });
            if (allowed.length > 0) expect(outcome).toBe('selected');
            else if (!present.some((c) => (c.models as readonly string[]).includes(req.model)))
              expect(outcome).toBe('unknown-model');
            else if (matching.length === 0) expect(outcome).toBe('unsupported');
            else if (!matching.some((c) => c.health === 'healthy' || c.health === 'suspect'))
              expect(outcome).toBe('unhealthy');
            else expect(outcome).toBe('all-busy');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AgentSelector: exclude', () => {
  it.each(STRATEGIES)('%s never picks an excluded agent', (strategy) => {
    const selector = new AgentSelector({ strategy, random: seeded(11) });
    const agents = fleet(4);
    agents[3].load = 0.9;
    const exclude = new Set(['agent-0', 'agent-1']);
    for (let i = 0; i < 20; i++) {
      for (const explain of [false, true]) {
        const sel = selector.select(
          { model: 'm1', sessionId: `s${i}`, promptText: 'p'.repeat(40 + i), exclude, explain },
          agents,
        );
        expect(['agent-2', 'agent-3']).toContain(sel.agent.id);
        if (explain) {
          expect(sel.explanation?.filteredOut.excluded).toBe(2);
          expect(sel.explanation?.candidates.map((c) => c.id)).toEqual(['agent-2', 'agent-3']);
        }
      }
    }
  });

  it.each(STRATEGIES)(
    '%s: with every candidate excluded the model reads as unknown',
    (strategy) => {
      const selector = new AgentSelector({ strategy });
      const agents = fleet(2);
      const req = { model: 'm1', sessionId: 's', promptText: 'p'.repeat(80) };
      const exclude = new Set(['agent-0', 'agent-1']);
      expect(noAgentReason(() => selector.select({ ...req, exclude }, agents))).toBe(
        'unknown-model',
      );
      expect(noAgentReason(() => selector.select({ ...req, exclude, explain: true }, agents))).toBe(
        'unknown-model',
      );
      // The only agent excluded, the rest busy: the request waits, as with a filtered array.
      agents[1].freeSlots = 0;
      expect(
        noAgentReason(() => selector.select({ ...req, exclude: new Set(['agent-0']) }, agents)),
      ).toBe('all-busy');
    },
  );

  it('falls back to suspect agents when the only healthy one is excluded', () => {
    const selector = new AgentSelector();
    const agents = [agent('healthy'), agent('suspect', { health: 'suspect' })];
    expect(selector.select({ model: 'm1' }, agents).agent.id).toBe('healthy');
    const sel = selector.select(
      { model: 'm1', exclude: new Set(['healthy']), explain: true },
      agents,
    );
    expect(sel.agent.id).toBe('suspect');
    expect(sel.explanation?.healthTier).toBe('suspect');
  });

  it('keeps session homes across a retry that excludes another agent', () => {
    const selector = new AgentSelector({ strategy: 'session' });
    const agents = fleet(5);
    const home = selector.select({ model: 'm1', sessionId: 's' }, agents).agent.id;
    const other = agents.find((a) => a.id !== home)?.id as string;
    const again = selector.select(
      { model: 'm1', sessionId: 's', exclude: new Set([other]) },
      agents,
    );
    expect(again.agent.id).toBe(home);
    const moved = selector.select(
      { model: 'm1', sessionId: 's', exclude: new Set([home]) },
      agents,
    );
    expect(moved.agent.id).not.toBe(home);
  });

  it('rejects an exclude that is not a set', () => {
    const selector = new AgentSelector();
    expect(() =>
      selector.select({ model: 'm1', exclude: ['a'] as unknown as ReadonlySet<string> }, fleet(1)),
    ).toThrow(TypeError);
  });
});

describe('AgentSelector: strategies', () => {
  it('round-robin visits every eligible agent in turn, per model', () => {
    const selector = new AgentSelector({ strategy: 'round-robin' });
    const agents = fleet(3);
    const picks = Array.from(
      { length: 6 },
      () => selector.select({ model: 'm1' }, agents).agent.id,
    );
    expect(picks).toEqual(['agent-0', 'agent-1', 'agent-2', 'agent-0', 'agent-1', 'agent-2']);
  });

  it('least-loaded picks the lowest load, then the lowest latency, and spreads ties', () => {
    const selector = new AgentSelector({ strategy: 'least-loaded' });
    const agents = [
      agent('busy', { load: 0.75 }),
      agent('slow', { load: 0.25, emaLatencyMs: 90 }),
      agent('fast', { load: 0.25, emaLatencyMs: 20 }),
    ];
    expect(selector.select({ model: 'm1' }, agents).agent.id).toBe('fast');
    const twins = fleet(4);
    const picks = new Set(
      Array.from({ length: 8 }, () => selector.select({ model: 'm1' }, twins).agent.id),
    );
    expect(picks.size).toBe(4);
  });

  it('latency (power of two choices) never picks the worst agent and favours fast, idle ones', () => {
    const selector = new AgentSelector({ strategy: 'latency', random: seeded(42) });
    const agents = [
      agent('fast', { emaLatencyMs: 10 }),
      agent('fast-but-loaded', { emaLatencyMs: 10, load: 3 }),
      agent('medium', { emaLatencyMs: 25 }),
      agent('slow', { emaLatencyMs: 80 }),
    ];
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      const id = selector.select({ model: 'm1' }, agents).agent.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.get('slow')).toBeUndefined();
    // 'fast' wins every pair it is drawn in: half of all pairs.
    expect(counts.get('fast')).toBeGreaterThan(1_800);
    expect(counts.get('fast')).toBeGreaterThan(counts.get('medium') ?? 0);
  });

  it('latency lets load decide between agents whose latency is unknown', () => {
    const selector = new AgentSelector({ strategy: 'latency', random: seeded(3) });
    const agents = [
      agent('new-idle', { emaLatencyMs: 0 }),
      agent('new-busy', { emaLatencyMs: 0, load: 1 }),
    ];
    for (let i = 0; i < 20; i++)
      expect(selector.select({ model: 'm1' }, agents).agent.id).toBe('new-idle');
  });
});

describe('AgentSelector: session affinity', () => {
  const req = (sessionId: string): SelectionRequest => ({
    model: 'm1',
    strategy: 'session',
    sessionId,
  });

  it('keeps a session on one agent while it is healthy, whatever the load', () => {
    const selector = new AgentSelector();
    const agents = fleet(8);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (sid, loads) => {
          const first = selector.select(req(sid), agents).agent.id;
          agents.forEach((a, i) => (a.load = loads[i]));
          expect(selector.select(req(sid), agents).agent.id).toBe(first);
        },
      ),
    );
  });

  it('keeps every session home while its agent stays healthy, whatever happens to the others', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('fail', 'recover', 'join', 'load', 'fill', 'drain'),
            who: fc.integer({ min: 0, max: 30 }),
            load: fc.double({ min: 0, max: 2, noNaN: true }),
          }),
          { maxLength: 30 },
        ),
        (ops) => {
          const selector = new AgentSelector({
            session: { maxSessions: 100, virtualNodes: 16 },
            prefix: { maxNodes: 16 },
          });
          let agents = fleet(6);
          const sessions = Array.from({ length: 20 }, (_, i) => `s${i}`);
          const home = new Map(
            sessions.map((s) => [s, selector.select(req(s), agents).agent as Agent]),
          );
          for (const { op, who, load } of ops) {
            const target = agents[who % agents.length];
            if (op === 'join') agents = [...agents, agent(`joined-${agents.length}`)];
            else if (op === 'fail') target.health = 'offline';
            else if (op === 'drain') target.health = 'draining';
            else if (op === 'recover') target.health = 'healthy';
            else if (op === 'load') target.load = load;
            else target.freeSlots = target.freeSlots > 0 ? 0 : 4;
            for (const s of sessions) {
              const before = home.get(s) as Agent;
              let quick: SelectableAgent;
              try {
                quick = selector.select(req(s), agents).agent;
              } catch (err) {
                expect(err).toBeInstanceOf(NoAgentError);
                continue;
              }
              const explained = selector.select({ ...req(s), explain: true }, agents);
              // The shortcut and the full pass agree.
              expect(explained.agent).toBe(quick);
              const lent = /^home (\S+) busy/.exec(explained.explanation?.note ?? '');
              const nowHome = lent ? agents.find((a) => a.id === lent[1]) : quick;
              if (before.health === 'healthy') expect(nowHome).toBe(before);
              if (before.health === 'healthy' && before.freeSlots > 0) expect(quick).toBe(before);
              home.set(s, nowHome as Agent);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('spreads sessions over the fleet', () => {
    const selector = new AgentSelector();
    const agents = fleet(8);
    const counts = new Map<string, number>();
    for (let i = 0; i < 8_000; i++) {
      const id = selector.select(req(`s-${i}`), agents).agent.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeGreaterThan(500);
  });

  it('serves elsewhere while the home agent is full and returns home after', () => {
    const selector = new AgentSelector();
    const agents = fleet(5);
    const home = selector.select(req('s'), agents).agent;
    (home as Agent).freeSlots = 0;
    const stand = selector.select({ ...req('s'), explain: true }, agents);
    expect(stand.agent.id).not.toBe(home.id);
    expect(stand.explanation?.note).toContain('busy');
    (home as Agent).freeSlots = 1;
    expect(selector.select(req('s'), agents).agent.id).toBe(home.id);
  });

  it('moves a session off an agent that fails, and keeps it on the new one after recovery', () => {
    const selector = new AgentSelector();
    const agents = fleet(5);
    const home = selector.select(req('s'), agents).agent as Agent;
    home.health = 'offline';
    const next = selector.select(req('s'), agents).agent;
    expect(next.id).not.toBe(home.id);
    home.health = 'healthy';
    expect(selector.select(req('s'), agents).agent.id).toBe(next.id);
  });

  it('moves no remembered session when an agent joins', () => {
    const selector = new AgentSelector();
    const agents = fleet(10);
    const before = Array.from(
      { length: 2_000 },
      (_, i) => selector.select(req(`s-${i}`), agents).agent.id,
    );
    const grown = [...agents, agent('newcomer')];
    const after = Array.from(
      { length: 2_000 },
      (_, i) => selector.select(req(`s-${i}`), grown).agent.id,
    );
    expect(after).toEqual(before);
    expect(selector.select(req('brand-new-session-that-may-land-anywhere'), grown)).toBeDefined();
  });

  it('with the hash ring alone, adding an agent moves about 1/n of the sessions, all to it', () => {
    const selector = new AgentSelector({ session: { maxSessions: 0 } });
    const n = 10;
    const agents = fleet(n);
    const sessions = Array.from({ length: 10_000 }, (_, i) => `session-${i}`);
    const before = sessions.map((s) => selector.select(req(s), agents).agent.id);
    const grown = [...agents, agent('newcomer')];
    const after = sessions.map((s) => selector.select(req(s), grown).agent.id);
    const moved = after.filter((id, i) => id !== before[i]);
    expect(moved.every((id) => id === 'newcomer')).toBe(true);
    expect(moved.length / sessions.length).toBeGreaterThan(0.5 / (n + 1));
    expect(moved.length / sessions.length).toBeLessThan(1.5 / (n + 1));
  });

  it('places a request without a session id by load', () => {
    const selector = new AgentSelector();
    const agents = [agent('busy', { load: 1 }), agent('idle')];
    const sel = selector.select({ model: 'm1', strategy: 'session', explain: true }, agents);
    expect(sel.agent.id).toBe('idle');
    expect(sel.explanation?.note).toContain('no session id');
  });

  it('forgetAgent re-places sessions from a departed agent', () => {
    const selector = new AgentSelector({ session: { maxSessions: 0 } });
    const agents = fleet(4);
    const home = selector.select(req('s'), agents).agent.id;
    selector.forgetAgent(home);
    const rest = agents.filter((a) => a.id !== home);
    expect(selector.select(req('s'), rest).agent.id).not.toBe(home);
  });
});

describe('AgentSelector: prefix affinity', () => {
  /**
   * Simulated fleet: each agent keeps a KV cache of prompt chunks (LRU, bounded); a request hits
   * on the leading chunks already cached on the agent that serves it.
   */
  function simulate(strategy: StrategyName): number {
    const chunk = 64;
    const selector = new AgentSelector({
      strategy,
      prefix: { chunkSize: chunk, maxNodes: 5_000 },
      session: { maxSessions: 0 },
    });
    const agents = fleet(8);
    const caches = new Map(agents.map((a) => [a.id, new LRUCache<string, true>({ max: 400 })]));
    const rnd = seeded(11);
    const systemPrompts = Array.from({ length: 24 }, (_, i) =>
      `system prompt ${i}: `.padEnd(2_000, String.fromCharCode(97 + (i % 26))),
    );
    let hit = 0;
    let total = 0;
    for (let r = 0; r < 3_000; r++) {
      const sp = Math.floor(rnd() * systemPrompts.length);
      const prompt = systemPrompts[sp] + ` user ${r} `.padEnd(300, '.');
      const id = selector.select({ model: 'm1', promptText: prompt }, agents).agent.id;
      const cache = caches.get(id) as LRUCache<string, true>;
      let leading = true;
      for (let end = chunk; end <= prompt.length; end += chunk) {
        // A chunk's cache key stands for the whole prefix up to its end.
        const key = end <= systemPrompts[sp].length ? `sp${sp}:${end}` : `r${r}:${end}`;
        total++;
        if (leading && cache.has(key)) hit++;
        else leading = false;
        cache.set(key, true);
      }
    }
    return hit / total;
  }

  it('beats round-robin on a shared-prefix workload in simulated cache hit rate', () => {
    const prefix = simulate('prefix');
    const roundRobin = simulate('round-robin');
    expect(prefix).toBeGreaterThan(0.6);
    expect(prefix).toBeGreaterThan(roundRobin + 0.3);
  });

  it('spreads a hot prefix once its agent is loaded beyond the margin', () => {
    const SLOTS = 8;
    const HOLD = 12;
    /** One shared prompt, one request per step, each holding a slot for HOLD steps. */
    function shares(loadMargin: number): number[] {
      const selector = new AgentSelector({ strategy: 'prefix', prefix: { loadMargin } });
      const agents = fleet(8, { freeSlots: SLOTS });
      const inFlight = new Map(agents.map((a) => [a, 0]));
      const served = new Map(agents.map((a) => [a, 0]));
      const releases: Agent[][] = Array.from({ length: HOLD }, () => []);
      const set = (a: Agent, n: number) => {
        inFlight.set(a, n);
        a.load = n / SLOTS;
        a.freeSlots = SLOTS - n;
      };
      const hot = 'h'.repeat(2_000);
      for (let step = 0; step < 1_200; step++) {
        for (const a of releases[step % HOLD]) set(a, (inFlight.get(a) as number) - 1);
        releases[step % HOLD] = [];
        const a = selector.select({ model: 'm1', promptText: `${hot} ${step}` }, agents)
          .agent as Agent;
        set(a, (inFlight.get(a) as number) + 1);
        served.set(a, (served.get(a) as number) + 1);
        releases[step % HOLD].push(a);
      }
      return [...served.values()].map((n) => n / 1_200).sort((x, y) => y - x);
    }
    const balanced = shares(0.25);
    const greedy = shares(1e9);
    // Greedy: the prefix stays on its agent until that one is full, and only then gains a second.
    expect(greedy.filter((x) => x > 0).length).toBe(2);
    // With the margin it spreads over more agents (more caches warm, no hot spot).
    expect(balanced.filter((x) => x > 0.1).length).toBeGreaterThanOrEqual(3);
    expect(balanced[0]).toBeLessThan(greedy[0] - 0.1);
  });

  it.each([false, true])(
    'prefers the longest match, unless it is loaded beyond the margin (explain: %s)',
    (explain) => {
      const selector = new AgentSelector({
        strategy: 'prefix',
        prefix: { chunkSize: 10, loadMargin: 0.5 },
      });
      const agents = fleet(3);
      const shared = 'S'.repeat(50);
      // Seed the cache: agent-1 serves the whole shared part, agent-2 its first two chunks.
      const serveOn = (id: string, promptText: string) => {
        const sel = selector.select(
          {
            model: 'm1',
            promptText,
            exclude: new Set(agents.map((a) => a.id).filter((a) => a !== id)),
          },
          agents,
        );
        expect(sel.agent.id).toBe(id);
      };
      serveOn('agent-1', shared + 'x'.repeat(20));
      serveOn('agent-2', shared.slice(0, 20));
      const pick = () =>
        selector.select({ model: 'm1', promptText: shared + 'y'.repeat(20), explain }, agents);
      let sel = pick();
      expect(sel.agent.id).toBe('agent-1');
      if (explain) {
        expect(sel.explanation?.candidates.find((c) => c.id === 'agent-1')?.score).toBe(5);
      }
      agents[1].load = 0.5;
      expect(pick().agent.id).toBe('agent-1');
      agents[1].load = 0.75;
      agents[2].load = 0.2;
      sel = pick();
      expect(sel.agent.id).toBe('agent-0');
      if (explain) expect(sel.explanation?.note).toContain('too loaded');
      // That decision was recorded: agent-0 now holds the whole prompt, the longest match.
      agents[1].load = 0;
      expect(pick().agent.id).toBe('agent-0');
      // Shorter matches win when the longer ones are out of the running.
      agents[0].health = 'draining';
      expect(pick().agent.id).toBe('agent-1');
      agents[1].health = 'offline';
      expect(pick().agent.id).toBe('agent-2');
    },
  );

  it('falls back to least-loaded without prompt text and records what it chose', () => {
    const selector = new AgentSelector({ strategy: 'prefix', prefix: { chunkSize: 8 } });
    const agents = [agent('busy', { load: 0.4 }), agent('idle')];
    expect(selector.select({ model: 'm1', explain: true }, agents).explanation?.note).toContain(
      'no prompt',
    );
    const prompt = 'p'.repeat(64);
    expect(selector.select({ model: 'm1', promptText: prompt }, agents).agent.id).toBe('idle');
    agents[1].load = 0.3;
    // Within the margin the cached agent wins over the now less-loaded one.
    expect(selector.select({ model: 'm1', promptText: prompt }, agents).agent.id).toBe('idle');
  });
});

describe('AgentSelector: explanations', () => {
  it('explains a decision with candidates, scores and what was filtered out', () => {
    const selector = new AgentSelector({ strategy: 'least-loaded' });
    const sel = selector.select({ model: 'm1', explain: true, capabilities: ['functions'] }, [
      agent('a', { load: 0.5 }),
      agent('b', { load: 0.25 }),
      agent('wrong', { models: ['m2'] }),
      agent('nofn', { capabilities: [] }),
      agent('dead', { health: 'offline' }),
      agent('maybe', { health: 'suspect' }),
      agent('full', { freeSlots: 0 }),
    ]);
    expect(sel.explanation).toEqual({
      agentId: 'b',
      strategy: 'least-loaded',
      healthTier: 'healthy',
      candidates: [
        { id: 'a', score: 0.5, reason: 'load 0.5' },
        { id: 'b', score: 0.25, reason: 'load 0.25' },
      ],
      filteredOut: { model: 1, capability: 1, health: 2, capacity: 1 },
    });
  });

  it.each(['round-robin', 'latency', 'session', 'prefix'] as const)(
    'explains a %s decision with one score per eligible candidate',
    (strategy) => {
      const selector = new AgentSelector({ strategy, random: seeded(5) });
      const agents = [...fleet(4), agent('dead', { health: 'offline' })];
      const sel = selector.select(
        { model: 'm1', sessionId: 's', promptText: 'q'.repeat(200), explain: true },
        agents,
      );
      const e = sel.explanation;
      expect(e?.agentId).toBe(sel.agent.id);
      expect(e?.strategy).toBe(strategy);
      expect(e?.filteredOut).toEqual({ health: 1 });
      expect(e?.candidates.map((c) => c.id)).toEqual(['agent-0', 'agent-1', 'agent-2', 'agent-3']);
      expect(e?.candidates.every((c) => c.reason.length > 0)).toBe(true);
      if (strategy === 'round-robin') {
        expect(e?.candidates.map((c) => c.score).sort()).toEqual([0, 1, 2, 3]);
      }
    },
  );

  it('takes registry views as candidates directly', () => {
    const registry = new AgentRegistry({ clock: new ManualClock() });
    const base = {
      models: ['phi-4-mini'],
      specialization: 'text' as const,
      capabilities: ['streaming'],
      slots: 2,
      maxContextTokens: 4096,
      version: '1',
      hostname: 'h',
      transport: 'dds' as const,
    };
    registry.upsertRegistration({ ...base, agentId: 'a' });
    registry.upsertRegistration({ ...base, agentId: 'b' });
    registry.acquire('a');
    const selector = new AgentSelector();
    const sel = selector.select({ model: 'phi-4-mini' }, registry.byModel('phi-4-mini'));
    expect(sel.agent.id).toBe('b');
    expect(sel.agent).toBe(registry.get('b'));
    registry.close();
  });
});
