import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { GatewayPresence, type GatewayPeer } from '@dds/protocol';
import type { AgentRegistry } from '@dds/registry';
import type { Scheduler } from '@dds/scheduler';
import type { DomainParticipant } from '@dds/transport';
import { Subject, type Observer, type Subscription } from 'rxjs';
import {
  AGENT_REGISTRY,
  DDS_PARTICIPANT,
  GATEWAY_CONFIG,
  REQUEST_SCHEDULER,
} from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { RequestFeed } from './request-feed.service';

/** A gateway on the `gateways` channel. */
export interface GatewayInfo {
  id: string;
  hostname: string;
  self: boolean;
  in_flight: number;
  queued: number;
  requests_per_second: number;
  agents: number;
  last_seen: string;
}

/**
 * The gateways sharing this DDS domain and their load (`gateway/status`, `@dds/protocol`
 * {@link GatewayPresence}); this gateway publishes its own every heartbeat. Without DDS it lists
 * only itself.
 */
@Injectable()
export class GatewayDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  private presence: GatewayPresence | undefined;
  private readonly changes$ = new Subject<GatewayInfo[]>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<unknown, unknown>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly feed: RequestFeed,
    @Optional() @Inject(DDS_PARTICIPANT) private readonly participant?: DomainParticipant,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.participant) return;
    this.presence = new GatewayPresence({
      participant: this.participant,
      gatewayId: this.feed.gatewayId,
      heartbeatMs: this.config.agents.heartbeat_interval * 1000,
      leaseMs: this.config.agents.timeout * 1000,
      load: () => this.load(),
    });
    this.presence.changes.subscribe((peers) => this.changes$.next(peers.map(toInfo)));
  }

  onApplicationShutdown(): void {
    this.presence?.close();
    this.changes$.complete();
  }

  /** The gateways now, this one first. */
  list(): GatewayInfo[] {
    const peers = this.presence?.peers() ?? [];
    if (peers.some((p) => p.self)) return peers.map(toInfo).sort((a, b) => +b.self - +a.self);
    const load = this.load();
    const self: GatewayInfo = {
      id: this.feed.gatewayId,
      hostname: hostname(),
      self: true,
      in_flight: load.inFlight,
      queued: load.queued,
      requests_per_second: load.requestsPerSecond,
      agents: load.agents,
      last_seen: new Date().toISOString(),
    };
    return [self, ...peers.map(toInfo)];
  }

  /** Each change of the list (a gateway's status, arrival or departure). */
  changes(observer: Partial<Observer<GatewayInfo[]>>): Subscription {
    return this.changes$.subscribe(observer);
  }

  private load() {
    return {
      inFlight: this.scheduler.totalInFlight,
      queued: this.scheduler.queued,
      requestsPerSecond: this.feed.requestsPerSecond,
      agents: this.registry.list().filter((a) => a.health === 'healthy').length,
    };
  }
}

function toInfo(p: GatewayPeer): GatewayInfo {
  return {
    id: p.gatewayId,
    hostname: p.hostname,
    self: p.self,
    in_flight: p.inFlight,
    queued: p.queued,
    requests_per_second: p.requestsPerSecond,
    agents: p.agents,
    last_seen: new Date(p.lastSeen).toISOString(),
  };
}
