import { LRUCache } from 'lru-cache';
import { HashRing } from './hash.ring';
import { PrefixIndex, PrefixPath } from './prefix.index';
import { NoAgentError } from './selector.errors';
import {
  CandidateScore,
  FilterReason,
  SelectableAgent,
  Selection,
  SelectionExplanation,
  SelectionRequest,
  SelectorOptions,
  STRATEGIES,
  StrategyName,
} from './selector.types';

/** The result of the filter pass, shared by every strategy. */
interface Eligible<A extends SelectableAgent> {
  /** Eligible agents of the chosen health tier, with a free slot. */
  readonly tier: A[];
  /** True when the tier is `healthy`, false when only suspect agents qualified. */
  readonly healthyTier: boolean;
  /** The tier's lowest load (first seen on ties), found during the filter pass. */
  readonly leastLoaded: A;
}

/** A strategy's choice before the explanation is built. */
interface Choice<A extends SelectableAgent> {
  agent: A;
  strategy: StrategyName;
  note?: string;
  /** Scores one candidate of the tier; only set when an explanation was asked for. */
  score?: (c: A) => { score: number; reason: string };
}

/**
 * Chooses the agent for a request: filters candidates (model or alias, specialization,
 * capabilities, health tier, free slot) and lets the strategy pick. Synchronous and I/O free.
 *
 * Without `explain`, most decisions look at a few candidates only (round-robin cursor, random
 * pairs, the session's ring position, the prefix's cached agents); least-loaded scans once. The
 * full filter pass runs for explanations and whenever the quick look finds no healthy agent, so
 * the suspect fallback and the exact {@link NoAgentError} reason never depend on the shortcut.
 *
 * Pass the registry's `byModel(model)` / `candidatesFor(model, aliases)` arrays as candidates: the
 * selector caches its per-candidate-set lookups by array identity.
 */
export class AgentSelector {
  /** Strategy used when a request names none. */
  readonly defaultStrategy: StrategyName;

  private readonly random: () => number;
  private readonly ring: HashRing;
  private readonly sessions: LRUCache<string, string> | undefined;
  private readonly prefixes: PrefixIndex;
  private readonly loadMargin: number;
  private readonly rrCounters = new Map<string, number>();
  private readonly byIdCache = new WeakMap<
    readonly SelectableAgent[],
    Map<string, SelectableAgent>
  >();
  private tieBreak = 0;
  // Reused between calls (selection is synchronous) so the hot path allocates almost nothing.
  private readonly healthyScratch: SelectableAgent[] = [];
  private readonly suspectScratch: SelectableAgent[] = [];

  constructor(options: SelectorOptions = {}) {
    this.defaultStrategy = checkStrategy(options.strategy ?? 'least-loaded');
    this.random = options.random ?? Math.random;
    this.ring = new HashRing(options.session?.virtualNodes ?? 64);
    const maxSessions = options.session?.maxSessions ?? 100_000;
    if (!Number.isInteger(maxSessions) || maxSessions < 0) {
      throw new RangeError(`session.maxSessions must be an integer ≥ 0, got ${maxSessions}`);
    }
    this.sessions = maxSessions > 0 ? new LRUCache({ max: maxSessions }) : undefined;
    this.prefixes = new PrefixIndex(options.prefix);
    this.loadMargin = options.prefix?.loadMargin ?? 0.5;
    if (!(this.loadMargin >= 0)) {
      throw new RangeError(`prefix.loadMargin must be ≥ 0, got ${this.loadMargin}`);
    }
  }

