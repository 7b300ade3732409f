import { LRUCache } from 'lru-cache';
import type { Subscription } from 'rxjs';
import type { FleetClient } from './fleet-client';
import type { AgentSnapshot, AgentStatusInfo, FleetEvent } from './model';

/**
 * A table of the agents one {@link FleetClient} hears about (announcement and last status), for
 * tools and tests that watch a fleet without a registry. A gateway keeps its record of the fleet
 * in `@dds/registry` instead; the client itself keeps none.
 *
 * Create it right after the client: the client's first subscriber also gets the events from
 * before it subscribed (transient-local registrations), later ones do not.
 */
export class FleetView {
  private readonly agentsById = new Map<string, AgentSnapshot>();
  /** Statuses that overtook their registration (bounded and expiring: peers choose the ids). */
  private readonly early = new LRUCache<string, AgentStatusInfo>({ max: 1024, ttl: 30_000 });
  private readonly subscription: Subscription;

  constructor(client: FleetClient) {
    this.subscription = client.events.subscribe((ev) => this.apply(ev));
  }

  /** The agents registered, alive and protocol-compatible, in registration order. */
  agents(): AgentSnapshot[] {
    return [...this.agentsById.values()];
  }

  /** One registered agent, or undefined. */
  agent(agentId: string): AgentSnapshot | undefined {
    return this.agentsById.get(agentId);
  }

  /** Stops following the client. */
  close(): void {
    this.subscription.unsubscribe();
    this.agentsById.clear();
    this.early.clear();
  }

  private apply(ev: FleetEvent): void {
    switch (ev.type) {
      case 'registered':
      case 'updated': {
        const before = this.agentsById.get(ev.agent.agentId);
        const status = before?.status ?? this.early.get(ev.agent.agentId);
        this.early.delete(ev.agent.agentId);
        this.agentsById.set(
          ev.agent.agentId,
          status ? { info: ev.agent, status } : { info: ev.agent },
        );
        return;
      }
      case 'status': {
        const known = this.agentsById.get(ev.status.agentId);
        if (known) this.agentsById.set(ev.status.agentId, { info: known.info, status: ev.status });
        else this.early.set(ev.status.agentId, ev.status);
        return;
      }
      case 'gone':
        this.agentsById.delete(ev.agentId);
        this.early.delete(ev.agentId);
        return;
      default:
        return;
    }
  }
}
