import type { AgentDescription, AgentLoad, AgentState, Clock, Specialization } from '@dds/common';

export { SPECIALIZATIONS } from '@dds/common';
export type { AgentState, Specialization } from '@dds/common';

/** How the gateway reaches an agent. */
export type AgentTransport = 'dds' | 'http';

/**
 * The registry's verdict on an agent:
 * - `healthy`: heard from recently;
 * - `suspect`: a heartbeat (or DDS deadline, or HTTP probe) was missed; usable only when nothing is healthy;
 * - `offline`: silent for `agents.timeout`, or its DDS liveliness was lost; never selected;
 * - `draining`: the agent asked for no new work; never selected.
 */
export type AgentHealth = 'healthy' | 'suspect' | 'offline' | 'draining';

/** An agent's announcement (from `agent/register`, or an HTTP agent from configuration). */
export interface AgentRegistration extends AgentDescription {
  /** How the gateway reaches it; an `http` agent needs its `httpEndpoint`. */
  readonly transport: AgentTransport;
}

/** An agent's load report (from `agent/status`). */
export type AgentStatusReport = AgentLoad;

/**
 * The registry's view of one agent. Views are the registry's live records, typed read-only so that
 * queries stay allocation-free at 1,000 agents: read them now, copy what you need to keep.
 */
export interface AgentView {
  readonly id: string;
  readonly models: readonly string[];
  readonly specialization: Specialization;
  readonly capabilities: readonly string[];
  readonly slots: number;
  readonly maxContextTokens: number;
  readonly version: string;
  readonly hostname: string;
  readonly httpEndpoint: string | undefined;
  readonly transport: AgentTransport;

  readonly health: AgentHealth;
  /** Why the agent has its current health (e.g. `heartbeat-missed`, `liveliness-lost`). */
  readonly healthReason: string;
  /** Last reported state (`idle` until the first status). */
  readonly state: AgentState;
  /** DDS liveliness as last reported (`true` for HTTP agents). */
  readonly alive: boolean;
  /**
   * A request sent now can reach the agent: its DDS request reader is matched by this gateway's
   * transport (always `true` for HTTP agents). Decide with this instead of asking the transport.
   */
  readonly reachable: boolean;

  /** Slots busy as last reported by the agent. */
  readonly slotsBusy: number;
  /** Slot count as last reported (the registration's `slots` until the first status). */
  readonly slotsTotal: number;
  readonly queueDepth: number;
  /** Requests this gateway has dispatched to the agent and not yet released. */
  readonly inFlight: number;
  /**
   * Free slots as this gateway estimates them: the last report, corrected by what this gateway
   * acquired or released since.
   */
  readonly freeSlots: number;
  /** (estimated busy slots + queue depth) / slots total: 0 idle, 1 full, above 1 queueing. */
  readonly load: number;

  /** EMA of latency (ms), fed by the agent's reports and this gateway's observations. 0 = unknown. */
  readonly emaLatencyMs: number;
  readonly tokensPerSecond: number;

  /** Clock time (ms) of the registration. */
  readonly registeredAt: number;
  /** Clock time (ms) of the last sign of life (registration, status, liveliness, successful probe). */
  readonly lastSeen: number;
}

/** Why an agent left the registry. */
export type RemovalReason = 'disposed' | 'expired' | 'admin' | (string & {});

/** A change in the fleet. The scheduler dispatches from `capacity-freed`. */
export type RegistryEvent =
  | { readonly type: 'added'; readonly agent: AgentView }
  | {
      readonly type: 'updated';
      readonly agent: AgentView;
      /** `registration`: re-announced (models, slots...); `status`: a load report. */
      readonly cause: 'registration' | 'status';
    }
  | {
      readonly type: 'health-changed';
      readonly agent: AgentView;
      readonly from: AgentHealth;
      readonly to: AgentHealth;
      readonly reason: string;
    }
  | { readonly type: 'removed'; readonly agent: AgentView; readonly reason: RemovalReason }
  | {
      /** The agent may take more work now (slot released, better report, back to healthy, new agent). */
      readonly type: 'capacity-freed';
      readonly agent: AgentView;
      readonly freeSlots: number;
    };

/**
 * A status of an agent that never registered, dropped unused: evicted by newer ones
 * (`maxPendingStatus`) or kept too long (`pendingStatusTtlMs`). Peers choose these ids, so a
 * consumer that logs them should rate-limit.
 */
export interface StatusDropped {
  readonly agentId: string;
  readonly reason: 'evicted' | 'expired';
}

/** One entry of the OpenAI `/models` list. */
export interface ModelEntry {
  readonly id: string;
  readonly object: 'model';
  /** Unix seconds when the registry first saw an agent serving it. */
  readonly created: number;
  readonly owned_by: string;
}

/** The OpenAI `/models` response body. */
export interface ModelList {
  readonly object: 'list';
  readonly data: ModelEntry[];
}

/** Registry settings; times in ms. See {@link registryOptionsFromConfig} for the seed's config keys. */
export interface RegistryOptions {
  /** Time source and timers (default: the system clock). */
  readonly clock?: Clock;
  /** `agents.heartbeat_interval` in ms (default 5,000). */
  readonly heartbeatIntervalMs?: number;
  /** `agents.timeout` in ms (default 30,000): silent this long → `offline`. */
  readonly timeoutMs?: number;
  /** Silent this long → `suspect` (default 1.5 × heartbeat interval: one heartbeat missed, with grace). */
  readonly suspectAfterMs?: number;
  /** Offline this long → removed with reason `expired` (default 10 × timeout). */
  readonly evictOfflineAfterMs?: number;
  /** Consecutive failed probes that make an HTTP agent `offline` (default 3; the first makes it `suspect`). */
  readonly probeFailuresToOffline?: number;
  /** Weight of a new latency sample in the EMA, in (0, 1] (default 0.3). */
  readonly latencyAlpha?: number;
  /** Most statuses kept for agents that have not registered yet (default 1,024; oldest dropped). */
  readonly maxPendingStatus?: number;
  /** How long such a status is kept, ms (default 30,000). */
  readonly pendingStatusTtlMs?: number;
  /** `owned_by` in the models list (default `dds-llm`). */
  readonly ownedBy?: string;
  /** Wall-clock time in ms for the models list's `created` (default `Date.now`). */
  readonly wallClockMs?: () => number;
}
