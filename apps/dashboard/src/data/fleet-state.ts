import type { AgentListing, AgentLoad } from '../connection/frames';

/** Where a row is in its life on screen: joins and leaves are animated, then settle. */
export type RowPhase = 'entering' | 'present' | 'leaving';

/** One agent as the fleet table shows it. */
export interface FleetRow {
  readonly agent: AgentListing;
  readonly phase: RowPhase;
  /** Wall-clock ms of the agent's last sign of life (`NaN` when the gateway sent none). */
  readonly lastSeenAt: number;
}

interface Entry {
  agent: AgentListing;
  joinedAt: number;
  leftAt?: number;
}

/** How long joins and leaves stay marked, ms (the CSS animations last as long). */
export interface FleetTimings {
  readonly enterMs: number;
  readonly leaveMs: number;
}

const DEFAULT_TIMINGS: FleetTimings = { enterMs: 1500, leaveMs: 1500 };

/**
 * The fleet as the page knows it, from the `agents` channel (snapshot, then changes) and the
 * per-agent load in each `metrics` frame. A removed agent stays as a `leaving` row for
 * `leaveMs`, so its exit can be seen; an added one is `entering` for `enterMs`.
 */
export class FleetState {
  private readonly entries = new Map<string, Entry>();
  private seeded = false;

  constructor(private readonly timings: FleetTimings = DEFAULT_TIMINGS) {}

  /**
   * Replaces the fleet with a snapshot (`subscribed`). On the first snapshot nothing animates;
   * on a later one (a reconnect) agents that appeared enter and agents that vanished leave.
   */
  reset(agents: readonly AgentListing[], now: number): void {
    const seen = new Set<string>();
    for (const agent of agents) {
      seen.add(agent.id);
      const entry = this.entries.get(agent.id);
      if (entry && entry.leftAt === undefined) entry.agent = agent;
      else this.entries.set(agent.id, { agent, joinedAt: this.seeded ? now : -Infinity });
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id) && entry.leftAt === undefined) entry.leftAt = now;
    }
    this.seeded = true;
  }

  /** Applies one `agents` change. */
  apply(
    event: 'added' | 'updated' | 'health-changed' | 'removed',
    agent: AgentListing,
    now: number,
  ) {
    const entry = this.entries.get(agent.id);
    if (event === 'removed') {
      if (entry && entry.leftAt === undefined) {
        entry.agent = agent;
        entry.leftAt = now;
      }
      return;
    }
    if (!entry || entry.leftAt !== undefined) {
      this.entries.set(agent.id, { agent, joinedAt: now });
      return;
    }
    entry.agent = agent;
  }

  /** Refreshes load figures from a `metrics` frame; agents it does not list are left as they are. */
  applyLoad(loads: readonly AgentLoad[]): void {
    for (const load of loads) {
      const entry = this.entries.get(load.id);
      if (!entry || entry.leftAt !== undefined) continue;
      entry.agent = { ...entry.agent, ...load };
    }
  }

  /**
   * The rows to show at `now`, sorted by agent id, optionally only agents serving `model`.
   * Rows whose leave animation is over are dropped for good.
   */
  rows(now: number, model?: string): FleetRow[] {
    const rows: FleetRow[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.leftAt !== undefined && now - entry.leftAt >= this.timings.leaveMs) {
        this.entries.delete(id);
        continue;
      }
      if (model && !entry.agent.models.includes(model)) continue;
      const phase: RowPhase =
        entry.leftAt !== undefined
          ? 'leaving'
          : now - entry.joinedAt < this.timings.enterMs
            ? 'entering'
            : 'present';
      rows.push({ agent: entry.agent, phase, lastSeenAt: Date.parse(entry.agent.last_seen) });
    }
    return rows.sort((a, b) => (a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0));
  }

  /** Every model some present agent serves, sorted (for the model filter). */
  models(): string[] {
    const models = new Set<string>();
    for (const entry of this.entries.values()) {
      if (entry.leftAt === undefined) for (const m of entry.agent.models) models.add(m);
    }
    return [...models].sort();
  }

  /** Agents present (not leaving), by health. */
  countByHealth(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.entries.values()) {
      if (entry.leftAt !== undefined) continue;
      counts[entry.agent.health] = (counts[entry.agent.health] ?? 0) + 1;
    }
    return counts;
  }
}
