import { ManualClock } from '@dds/common';
import { AgentRegistry, AgentView } from '@dds/registry';
import { AgentSelector, SelectionRequest, StrategyName } from '@dds/selector';

/** The model every agent of the benchmark fleet serves: the worst case for the filter pass. */
export const BENCH_MODEL = 'phi-4-mini';

/** Seeded xorshift32, so two runs measure the same workload. */
export function seededRandom(seed: number): () => number {
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

/**
 * A registry holding `size` agents spread over `modelCount` models (the first is
 * {@link BENCH_MODEL}; with the default of one, every agent serves it), with a realistic mix:
 * ~90% healthy, some suspect (missed deadline), offline (lost liveliness) and draining; ~5% full;
 * varied slots, load, queue and latency; a third without the `functions` capability.
 */
export function buildFleet(size: number, random: () => number, modelCount = 1): AgentRegistry {
  const registry = new AgentRegistry({ clock: new ManualClock() });
  for (let i = 0; i < size; i++) {
    const agentId = `agent-${String(i).padStart(4, '0')}`;
    const slots = 2 + Math.floor(random() * 7);
    registry.upsertRegistration({
      agentId,
      models: [
        i % modelCount === 0 ? BENCH_MODEL : `model-${i % modelCount}`,
        ...(i % 4 === 0 ? ['phi-4-mini-q4'] : []),
      ],
      specialization: 'text',
      capabilities: i % 3 === 0 ? ['streaming'] : ['streaming', 'functions'],
      slots,
      maxContextTokens: 8192,
      version: '1.0.0',
      hostname: `host-${i % 50}`,
      transport: 'dds',
    });
    registry.updateStatus(agentId, {
      state: 'idle',
      // About 5% full, so the capacity filter has work to do.
      slotsBusy: random() < 0.05 ? slots : Math.floor(random() * slots),
      slotsTotal: slots,
      queueDepth: random() < 0.1 ? 1 + Math.floor(random() * 3) : 0,
      emaLatencyMs: 20 + random() * 200,
      tokensPerSecond: 20 + random() * 80,
    });
    const roll = random();
    if (roll < 0.02) registry.livelinessChanged(agentId, false);
    else if (roll < 0.05) registry.deadlineMissed(agentId);
    else if (roll < 0.08) {
      registry.updateStatus(agentId, {
        state: 'draining',
        slotsBusy: 0,
        slotsTotal: slots,
        queueDepth: 0,
        emaLatencyMs: 50,
        tokensPerSecond: 50,
      });
    }
  }
  return registry;
}

/** Shared system prompts (~2,000 characters) that prompts of the prefix workload start with. */
export function systemPrompts(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    `You are assistant #${i}. Follow the house rules. `.repeat(45).slice(0, 2_000),
  );
}

/** Builds the request for sample `i` of a strategy's run. */
export function requestFor(
  strategy: StrategyName,
  i: number,
  random: () => number,
  prompts: readonly string[],
): SelectionRequest {
  switch (strategy) {
    case 'session':
      return {
        model: BENCH_MODEL,
        strategy,
        sessionId: `session-${Math.floor(random() * 10_000)}`,
      };
    case 'prefix':
      return {
        model: BENCH_MODEL,
        strategy,
        // Round-tripped through JSON like a decoded request body, so the text is flat (a
        // concatenation would leave the first hashing pass to flatten it inside the timed call).
        promptText: JSON.parse(
          JSON.stringify(`${prompts[Math.floor(random() * prompts.length)]}\nuser: question ${i}`),
        ) as string,
      };
    default:
      return { model: BENCH_MODEL, strategy, capabilities: i % 2 ? ['functions'] : undefined };
  }
}

/**
 * The baseline a selector must be compared with: what a naive gateway does, one array scan with
 * `filter` for model, health and capacity, then the least-loaded survivor.
 */
export function naiveSelect(candidates: readonly AgentView[], model: string): AgentView {
  const eligible = candidates.filter(
    (a) => a.models.includes(model) && a.health === 'healthy' && a.freeSlots > 0,
  );
  if (eligible.length === 0) throw new Error(`no agent for ${model}`);
  let best = eligible[0];
  for (const a of eligible) if (a.load < best.load) best = a;
  return best;
}

/**
 * Runs `samples` selections of `strategy` against the fleet (after `warmup` untimed ones), keeping
 * the fleet moving between samples the way the gateway would: the chosen agent is acquired, an
 * older request is released, and one agent reports a new status. Returns µs per selection.
 * With `explain`, the timed selections also build their explanation (the full filter pass).
 */
export function measureStrategy(
  registry: AgentRegistry,
  selector: AgentSelector,
  strategy: StrategyName,
  samples: number,
  warmup: number,
  random: () => number,
  prompts: readonly string[],
  explain = false,
): Float64Array {
  const candidates = registry.byModel(BENCH_MODEL);
  const held: string[] = [];
  const agents = registry.list();
  const between = (i: number, chosen: string) => {
    registry.acquire(chosen);
    held.push(chosen);
    if (held.length > 200) registry.release(held.shift() as string);
    if (i % 10 === 0) {
      const a = agents[Math.floor(random() * agents.length)];
      if (a.health !== 'offline' && a.health !== 'draining') {
        registry.updateStatus(a.id, {
          state: 'idle',
          slotsBusy: Math.floor(random() * a.slotsTotal),
          slotsTotal: a.slotsTotal,
          queueDepth: 0,
          emaLatencyMs: 20 + random() * 200,
          tokensPerSecond: 50,
        });
      }
    }
  };
  for (let i = 0; i < warmup; i++) {
    between(i, selector.select(requestFor(strategy, i, random, prompts), candidates).agent.id);
  }
  let chosen = '';
  const timings = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    // Built outside the timed call: the gateway has the request decoded before it selects.
    const built = requestFor(strategy, warmup + i, random, prompts);
    const request = explain ? { ...built, explain } : built;
    const t0 = process.hrtime.bigint();
    chosen = selector.select(request, candidates).agent.id;
    timings[i] = Number(process.hrtime.bigint() - t0) / 1_000;
    between(i, chosen);
  }
  for (const id of held) registry.release(id);
  return timings;
}
