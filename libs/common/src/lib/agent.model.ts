/**
 * The agent model every layer shares: what an agent says about itself and the load it reports.
 * The protocol adds its wire facts (version, lease, heartbeat), the registry its own (transport,
 * health); the fields below exist once.
 */

/** What an agent is for: chat on text, chat with image inputs, or embeddings. */
export type Specialization = 'text' | 'vision' | 'embedding';
/** Every {@link Specialization}, for validation. */
export const SPECIALIZATIONS: readonly Specialization[] = ['text', 'vision', 'embedding'];

/** An agent's state as it reports it. */
export type AgentState = 'idle' | 'busy' | 'draining';
/** Every {@link AgentState}, for validation. */
export const AGENT_STATES: readonly AgentState[] = ['idle', 'busy', 'draining'];

/** What an agent announces about itself (on `agent/register`, or from an HTTP agent's config). */
export interface AgentDescription {
  readonly agentId: string;
  /** Model ids the agent serves; at least one. */
  readonly models: readonly string[];
  readonly specialization: Specialization;
  /** Free-form capability names, e.g. `streaming`, `functions`, `vision`, `continue`. */
  readonly capabilities: readonly string[];
  /** Concurrent requests the agent can run (integer ≥ 1). */
  readonly slots: number;
  /** Context window in tokens (integer ≥ 1). */
  readonly maxContextTokens: number;
  readonly version: string;
  readonly hostname: string;
  /** OpenAI-compatible base URL (e.g. `http://127.0.0.1:8101/v1`), absent when the agent has none. */
  readonly httpEndpoint?: string;
}

/** The load an agent reports (on `agent/status`, or an HTTP agent's probe). */
export interface AgentLoad {
  readonly state: AgentState;
  readonly slotsBusy: number;
  readonly slotsTotal: number;
  readonly queueDepth: number;
  /** The agent's own EMA of request latency, in ms (0 when it has none yet). */
  readonly emaLatencyMs: number;
  readonly tokensPerSecond: number;
}
