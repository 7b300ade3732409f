import { LRUCache } from 'lru-cache';
import { HashRing } from './hash.ring';
import { PrefixIndex } from './prefix.index';
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

/**
 * A strategy's choice. `note` and `score` are set only when an explanation was asked for, so
 * without one the choice is a plain {@link Selection} and is returned as it is.
 */
interface Choice<A extends SelectableAgent> {
  agent: A;
  strategy: StrategyName;
  note?: string;
  /** Scores one member of the tier, for the explanation. */
  score?: (c: A) => { score: number; reason: string };
}

/**
 * One strategy: picks among the candidates that {@link AgentSelector} `fits` (the current tier,
 * with a free slot, not excluded), or returns undefined when none fits. Each strategy is written
 * once: the same pick serves the quick healthy attempt, the suspect fallback and explanations.
 */
type Strategy = <A extends SelectableAgent>(
  request: SelectionRequest,
  candidates: readonly A[],
  explain: boolean,
) => Choice<A> | undefined;

/** Health tiers in the order they are tried. */
type Tier = 'healthy' | 'suspect';

/**
 * Chooses the agent for a request: filters candidates (model, specialization, capabilities,
 * health tier, free slot, `exclude`) and lets the strategy pick. Synchronous and I/O free.
 *
 * A strategy first picks among healthy agents without a filter pass: most decisions look at a
 * few candidates only (round-robin cursor, random pairs, the session's ring position, the
 * prefix's cached agents); least-loaded scans once. Only when no healthy agent fits, or for an
 * explanation, does the counting filter pass run: it finds the tier (healthy, else suspect) or
 * the exact {@link NoAgentError} reason, and the same strategy picks again in that tier.
 *
 * Pass the registry's `byModel(model)` arrays as candidates and leave out agents with
 * `request.exclude` rather than a filtered copy: the selector caches its per-candidate-set
 * lookups by array identity.
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
  private readonly strategies: Record<StrategyName, Strategy>;

  // The decision under way (selection is synchronous): read by `fits`/`inTier`, so strategies
  // test candidates without a closure allocated per call.
  private request: SelectionRequest | undefined;
  private tier: Tier = 'healthy';

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
    this.strategies = {
      'round-robin': (r, c, e) => this.roundRobin(r, c, e),
      'least-loaded': (_r, c, e) => this.leastLoaded(c, e),
      latency: (_r, c, e) => this.latency(c, e),
      session: (r, c, e) => this.session(r, c, e),
      prefix: (r, c, e) => this.prefix(r, c, e),
    };
  }

  /**
   * Picks the agent for `request` among `candidates`. Throws {@link NoAgentError} when none can
   * take it (with the reason; excluded agents count as absent), TypeError/RangeError on a
   * malformed request.
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
    const exclude = request.exclude;
    if (exclude !== undefined && (exclude === null || typeof exclude.has !== 'function')) {
      throw new TypeError('request.exclude must be a Set of agent ids');
    }
    if (!Array.isArray(candidates)) throw new TypeError('candidates must be an array');
    const strategy =
      request.strategy === undefined ? this.defaultStrategy : checkStrategy(request.strategy);
    const pick = this.strategies[strategy];
    const explain = request.explain === true;

    this.request = request;
    this.tier = 'healthy';
    try {
      if (!explain) {
        const quick = pick(request, candidates, false);
        if (quick !== undefined) return quick;
      }
      const counts = this.filterPass(request, candidates);
      this.tier = counts.healthyTier ? 'healthy' : 'suspect';
      // The filter pass found a fitting agent and every strategy finds one when one exists.
      const choice = pick(request, candidates, explain) as Choice<A>;
      if (!explain) return choice;
      return {
        agent: choice.agent,
        strategy: choice.strategy,
        explanation: this.explain(choice, candidates, counts),
      };
    } finally {
      // Drop the reference so the selector never keeps a request (and its prompt) alive.
      this.request = undefined;
    }
  }

  /** Forgets an agent that left the fleet: its sessions move to their ring neighbours. */
  forgetAgent(agentId: string): void {
    this.ring.remove([agentId]);
  }

  /** Forgets a session's stickiness (it will be placed by the hash ring again). */
  forgetSession(sessionId: string): void {
    this.sessions?.delete(sessionId);
  }

  // ---- filtering ----------------------------------------------------------------------------

  /** Whether `c` passes every filter but capacity, in the current tier. */
  private inTier(c: SelectableAgent): boolean {
    const request = this.request as SelectionRequest;
    return c.health === this.tier && matches(c, request) && !request.exclude?.has(c.id);
  }

  /** Whether `c` can take the request now: in the current tier, with a free slot. */
  private fits(c: SelectableAgent): boolean {
    return c.freeSlots > 0 && this.inTier(c);
  }

  /**
   * Counts why candidates drop out and finds the tier: healthy when any matching agent is
   * healthy (even if all are busy: a busy healthy fleet waits rather than using suspects), else
   * suspect. Throws the {@link NoAgentError} when the tier has no agent with a free slot.
   */
  private filterPass(request: SelectionRequest, candidates: readonly SelectableAgent[]): Counts {
    const { model, specialization, capabilities, exclude } = request;
    const counts: Counts = {
      excluded: 0,
      model: 0,
      specialization: 0,
      capability: 0,
      health: 0,
      capacity: 0,
      healthyTier: false,
      healthyFree: 0,
      suspectFree: 0,
    };
    let healthyMatching = 0;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i];
      if (exclude !== undefined && exclude.has(c.id)) counts.excluded++;
      else if (!c.models.includes(model)) counts.model++;
      else if (specialization !== undefined && c.specialization !== specialization) {
        counts.specialization++;
      } else if (capabilities !== undefined && !hasAll(c, capabilities)) counts.capability++;
      else if (c.health !== 'healthy' && c.health !== 'suspect') counts.health++;
      else {
        if (c.health === 'healthy') healthyMatching++;
        if (!(c.freeSlots > 0)) counts.capacity++;
        else if (c.health === 'healthy') counts.healthyFree++;
        else counts.suspectFree++;
      }
    }
    counts.healthyTier = healthyMatching > 0;
    if ((counts.healthyTier ? counts.healthyFree : counts.suspectFree) > 0) return counts;
    // Excluded agents count as absent: all of them excluded reads as an unknown model.
    const n = candidates.length - counts.excluded;
    const unsupported = counts.model + counts.specialization + counts.capability;
    if (counts.model === n) throw new NoAgentError('unknown-model', model);
    if (unsupported === n) throw new NoAgentError('unsupported', model);
    if (unsupported + counts.health === n) throw new NoAgentError('unhealthy', model);
    throw new NoAgentError('all-busy', model);
  }

  /** The explanation of `choice`: every member of the tier scored, and what was filtered out. */
  private explain<A extends SelectableAgent>(
    choice: Choice<A>,
    candidates: readonly A[],
    counts: Counts,
  ): SelectionExplanation {
    const filteredOut: Partial<Record<FilterReason, number>> = {};
    const skippedSuspects = counts.healthyTier ? counts.suspectFree : 0;
    if (counts.excluded) filteredOut.excluded = counts.excluded;
    if (counts.model) filteredOut.model = counts.model;
    if (counts.specialization) filteredOut.specialization = counts.specialization;
    if (counts.capability) filteredOut.capability = counts.capability;
    if (counts.health + skippedSuspects) filteredOut.health = counts.health + skippedSuspects;
    if (counts.capacity) filteredOut.capacity = counts.capacity;
    const scored: CandidateScore[] = [];
    for (const c of candidates) {
      if (!this.fits(c)) continue;
      const s = choice.score?.(c);
      scored.push({ id: c.id, score: s?.score ?? 0, reason: s?.reason ?? '' });
    }
    return {
      agentId: choice.agent.id,
      strategy: choice.strategy,
      candidates: scored,
      filteredOut,
      healthTier: this.tier,
      ...(choice.note !== undefined ? { note: choice.note } : {}),
    };
  }

  // ---- strategies ---------------------------------------------------------------------------

  /**
   * Round-robin over the candidate array with a cursor per model: the next fitting agent at or
   * after the cursor. Typically O(1); O(n) only when most candidates do not fit.
   */
  private roundRobin<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> | undefined {
    const n = candidates.length;
    const start = n === 0 ? 0 : (this.rrCounters.get(request.model) ?? 0) % n;
    for (let k = 0; k < n; k++) {
      const at = start + k < n ? start + k : start + k - n;
      const agent = candidates[at];
      if (!this.fits(agent)) continue;
      this.rrCounters.set(request.model, at + 1);
      const choice: Choice<A> = { agent, strategy: 'round-robin' };
      if (explain) {
        const position = new Map<SelectableAgent, number>();
        candidates.forEach((c, i) => position.set(c, i));
        choice.score = (c) => ({
          score: ((position.get(c) as number) - at + n) % n,
          reason: c === agent ? 'next in rotation' : 'later in rotation',
        });
      }
      return choice;
    }
    return undefined;
  }

  /** Lowest load, then lowest latency; the scan starts at a rotating index so ties share work. */
  private leastLoaded<A extends SelectableAgent>(
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> | undefined {
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
        this.fits(c)
      ) {
        best = c;
      }
    }
    if (best === undefined) return undefined;
    const choice: Choice<A> = { agent: best, strategy: 'least-loaded' };
    if (explain) choice.score = (c) => ({ score: c.load, reason: `load ${round(c.load)}` });
    return choice;
  }

  /**
   * Power of two choices: two distinct fitting agents drawn at random (rejection sampling), the
   * lower EMA latency × (1 + load) wins. When sampling keeps missing (few agents fit), a scan
   * from a random start supplies them.
   */
  private latency<A extends SelectableAgent>(
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    let a: A | undefined;
    let b: A | undefined;
    for (let tries = 0; tries < 16 && b === undefined; tries++) {
      const c = candidates[Math.min(n - 1, Math.floor(this.random() * n))];
      if (c === a || !this.fits(c)) continue;
      if (a === undefined) a = c;
      else b = c;
    }
    if (b === undefined) {
      const start = Math.min(n - 1, Math.floor(this.random() * n));
      for (let k = 0; k < n && b === undefined; k++) {
        const c = candidates[start + k < n ? start + k : start + k - n];
        if (c === a || !this.fits(c)) continue;
        if (a === undefined) a = c;
        else b = c;
      }
    }
    if (a === undefined) return undefined;
    const agent = b === undefined || latencyScore(a, b) <= latencyScore(b, a) ? a : b;
    const other = agent === a ? b : a;
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

  /**
   * The session's home (remembered, else placed by the ring) among agents of the tier, ignoring
   * capacity; a full home lends the request to the next fitting agent on the ring. Without a
   * session id: least-loaded.
   */
  private session<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> | undefined {
    const sessionId = request.sessionId;
    if (typeof sessionId !== 'string' || sessionId.length === 0) {
      return withNote(
        this.leastLoaded(candidates, explain),
        explain && 'no session id: least-loaded',
      );
    }
    const byId = this.indexCandidates(candidates);
    let home: A | undefined;
    const stickyId = this.sessions?.get(sessionId);
    if (stickyId !== undefined) {
      const c = byId.get(stickyId);
      if (c !== undefined && this.inTier(c)) home = c;
    }
    // Notes are built only for explanations: template strings would allocate on the hot path.
    let placed: string | undefined;
    if (home === undefined) {
      home = byId.get(
        this.ring.walk(sessionId, (id) => {
          const c = byId.get(id);
          return c !== undefined && this.inTier(c);
        }) as string,
      );
      if (home === undefined) return undefined;
      this.sessions?.set(sessionId, home.id);
      placed = stickyId === undefined ? 'placed by hash ring' : 'previous agent gone: re-placed';
    }
    let agent = home;
    if (!(home.freeSlots > 0)) {
      // A busy home keeps the session: it serves elsewhere now and returns home when free.
      const standIn = byId.get(
        this.ring.walk(sessionId, (id) => {
          const c = byId.get(id);
          return c !== undefined && this.fits(c);
        }) as string,
      );
      if (standIn === undefined) return undefined;
      agent = standIn;
    }
    const choice: Choice<A> = { agent, strategy: 'session' };
    if (explain) {
      const note = agent === home ? placed : `home ${home.id} busy: next on ring`;
      if (note !== undefined) choice.note = note;
      choice.score = (c) =>
        c === agent
          ? { score: 0, reason: c === home ? 'session home' : 'stand-in for busy home' }
          : { score: 1, reason: 'not this session' };
    }
    return choice;
  }

  /**
   * The fitting agent with the longest cached prefix of the prompt (lowest load among equals),
   * unless its load exceeds the least-loaded agent's by more than the margin; records the choice.
   * The least-loaded scan runs only when the match carries more load than the margin (loads are
   * ≥ 0, so below it no agent can be lighter by more than the margin). Without prompt text:
   * least-loaded.
   */
  private prefix<A extends SelectableAgent>(
    request: SelectionRequest,
    candidates: readonly A[],
    explain: boolean,
  ): Choice<A> | undefined {
    const text = request.promptText;
    if (typeof text !== 'string' || text.length === 0) {
      return withNote(
        this.leastLoaded(candidates, explain),
        explain && 'no prompt text: least-loaded',
      );
    }
    const path = this.prefixes.path(text);
    const matched = this.prefixes.match(path);
    const byId = this.indexCandidates(candidates);
    let best: A | undefined;
    let bestDepth = 0;
    // Deepest first: the first depth with a fitting agent is the longest match.
    for (let d = matched.length; d >= 1 && best === undefined; d--) {
      const agents = matched[d - 1];
      for (let k = agents.length - 1; k >= 0; k--) {
        const c = byId.get(agents[k]);
        if (c !== undefined && this.fits(c) && (best === undefined || c.load < best.load)) {
          best = c;
          bestDepth = d;
        }
      }
    }
    let agent: A;
    // Why (for the explanation only): the match won, none was cached, or it was too loaded.
    let outcome: 'match' | 'none' | 'too-loaded' = 'match';
    if (best !== undefined && best.load >= 0 && best.load <= this.loadMargin) {
      agent = best;
    } else {
      // Only the (rarer) fallbacks pay for a rotating scan, so new prefixes spread over idle agents.
      const least = this.leastLoaded(candidates, false);
      if (least === undefined) return undefined;
      if (best === undefined) {
        agent = least.agent;
        outcome = 'none';
      } else if (best.load - least.agent.load > this.loadMargin) {
        agent = least.agent;
        outcome = 'too-loaded';
      } else {
        agent = best;
      }
    }
    this.prefixes.record(agent.id, path, matched);
    const choice: Choice<A> = { agent, strategy: 'prefix' };
    if (explain) {
      choice.note =
        outcome === 'none'
          ? 'no cached prefix: least-loaded'
          : outcome === 'too-loaded'
            ? `longest match ${best?.id} (${bestDepth} chunks) too loaded: least-loaded`
            : `longest match: ${bestDepth} chunks`;
      const depths = new Map<string, number>();
      for (let d = 1; d <= matched.length; d++) for (const id of matched[d - 1]) depths.set(id, d);
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

/** What the filter pass found: drop-out counts per reason and the tier's free agents. */
interface Counts {
  excluded: number;
  model: number;
  specialization: number;
  capability: number;
  health: number;
  capacity: number;
  healthyTier: boolean;
  healthyFree: number;
  suspectFree: number;
}

function checkStrategy(strategy: StrategyName): StrategyName {
  if (!STRATEGIES.includes(strategy)) {
    throw new RangeError(`unknown strategy '${String(strategy)}' (have: ${STRATEGIES.join(', ')})`);
  }
  return strategy;
}

function hasAll(c: SelectableAgent, required: readonly string[]): boolean {
  for (let i = 0; i < required.length; i++) {
    if (!c.capabilities.includes(required[i])) return false;
  }
  return true;
}

/** Whether `c` serves the request's model, specialization and capabilities. */
function matches(c: SelectableAgent, request: SelectionRequest): boolean {
  if (!c.models.includes(request.model)) return false;
  if (request.specialization !== undefined && c.specialization !== request.specialization) {
    return false;
  }
  return request.capabilities === undefined || hasAll(c, request.capabilities);
}

/** Sets the note of an explained choice (`false` without an explanation: no note). */
function withNote<A extends SelectableAgent>(
  choice: Choice<A> | undefined,
  note: string | false,
): Choice<A> | undefined {
  if (choice !== undefined && note !== false) choice.note = note;
  return choice;
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
