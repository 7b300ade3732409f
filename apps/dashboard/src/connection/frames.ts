/**
 * The gateway's WebSocket frames as the dashboard reads them (`/api/v1/ws`; the protocol is in the
 * README, "WebSocket protocol"). Only the fields the page uses are declared.
 */

/** An agent as `GET /api/v1/agents` and the `agents` channel list it. */
export interface AgentListing {
  readonly id: string;
  readonly specialization: string;
  readonly models: readonly string[];
  readonly health: string;
  readonly health_reason: string;
  readonly state: string;
  readonly capabilities: readonly string[];
  readonly slots: number;
  readonly slots_busy: number;
  readonly in_flight: number;
  readonly queue_depth: number;
  readonly load: number;
  readonly latency_ms: number;
  readonly tokens_per_second: number;
  readonly transport: string;
  readonly hostname: string;
  /** Wall-clock time of the last sign of life (ISO 8601). */
  readonly last_seen: string;
}

/** An agent's load as each `metrics` frame reports it. */
export interface AgentLoad {
  readonly id: string;
  readonly health: string;
  readonly state: string;
  readonly slots: number;
  readonly slots_busy: number;
  readonly queue_depth: number;
  readonly in_flight: number;
  readonly latency_ms: number;
  readonly tokens_per_second: number;
  readonly last_seen: string;
}

/** One second of the gateway's request path (`metrics` channel, 1 Hz). */
export interface MetricsFrame {
  readonly type: 'metrics';
  readonly gateway_id: string;
  /** Wall-clock end of the interval, ms since the epoch. */
  readonly at: number;
  readonly interval_ms: number;
  /** Requests finished in the interval, by HTTP status (`"200"`, `"429"`, ...; `"499"` = cancelled). */
  readonly requests: Readonly<Record<string, number>>;
  /** Time-to-first-token samples of the interval (ms; a bounded random sample when there are many). */
  readonly ttft_ms: readonly number[];
  /** Inter-token gap samples of the interval (ms; bounded random sample). */
  readonly itl_ms: readonly number[];
  /** Requests waiting for an agent now, by priority level (0 = highest). */
  readonly queue_depth: readonly number[];
  /** Requests running on agents now. */
  readonly in_flight: number;
  readonly agents: readonly AgentLoad[];
}

/** A candidate as the selector scored it. */
export interface CandidateScore {
  readonly id: string;
  readonly score: number;
  readonly reason: string;
}

/** The selector's explanation of one routing decision. */
export interface SelectionExplanation {
  readonly agentId: string;
  readonly strategy: string;
  readonly candidates: readonly CandidateScore[];
  readonly filteredOut: Readonly<Record<string, number>>;
  readonly healthTier: string;
  readonly note?: string;
}

/** How a request ended. */
export type RequestOutcome = 'completed' | 'retried' | 'resumed' | 'failed' | 'cancelled';

/** One sampled request (`requests` channel). */
export interface RequestRecord {
  readonly id: string;
  /** Wall-clock arrival, ms since the epoch. */
  readonly at: number;
  readonly endpoint: string;
  readonly model: string;
  /** The agent that served it (or the last one tried); `null` when none was assigned. */
  readonly agent: string | null;
  readonly strategy: string | null;
  readonly explanation: SelectionExplanation | null;
  readonly queue_ms: number | null;
  readonly ttft_ms: number | null;
  readonly duration_ms: number;
  readonly tokens: number | null;
  readonly attempts: number;
  readonly outcome: RequestOutcome;
  readonly status: number;
  readonly error: string | null;
}

/** A gateway on the DDS domain (`gateways` channel). */
export interface GatewayInfo {
  readonly id: string;
  readonly hostname: string;
  /** The gateway this page is connected to. */
  readonly self: boolean;
  readonly in_flight: number;
  readonly queued: number;
  readonly requests_per_second: number;
  readonly agents: number;
  readonly last_seen: string;
}

/** Frames the dashboard handles. */
export type ServerFrame =
  | { readonly type: 'subscribed'; readonly channel: 'agents'; readonly agents: AgentListing[] }
  | { readonly type: 'subscribed'; readonly channel: 'metrics'; readonly gateway_id: string }
  | {
      readonly type: 'subscribed';
      readonly channel: 'requests';
      readonly requests: RequestRecord[];
    }
  | {
      readonly type: 'subscribed';
      readonly channel: 'gateways';
      readonly gateways: GatewayInfo[];
    }
  | {
      readonly type: 'agents';
      readonly event: 'added' | 'updated' | 'health-changed' | 'removed';
      readonly agent: AgentListing;
      readonly from?: string;
      readonly to?: string;
      readonly reason?: string;
    }
  | MetricsFrame
  | { readonly type: 'request'; readonly request: RequestRecord }
  | { readonly type: 'gateways'; readonly gateways: GatewayInfo[] }
  | {
      readonly type: 'error';
      readonly id: string | null;
      readonly error: { readonly message: string; readonly code: string | null };
    };

/** The channels the dashboard subscribes to. */
export const CHANNELS = ['agents', 'metrics', 'requests', 'gateways'] as const;
export type Channel = (typeof CHANNELS)[number];
