import { AgentSelector, STRATEGIES } from '@dds/selector';
import {
  BENCH_MODEL,
  buildFleet,
  measureStrategy,
  naiveSelect,
  seededRandom,
  systemPrompts,
} from './selection.workload';

describe('selection benchmark workload', () => {
  it('builds a 1,000-agent fleet on one model with a realistic health mix', () => {
    const registry = buildFleet(1_000, seededRandom(1));
    const agents = registry.byModel(BENCH_MODEL);
    expect(agents).toHaveLength(1_000);
    const byHealth = new Map<string, number>();
    for (const a of agents) byHealth.set(a.health, (byHealth.get(a.health) ?? 0) + 1);
    expect(byHealth.get('healthy')).toBeGreaterThan(880);
    for (const h of ['suspect', 'offline', 'draining']) expect(byHealth.get(h)).toBeGreaterThan(5);
    expect(agents.some((a) => a.freeSlots === 0)).toBe(true);
    registry.close();
  });

  it('has a baseline that picks a healthy, free, least-loaded agent', () => {
    const registry = buildFleet(200, seededRandom(2));
    const candidates = registry.byModel(BENCH_MODEL);
    const pick = naiveSelect(candidates, BENCH_MODEL);
    expect(pick.health).toBe('healthy');
    expect(pick.freeSlots).toBeGreaterThan(0);
    const eligible = candidates.filter((a) => a.health === 'healthy' && a.freeSlots > 0);
    expect(pick.load).toBe(Math.min(...eligible.map((a) => a.load)));
    expect(() => naiveSelect(candidates, 'no-such-model')).toThrow('no agent for no-such-model');
    registry.close();
  });

  it.each(STRATEGIES)('measures %s without leaking in-flight requests', (strategy) => {
    const random = seededRandom(3);
    const registry = buildFleet(100, random);
    const timings = measureStrategy(
      registry,
      new AgentSelector({ strategy, random }),
      strategy,
      300,
      50,
      random,
      systemPrompts(5),
    );
    expect(timings).toHaveLength(300);
    expect(timings.every((t) => t > 0)).toBe(true);
    expect(registry.list().every((a) => a.inFlight === 0)).toBe(true);
    registry.close();
  });
});
