import type { SelectionExplanation } from '@dds/selector';

/** How a request ended, as the `requests` channel reports it. */
export type RequestOutcome = 'completed' | 'retried' | 'resumed' | 'failed' | 'cancelled';

/** One sampled request on the `requests` channel. */
export interface RequestRecord {
  id: string;
  /** Wall-clock arrival, ms since the epoch. */
  at: number;
  endpoint: 'chat' | 'embedding';
  model: string;
  /** The agent that served it, or the last one tried; `null` when none was assigned. */
  agent: string | null;
  strategy: string | null;
  /** The selector's explanation of the (last) assignment. */
  explanation: SelectionExplanation | null;
  queue_ms: number | null;
  /** Arrival to first streamed output (streaming requests only). */
  ttft_ms: number | null;
  duration_ms: number;
  /** Completion tokens (from the agent's usage). */
  tokens: number | null;
  attempts: number;
  outcome: RequestOutcome;
  /** HTTP status the client got (499: the client went away or cancelled). */
  status: number;
  error: string | null;
}

/** An agent's load on the `metrics` channel. */
export interface AgentLoad {
  id: string;
  health: string;
  state: string;
  slots: number;
  slots_busy: number;
  queue_depth: number;
  in_flight: number;
  latency_ms: number;
  tokens_per_second: number;
  last_seen: string;
}

/** One interval of the request path on the `metrics` channel (1 Hz). */
export interface MetricsFrame {
  type: 'metrics';
  gateway_id: string;
  /** Wall-clock end of the interval, ms since the epoch. */
  at: number;
  interval_ms: number;
  /** Requests finished in the interval by HTTP status (499 = cancelled). */
  requests: Record<string, number>;
  /** TTFT samples of the interval, ms (a uniform random sample of at most {@link MAX_SAMPLES}). */
  ttft_ms: number[];
  /** Inter-token gaps of the interval, ms (same bound). */
  itl_ms: number[];
  /** Requests waiting for an agent, by priority level (0 = highest). */
  queue_depth: number[];
  /** Requests running on agents. */
  in_flight: number;
  agents: AgentLoad[];
}

/** Latency samples a `metrics` frame carries at most, per kind. */
export const MAX_SAMPLES = 256;

/** Sampled requests kept for a page that subscribes later. */
export const REQUEST_BACKLOG = 50;
