import { hostname as osHostname } from 'node:os';
import type { DomainParticipant, Reader, Sample, Topic, Writer } from '@dds/transport';
import { Subject, type Observable } from 'rxjs';
import { GatewayStatusType, type GatewayStatus } from '../generated/agent';
import { PROTOCOL_VERSION } from './model';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_MS,
  QOS,
  TOPICS,
  assertValidId,
  isValidId,
} from './topics';

/** What a gateway reports about its own load. */
export interface GatewayLoad {
  /** Requests running on agents. */
  readonly inFlight: number;
  /** Requests waiting for an agent. */
  readonly queued: number;
  /** Requests finished per second over the last interval. */
  readonly requestsPerSecond: number;
  /** Healthy agents this gateway sees. */
  readonly agents: number;
}

/** A gateway on the domain, as its last `gateway/status` sample described it. */
export interface GatewayPeer extends GatewayLoad {
  readonly gatewayId: string;
  readonly hostname: string;
  readonly version: string;
  readonly heartbeatMs: number;
  /** Wall-clock ms when its last status arrived (or was published, for this gateway). */
  readonly lastSeen: number;
  /** This gateway. */
  readonly self: boolean;
}

/** Options of {@link GatewayPresence}. */
export interface GatewayPresenceOptions {
  readonly participant: DomainParticipant;
  /** This gateway's id (a valid protocol id, as `FleetClient.gatewayId`). */
  readonly gatewayId: string;
  /** Read at every heartbeat: this gateway's load now. */
  readonly load: () => GatewayLoad;
  /** How often the status is published, ms (default 5,000: `agents.heartbeat_interval`). */
  readonly heartbeatMs?: number;
  /** Liveliness lease of the status writer, ms (default 30,000: `agents.timeout`). */
  readonly leaseMs?: number;
  readonly hostname?: string;
  readonly version?: string;
}

const MAX_TEXT = 1024;
const u32 = (n: number) =>
  Math.max(0, Math.min(0xffffffff, Math.round(Number.isFinite(n) ? n : 0)));

/**
 * `gateway/status`: gateways sharing a DDS domain announce themselves and their load, and learn
 * of each other. Same shape as an agent's registration: transient-local keep-last 1, so a new
 * gateway learns the others at once; a liveliness lease, so a killed gateway disappears; a clean
 * {@link close} disposes its instance, so it disappears at once.
 */
export class GatewayPresence {
  private readonly topic: Topic<GatewayStatus>;
  private readonly writer: Writer<GatewayStatus>;
  private readonly reader: Reader<GatewayStatus>;
  private readonly peersById = new Map<string, GatewayPeer>();
  private readonly byInstance = new Map<bigint, string>();
  private readonly subject = new Subject<GatewayPeer[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly heartbeatMs: number;
  private readonly hostname: string;
  private readonly version: string;
  private closed = false;

  /** The gateways on the domain (this one included) after each change. Completes on close. */
  readonly changes: Observable<GatewayPeer[]> = this.subject.asObservable();

  constructor(private readonly options: GatewayPresenceOptions) {
    if (!options || !options.participant)
      throw new TypeError('GatewayPresence needs a participant');
    assertValidId(options.gatewayId, 'gatewayId');
    if (typeof options.load !== 'function') throw new TypeError('load must be a function');
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (!(this.heartbeatMs >= 1))
      throw new RangeError(`heartbeatMs must be >= 1, got ${this.heartbeatMs}`);
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(leaseMs >= 1)) throw new RangeError(`leaseMs must be >= 1, got ${leaseMs}`);
    this.hostname = (options.hostname ?? osHostname()).slice(0, MAX_TEXT);
    this.version = (options.version ?? '').slice(0, MAX_TEXT);
    const participant = options.participant;
    this.topic = participant.createTopic(TOPICS.gatewayStatus, GatewayStatusType);
    // The registration profiles fit: transient-local keep-last 1, a lease on the writer, and no
    // autodispose, so a lost writer reads as "no writers" (expired), a close as "disposed".
    this.writer = participant.createWriter(this.topic, QOS.registerWriter(leaseMs));
    this.reader = participant.createReader(this.topic, QOS.registerReader());
    this.reader.on('data', () => this.onData());
    this.publish();
    this.onData();
    this.timer = setInterval(() => this.publish(), this.heartbeatMs);
    this.timer.unref();
  }

  /** The gateways on the domain now, this one included, by id. */
  peers(): GatewayPeer[] {
    return [...this.peersById.values()].sort((a, b) =>
      a.gatewayId < b.gatewayId ? -1 : a.gatewayId > b.gatewayId ? 1 : 0,
    );
  }

  /** Leaves: disposes this gateway's status (others see it gone at once) and closes the entities. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.writer.dispose(this.sample());
    } catch {
      // The participant may be closing underneath: the lease tells the others instead.
    }
    this.reader.close();
    this.writer.close();
    this.topic.close();
    this.subject.complete();
  }

  private sample(): GatewayStatus {
    let load: GatewayLoad;
    try {
      load = this.options.load();
    } catch {
      load = { inFlight: 0, queued: 0, requestsPerSecond: 0, agents: 0 };
    }
    return {
      gateway_id: this.options.gatewayId,
      protocol_version: PROTOCOL_VERSION,
      hostname: this.hostname,
      version: this.version,
      in_flight: u32(load.inFlight),
      queued: u32(load.queued),
      requests_per_second: Number.isFinite(load.requestsPerSecond)
        ? Math.max(0, load.requestsPerSecond)
        : 0,
      agents: u32(load.agents),
      heartbeat_ms: u32(this.heartbeatMs),
    };
  }

  private publish(): void {
    if (this.closed) return;
    this.writer.write(this.sample());
  }

  private onData(): void {
    if (this.closed) return;
    let changed = false;
    for (const s of this.reader.take()) changed = this.onSample(s) || changed;
    if (changed) this.subject.next(this.peers());
  }

  private onSample(s: Sample<GatewayStatus>): boolean {
    let changed = false;
    if (s.data) {
      const peer = decode(s.data, this.options.gatewayId);
      // Another participant's malformed sample is ignored, never trusted.
      if (peer) {
        this.byInstance.set(s.info.instanceHandle, peer.gatewayId);
        this.peersById.set(peer.gatewayId, peer);
        changed = true;
      }
    }
    if (s.info.instanceState !== 'alive') {
      const id =
        this.byInstance.get(s.info.instanceHandle) ??
        (typeof s.key.gateway_id === 'string' ? s.key.gateway_id : undefined);
      this.byInstance.delete(s.info.instanceHandle);
      if (id !== undefined && this.peersById.delete(id)) changed = true;
    }
    return changed;
  }
}

function decode(w: GatewayStatus, selfId: string): GatewayPeer | undefined {
  if (!isValidId(w.gateway_id)) return undefined;
  const numbers = [w.in_flight, w.queued, w.requests_per_second, w.agents, w.heartbeat_ms];
  if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0))
    return undefined;
  if (typeof w.hostname !== 'string' || typeof w.version !== 'string') return undefined;
  return {
    gatewayId: w.gateway_id,
    hostname: w.hostname.slice(0, MAX_TEXT),
    version: w.version.slice(0, MAX_TEXT),
    inFlight: w.in_flight,
    queued: w.queued,
    requestsPerSecond: w.requests_per_second,
    agents: w.agents,
    heartbeatMs: w.heartbeat_ms,
    lastSeen: Date.now(),
    self: w.gateway_id === selfId,
  };
}