  /**
   * Picks the agent for `request` among `candidates`. Throws {@link NoAgentError} when none can
   * take it (with the reason), TypeError/RangeError on a malformed request.
   */
  select<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
  ): Selection<A> {
    if (request === null || typeof request !== 'object') {
      throw new TypeError('request must be an object');
    }
    if (typeof request.model !== 'string' || request.model.length === 0) {
      throw new TypeError('request.model must be a non-empty string');
    }
    if (!Array.isArray(candidates)) throw new TypeError('candidates must be an array');
    const strategy =
      request.strategy === undefined ? this.defaultStrategy : checkStrategy(request.strategy);

    if (request.explain !== true) {
      const fast = this.fastPath(strategy, request, candidates);
      if (fast !== undefined) return fast;
    }

    const healthy = this.healthyScratch as A[];
    const suspect = this.suspectScratch as A[];
    const { model, aliases, specialization, capabilities } = request;
    let outModel = 0;
    let outSpecialization = 0;
    let outCapability = 0;
    let outHealth = 0;
    let outCapacity = 0;
    let healthyMatching = 0;
    let minHealthy: A | undefined;
    let minSuspect: A | undefined;
    try {
      for (let i = 0; i < candidates.length; i++) {
        const c = candidates[i];
        if (!serves(c, model, aliases)) {
          outModel++;
          continue;
        }
        if (specialization !== undefined && c.specialization !== specialization) {
          outSpecialization++;
          continue;
        }
        if (capabilities !== undefined && !hasAll(c, capabilities)) {
          outCapability++;
          continue;
        }
        const h = c.health;
        if (h !== 'healthy' && h !== 'suspect') {
          outHealth++;
          continue;
        }
        if (h === 'healthy') healthyMatching++;
        if (!(c.freeSlots > 0)) {
          outCapacity++;
          continue;
        }
        if (h === 'healthy') {
          healthy.push(c);
          if (minHealthy === undefined || c.load < minHealthy.load) minHealthy = c;
        } else {
          suspect.push(c);
          if (minSuspect === undefined || c.load < minSuspect.load) minSuspect = c;
        }
      }
      const healthyTier = healthyMatching > 0;
      const tier = healthyTier ? healthy : suspect;
      if (tier.length === 0) {
        const n = candidates.length;
        if (outModel === n) throw new NoAgentError('unknown-model', model);
        if (outModel + outSpecialization + outCapability === n) {
          throw new NoAgentError('unsupported', model);
        }
        if (outModel + outSpecialization + outCapability + outHealth === n) {
          throw new NoAgentError('unhealthy', model);
        }
        throw new NoAgentError('all-busy', model);
      }

      const explain = request.explain === true;
      const eligible: Eligible<A> = {
        tier,
        healthyTier,
        leastLoaded: (healthyTier ? minHealthy : minSuspect) as A,
      };
      let choice: Choice<A>;
      switch (strategy) {
        case 'round-robin':
          choice = this.roundRobin(eligible, request, candidates, explain);
          break;
        case 'least-loaded':
          choice = this.leastLoaded(eligible, explain);
          break;
        case 'latency':
          choice = this.latency(eligible, explain);
          break;
        case 'session':
          choice = this.session(eligible, request, candidates, explain);
          break;
        case 'prefix':
          choice = this.prefix(eligible, request, candidates, explain);
          break;
      }
      if (!explain) return { agent: choice.agent, strategy: choice.strategy };

      const filteredOut: Partial<Record<FilterReason, number>> = {};
      const skippedSuspects = healthyTier ? suspect.length : 0;
      if (outModel) filteredOut.model = outModel;
      if (outSpecialization) filteredOut.specialization = outSpecialization;
      if (outCapability) filteredOut.capability = outCapability;
      if (outHealth + skippedSuspects) filteredOut.health = outHealth + skippedSuspects;
      if (outCapacity) filteredOut.capacity = outCapacity;
      const score = choice.score;
      const scored: CandidateScore[] = new Array(tier.length);
      for (let i = 0; i < tier.length; i++) {
        const c = tier[i];
        const s = score?.(c);
        scored[i] = { id: c.id, score: s?.score ?? 0, reason: s?.reason ?? '' };
      }
      const explanation: SelectionExplanation = {
        agentId: choice.agent.id,
        strategy: choice.strategy,
        candidates: scored,
        filteredOut,
        healthTier: healthyTier ? 'healthy' : 'suspect',
        ...(choice.note !== undefined ? { note: choice.note } : {}),
      };
      return { agent: choice.agent, strategy: choice.strategy, explanation };
    } finally {
      // Drop references so the scratch arrays never keep agent views alive.
      healthy.length = 0;
      suspect.length = 0;
    }
  }

  /**
   * Remembers that `agentId` served `promptText`, for the `prefix` strategy. `select` already
   * records its own prefix decisions; call this when a request ended up elsewhere (e.g. a retry).
   */
  recordServed(agentId: string, promptText: string): void {
    if (typeof agentId !== 'string' || agentId.length === 0) {
      throw new TypeError('agentId must be a non-empty string');
    }
    if (typeof promptText !== 'string') throw new TypeError('promptText must be a string');
    this.prefixes.record(agentId, this.prefixes.path(promptText));
  }

  /** Forgets an agent that left the fleet: its sessions move to their ring neighbours. */
  forgetAgent(agentId: string): void {
    this.ring.remove([agentId]);
  }

  /** Forgets a session's stickiness (it will be placed by the hash ring again). */
  forgetSession(sessionId: string): void {
    this.sessions?.delete(sessionId);
  }

  // ---- fast paths ---------------------------------------------------------------------------
  //
  // Without an explanation, each strategy first tries to decide from a few healthy, eligible
  // agents without the full filter pass. Whatever it returns, the full pass would also accept (a
  // healthy agent with a free slot puts the decision in the healthy tier). When it cannot decide
  // (no healthy agent found, or an explanation asked for) the full pass runs and gives the exact
  // answer or the exact NoAgentError.

  private fastPath<A extends SelectableAgent>(
    strategy: StrategyName,
    request: SelectionRequest,
    candidates: readonly A[],
  ): Selection<A> | undefined {
    let agent: A | undefined;
    let used = strategy;
    switch (strategy) {
      case 'round-robin':
        agent = this.rotate(request.model, candidates, (c) => usable(c, request));
        break;
      case 'least-loaded':
        agent = this.fastLeastLoaded(request, candidates);
        break;
      case 'latency':
        agent = this.fastLatency(request, candidates);
        break;
      case 'session':
        if (typeof request.sessionId === 'string' && request.sessionId.length > 0) {
          agent = this.sessionPick(request, candidates, true)?.agent;
        } else {
          agent = this.fastLeastLoaded(request, candidates);
          used = 'least-loaded';
        }
        break;
      case 'prefix':
        if (typeof request.promptText === 'string' && request.promptText.length > 0) {
          agent = this.fastPrefix(request, candidates);
        } else {
          agent = this.fastLeastLoaded(request, candidates);
          used = 'least-loaded';
        }
        break;
    }
    return agent === undefined ? undefined : { agent, strategy: used };
  }

  /** One lean pass: the lowest load (then latency) among healthy eligible agents; ties rotate. */
  private fastLeastLoaded<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
  ): A | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const start = this.tieBreak++ % n;
    if (this.tieBreak >= 0x40000000) this.tieBreak = 0;
    let best: A | undefined;
    for (let k = 0; k < n; k++) {
      const c = candidates[start + k < n ? start + k : start + k - n];
      if (
        (best === undefined ||
          c.load < best.load ||
          (c.load === best.load && c.emaLatencyMs < best.emaLatencyMs)) &&
        usable(c, request)
      ) {
        best = c;
      }
    }
    return best;
  }

  /** Two distinct healthy eligible agents drawn at random (rejection sampling), the better wins. */
  private fastLatency<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
  ): A | undefined {
    const n = candidates.length;
    if (n < 2) return undefined;
    let a: A | undefined;
    let b: A | undefined;
    for (let tries = 0; tries < 16 && b === undefined; tries++) {
      const c = candidates[Math.min(n - 1, Math.floor(this.random() * n))];
      if (c === a || !usable(c, request)) continue;
      if (a === undefined) a = c;
      else b = c;
    }
    if (a === undefined || b === undefined) return undefined;
    return latencyScore(a, b) <= latencyScore(b, a) ? a : b;
  }

  /**
   * Longest cached prefix among healthy eligible agents. The least-loaded comparison needs a scan
   * only when the match carries more load than the margin (loads are ≥ 0, so below it no agent can
   * be lighter by more than the margin).
   */
  private fastPrefix<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
  ): A | undefined {
    const path = this.prefixes.path(request.promptText as string);
    const matched = this.prefixes.match(path);
    const byId = this.indexCandidates(candidates);
    let best: A | undefined;
    for (let d = matched.length; d >= 1 && best === undefined; d--) {
      const agents = matched[d - 1];
      for (let k = agents.length - 1; k >= 0; k--) {
        const c = byId.get(agents[k]);
        if (c !== undefined && usable(c, request) && (best === undefined || c.load < best.load)) {
          best = c;
        }
      }
    }
    let agent: A | undefined;
    if (best !== undefined && best.load >= 0 && best.load <= this.loadMargin) {
      agent = best;
    } else {
      const least = this.fastLeastLoaded(request, candidates);
      if (least === undefined) return undefined;
      agent = best !== undefined && best.load - least.load <= this.loadMargin ? best : least;
    }
    this.prefixes.record(agent.id, path, matched);
    return agent;
  }

  // ---- strategies ---------------------------------------------------------------------------

  /**
   * Round-robin over the candidate array with a cursor per model: the next accepted agent at or
   * after the cursor. Typically O(1); O(n) only when most candidates are ineligible.
   */
  private rotate<A extends SelectableAgent>(
    model: string,
    candidates: readonly A[],
    accept: (c: A) => boolean,
  ): A | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const start = (this.rrCounters.get(model) ?? 0) % n;
    for (let k = 0; k < n; k++) {
      const idx = start + k < n ? start + k : start + k - n;
      const c = candidates[idx];
      if (accept(c)) {
        this.rrCounters.set(model, idx + 1);
        return c;
      }
    }
    return undefined;
  }

  private roundRobin<A extends SelectableAgent>(
    { healthyTier }: Eligible<A>,
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> {
    const agent = this.rotate(
      request.model,
      candidates,
      (c) => c.freeSlots > 0 && qualifies(c, request, healthyTier),
    ) as A;
    const choice: Choice<A> = { agent, strategy: 'round-robin' };
    if (explain) {
      const n = candidates.length;
      const position = new Map<SelectableAgent, number>();
      candidates.forEach((c, i) => position.set(c, i));
      const at = position.get(agent) as number;
      choice.score = (c) => ({
        score: ((position.get(c) as number) - at + n) % n,
        reason: c === agent ? 'next in rotation' : 'later in rotation',
      });
    }
    return choice;
  }

  private leastLoaded<A extends SelectableAgent>(
    { tier }: Eligible<A>,
    explain: boolean,
    strategy: StrategyName = 'least-loaded',
  ): Choice<A> {
    const agent = this.leastLoadedOf(tier);
    const choice: Choice<A> = { agent, strategy };
    if (explain) {
      choice.score = (c) => ({ score: c.load, reason: `load ${round(c.load)}` });
    }
    return choice;
  }

  /** Lowest load, then lowest latency; ties rotate so equal agents share the work. */
  private leastLoadedOf<A extends SelectableAgent>(tier: readonly A[]): A {
    const n = tier.length;
    const start = this.tieBreak++ % n;
    if (this.tieBreak >= 0x40000000) this.tieBreak = 0;
    let best = tier[start];
    for (let k = 1; k < n; k++) {
      const c = tier[(start + k) % n];
      if (c.load < best.load || (c.load === best.load && c.emaLatencyMs < best.emaLatencyMs)) {
        best = c;
      }
    }
    return best;
  }

  /** Power of two choices: two random candidates, the lower EMA latency × (1 + load) wins. */
  private latency<A extends SelectableAgent>({ tier }: Eligible<A>, explain: boolean): Choice<A> {
    const n = tier.length;
    let agent = tier[0];
    let other: A | undefined;
    if (n > 1) {
      const i = Math.min(n - 1, Math.floor(this.random() * n));
      let j = Math.min(n - 2, Math.floor(this.random() * (n - 1)));
      if (j >= i) j++;
      const a = tier[i];
      const b = tier[j];
      agent = latencyScore(a, b) <= latencyScore(b, a) ? a : b;
      other = agent === a ? b : a;
    }
    const choice: Choice<A> = { agent, strategy: 'latency' };
    if (explain) {
      choice.score = (c) => {
        const peer = c === agent ? other : agent;
        const score = latencyScore(c, peer ?? c);
        const reason = c === agent ? 'sampled, won' : c === other ? 'sampled, lost' : 'not sampled';
        return {
          score,
          reason: `${reason} (ema ${round(c.emaLatencyMs)} ms, load ${round(c.load)})`,
        };
      };
    }
    return choice;
  }

  private session<A extends SelectableAgent>(
    eligible: Eligible<A>,
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> {
    const sessionId = request.sessionId;
    if (typeof sessionId !== 'string' || sessionId.length === 0) {
      const choice = this.leastLoaded(eligible, explain);
      choice.note = 'no session id: least-loaded';
      return choice;
    }
    // The tier has an agent with a free slot, so a home and a stand-in both exist.
    const { agent, home, note } = this.sessionPick(request, candidates, eligible.healthyTier) as {
      agent: A;
      home: A;
      note?: string;
    };
    const choice: Choice<A> = { agent, strategy: 'session', note };
    if (explain) {
      choice.score = (c) =>
        c === agent
          ? { score: 0, reason: c === home ? 'session home' : 'stand-in for busy home' }
          : { score: 1, reason: 'not this session' };
    }
    return choice;
  }

  /**
   * The session's home (remembered, else placed by the ring) among agents of the tier, ignoring
   * capacity; a full home lends the request to the next agent on the ring with a free slot.
   */
  private sessionPick<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
    healthyTier: boolean,
  ): { agent: A; home: A; note?: string } | undefined {
    const sessionId = request.sessionId as string;
    const byId = this.indexCandidates(candidates);
    const inTier = (c: SelectableAgent | undefined): c is A =>
      c !== undefined && qualifies(c, request, healthyTier);

    let home: A | undefined;
    const stickyId = this.sessions?.get(sessionId);
    if (stickyId !== undefined) {
      const c = byId.get(stickyId);
      if (inTier(c)) home = c;
    }
    let note: string | undefined;
    if (home === undefined) {
      home = byId.get(this.ring.walk(sessionId, (id) => inTier(byId.get(id))) as string);
      if (home === undefined) return undefined;
      this.sessions?.set(sessionId, home.id);
      note = stickyId === undefined ? 'placed by hash ring' : 'previous agent gone: re-placed';
    }
    if (home.freeSlots > 0) return { agent: home, home, note };
    // A busy home keeps the session: it serves elsewhere now and returns home when free.
    const agent = byId.get(
      this.ring.walk(sessionId, (id) => {
        const c = byId.get(id);
        return inTier(c) && c.freeSlots > 0;
      }) as string,
    );
    return agent === undefined
      ? undefined
      : { agent, home, note: `home ${home.id} busy: next on ring` };
  }

  private prefix<A extends SelectableAgent>(
    eligible: Eligible<A>,
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> {
    const text = request.promptText;
    if (typeof text !== 'string' || text.length === 0) {
      const choice = this.leastLoaded(eligible, explain);
      choice.note = 'no prompt text: least-loaded';
      return choice;
    }
    const path: PrefixPath = this.prefixes.path(text);
    const least = eligible.leastLoaded;
    const byId = this.indexCandidates(candidates);
    const matched = this.prefixes.match(path);
    let best: A | undefined;
    let bestDepth = 0;
    const depths = explain ? new Map<string, number>() : undefined;
    // Deepest first: the first depth with an eligible agent is the longest match.
    for (let d = matched.length; d >= 1 && best === undefined; d--) {
      const agents = matched[d - 1];
      for (let k = agents.length - 1; k >= 0; k--) {
        const c = byId.get(agents[k]);
        if (c === undefined || !(c.freeSlots > 0) || !qualifies(c, request, eligible.healthyTier)) {
          continue;
        }
        if (best === undefined || c.load < best.load) {
          best = c;
          bestDepth = d;
        }
      }
    }
    if (depths) {
      for (let d = 1; d <= matched.length; d++) for (const id of matched[d - 1]) depths.set(id, d);
    }
    let agent: A;
    let note: string;
    // Only the (rarer) fallbacks pay for a rotating scan, so new prefixes spread over idle agents.
    if (best === undefined) {
      agent = this.leastLoadedOf(eligible.tier);
      note = 'no cached prefix: least-loaded';
    } else if (best.load - least.load > this.loadMargin) {
      agent = this.leastLoadedOf(eligible.tier);
      note = `longest match ${best.id} (${bestDepth} chunks) too loaded: least-loaded`;
    } else {
      agent = best;
      note = `longest match: ${bestDepth} chunks`;
    }
    this.prefixes.record(agent.id, path, matched);
    const choice: Choice<A> = { agent, strategy: 'prefix', note };
    if (depths) {
      choice.score = (c) => {
        const d = depths.get(c.id) ?? 0;
        return { score: d, reason: `matched ${d} chunks, load ${round(c.load)}` };
      };
    }
    return choice;
  }

  /** id → candidate for this candidate array (cached by identity); keeps the ring in sync. */
  private indexCandidates<A extends SelectableAgent>(candidates: readonly A[]): Map<string, A> {
    let byId = this.byIdCache.get(candidates);
    if (byId === undefined) {
      byId = new Map();
      for (const c of candidates) byId.set(c.id, c);
      this.byIdCache.set(candidates, byId);
      this.ring.add(byId.keys());
    }
    return byId as Map<string, A>;
  }
}

function checkStrategy(strategy: StrategyName): StrategyName {
  if (!STRATEGIES.includes(strategy)) {
    throw new RangeError(`unknown strategy '${String(strategy)}' (have: ${STRATEGIES.join(', ')})`);
  }
  return strategy;
}

function serves(
  c: SelectableAgent,
  model: string,
  aliases: readonly string[] | undefined,
): boolean {
  const models = c.models;
  for (let i = 0; i < models.length; i++) {
    const m = models[i];
    if (m === model) return true;
    if (aliases !== undefined && aliases.includes(m)) return true;
  }
  return false;
}

function hasAll(c: SelectableAgent, required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) {
    if (!c.capabilities.includes(required[i])) return false;
  }
  return true;
}

/** Whether `c` passes every filter but capacity, in the given health tier. */
function qualifies(c: SelectableAgent, request: SelectionRequest, healthyTier: boolean): boolean {
  if (c.health !== (healthyTier ? 'healthy' : 'suspect')) return false;
  if (!serves(c, request.model, request.aliases)) return false;
  if (request.specialization !== undefined && c.specialization !== request.specialization) {
    return false;
  }
  return request.capabilities === undefined || hasAll(c, request.capabilities);
}

/** Healthy, with a free slot and matching the request: always in the decision's tier. */
function usable(c: SelectableAgent, request: SelectionRequest): boolean {
  return c.health === 'healthy' && c.freeSlots > 0 && qualifies(c, request, true);
}

/** EMA latency × (1 + load); an unknown latency (0) borrows the peer's so load decides. */
function latencyScore(c: SelectableAgent, peer: SelectableAgent): number {
  const latency =
    c.emaLatencyMs > 0 ? c.emaLatencyMs : peer.emaLatencyMs > 0 ? peer.emaLatencyMs : 1;
  return latency * (1 + c.load);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
