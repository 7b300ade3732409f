import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  LogLimiter,
  type FleetClient,
  type FleetEvent,
  type ProtocolRequest,
  type ResponseEvent,
} from '@dds/protocol';
import type { AgentRegistry } from '@dds/registry';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { AGENT_REGISTRY, FLEET_CLIENT, GATEWAY_LOGGER } from '../app/core.tokens';
import type { AgentChannel, AgentTarget } from './agent-channel';
import type { DdsStatus } from './dds-status';

/**
 * The bridge between the DDS transport and the registry: every {@link FleetClient} event becomes
 * one registry input (the registry is the only record of the fleet, early statuses included),
 * and requests to DDS agents go out through the client.
 */
@Injectable()
export class DdsFleetService implements AgentChannel, DdsStatus, OnModuleInit, OnModuleDestroy {
  private subscription: Subscription | undefined;
  private registrySubscription: Subscription | undefined;
  private closed = false;
  private readonly logger: Logger;
  /** Peers choose how often these lines happen: a burst, then a summary of what was dropped. */
  private readonly peerFaults: LogLimiter;
  private readonly counts = new Map<
    string,
    { direction: 'in' | 'out'; topic: string; count: number }
  >();

  constructor(
    @Inject(FLEET_CLIENT) private readonly fleet: FleetClient,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(GATEWAY_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'dds-fleet', gatewayId: fleet.gatewayId });
    this.peerFaults = new LogLimiter((kind, suppressed) =>
      this.logger.warn(
        { kind, suppressed },
        `suppressed ${suppressed} similar log lines (${kind})`,
      ),
    );
  }

  onModuleInit(): void {
    // The first subscriber also gets what the client heard before (transient-local data).
    this.subscription = this.fleet.events.subscribe((ev) => this.onFleetEvent(ev));
    this.registrySubscription = this.registry.statusDropped$.subscribe((ev) => {
      if (this.peerFaults.allow('rejected agent/status')) {
        this.logger.warn(
          { agent: ev.agentId, topic: 'agent/status', kind: 'rejected agent/status' },
          `ignored a sample on agent/status: status for an agent that has not registered (${ev.reason})`,
        );
      }
    });
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
    this.registrySubscription?.unsubscribe();
    this.peerFaults.close();
  }

  up(): boolean {
    return !this.closed;
  }

  samples(): readonly { direction: 'in' | 'out'; topic: string; count: number }[] {
    return [...this.counts.values()];
  }

  private tally(direction: 'in' | 'out', topic: string): void {
    const key = `${direction}:${topic}`;
    const c = this.counts.get(key);
    if (c) c.count++;
    else this.counts.set(key, { direction, topic, count: 1 });
  }

  request(
    target: AgentTarget,
    req: ProtocolRequest,
    signal: AbortSignal,
  ): AsyncIterable<ResponseEvent> {
    this.tally('out', 'agent/request');
    return this.fleet.request(target.id, req, { signal });
  }

  lateResponses(): number {
    return this.fleet.lateResponses;
  }

  received(): void {
    this.tally('in', 'agent/response');
  }

  private onFleetEvent(ev: FleetEvent): void {
    try {
      switch (ev.type) {
        case 'registered':
        case 'updated':
          this.tally('in', 'agent/register');
          // AgentInfo is a registration plus protocol fields the registry ignores.
          this.registry.upsertRegistration({ ...ev.agent, transport: 'dds' });
          if (ev.type === 'registered') {
            this.logger.info({ agent: ev.agent.agentId, models: ev.agent.models }, 'agent joined');
          }
          break;
        case 'status':
          this.tally('in', 'agent/status');
          // Kept by the registry when it overtook its registration.
          this.registry.updateStatus(ev.status.agentId, ev.status);
          break;
        case 'reachable':
          this.registry.reachabilityChanged(ev.agentId, ev.reachable);
          break;
        case 'gone':
          // A lease that expired is lost liveliness first (offline, with that reason), then a
          // departure: the agent's instance is gone from the transport.
          if (ev.reason === 'lease-expired') this.registry.livelinessChanged(ev.agentId, false);
          this.registry.remove(ev.agentId, ev.reason === 'disposed' ? 'disposed' : 'expired');
          this.logger.info({ agent: ev.agentId, reason: ev.reason }, 'agent left');
          break;
        case 'incompatible':
          if (this.peerFaults.allow('incompatible')) {
            this.logger.warn(
              { agent: ev.agentId, protocolVersion: ev.protocolVersion, kind: 'incompatible' },
              ev.message,
            );
          }
          break;
        case 'rejected':
          if (this.peerFaults.allow(`rejected ${ev.topic}`)) {
            this.logger.warn(
              { agent: ev.agentId, topic: ev.topic, kind: `rejected ${ev.topic}` },
              `ignored a sample on ${ev.topic}: ${ev.reason}`,
            );
          }
          break;
      }
    } catch (err) {
      // A malformed announcement must not take the gateway down; the agent is just not used.
      if (this.peerFaults.allow('registry-refused')) {
        this.logger.warn(
          { err, event: ev.type, kind: 'registry-refused' },
          'ignored a fleet event the registry refused',
        );
      }
    }
  }
}
