import type { AgentHealth, AgentView, Specialization } from '@dds/registry';

/** How the selector picks among eligible agents. */
export type StrategyName = 'round-robin' | 'least-loaded' | 'latency' | 'session' | 'prefix';

/** Every {@link StrategyName}, for config validation. */
export const STRATEGIES: readonly StrategyName[] = [
  'round-robin',
  'least-loaded',
  'latency',
  'session',
  'prefix',
];

/**
 * What the selector reads of an agent: a subset of the registry's {@link AgentView}, so registry
 * views are candidates as they are.
 */
export type SelectableAgent = Pick<
  AgentView,
  | 'id'
  | 'models'
  | 'specialization'
  | 'capabilities'
  | 'health'
  | 'freeSlots'
  | 'load'
  | 'emaLatencyMs'
>;

/** A request's needs, as the caller derives them from the OpenAI request. */
export interface SelectionRequest {
  /** The model the client asked for. */
  readonly model: string;
  /** `vision` for image parts, `embedding` for embeddings; omitted = any specialization. */
  readonly specialization?: Specialization;
  /** Capabilities every chosen agent must have, e.g. `functions` (tools), `streaming`. */
  readonly capabilities?: readonly string[];
  /** `x-session-id`: the `session` strategy keeps a session on one agent. */
  readonly sessionId?: string;
  /** The prompt (or a prefix key standing for it) for the `prefix` strategy. */
  readonly promptText?: string;
  /** Overrides the configured strategy for this request. */
  readonly strategy?: StrategyName;
  /**
   * Agent ids that must not be chosen (e.g. the agents a retried request already failed on, or
   * whose breaker is open). Leaving them out here instead of filtering the candidate array keeps
   * the array's identity, which the selector's and the registry's caches are keyed by.
   */
  readonly exclude?: ReadonlySet<string>;
  /** Build a {@link SelectionExplanation} (costs allocations; off by default). */
  readonly explain?: boolean;
}

/** Why a candidate was not eligible. */
export type FilterReason =
  'excluded' | 'model' | 'specialization' | 'capability' | 'health' | 'capacity';

/** One eligible candidate as the strategy scored it (lower score = better unless stated). */
export interface CandidateScore {
  readonly id: string;
  readonly score: number;
  readonly reason: string;
}

/** A decision explained, for debugging (`?explain`, logs). */
export interface SelectionExplanation {
  readonly agentId: string;
  /** The strategy that decided (`prefix` may fall back to `least-loaded`: see `note`). */
  readonly strategy: StrategyName;
  readonly candidates: CandidateScore[];
  readonly filteredOut: Partial<Record<FilterReason, number>>;
  /** `suspect` when no healthy agent was eligible and a suspect one was used. */
  readonly healthTier: Extract<AgentHealth, 'healthy' | 'suspect'>;
  readonly note?: string;
}

/** The selector's answer. */
export interface Selection<A extends SelectableAgent = SelectableAgent> {
  readonly agent: A;
  readonly strategy: StrategyName;
  /** Present only when the request asked for it. */
  readonly explanation?: SelectionExplanation;
}

/** Selector settings. */
export interface SelectorOptions {
  /** Strategy when the request names none (default `least-loaded`). */
  readonly strategy?: StrategyName;
  /** Random source in [0, 1) for `latency` (power of two choices); default `Math.random`. */
  readonly random?: () => number;
  readonly session?: {
    /** Virtual nodes per agent on the hash ring (default 64). */
    readonly virtualNodes?: number;
    /** Sessions remembered for stickiness (LRU; default 100,000). 0 = ring only. */
    readonly maxSessions?: number;
  };
  readonly prefix?: {
    /** Characters per chunk of the prompt (default 64). */
    readonly chunkSize?: number;
    /** Chunks considered per prompt, bounding hashing cost (default 64). */
    readonly maxChunks?: number;
    /** Prefix nodes remembered (LRU; default 100,000). */
    readonly maxNodes?: number;
    /** Agents remembered per prefix node (default 4). */
    readonly maxAgentsPerNode?: number;
    /**
     * Prefer the longest-match agent unless its load exceeds the least-loaded candidate's by more
     * than this (load is busy+queued over slots; default 0.5).
     */
    readonly loadMargin?: number;
  };
}
