import type {
  DomainParticipant,
  Publisher,
  Reader,
  Sample,
  Subscriber,
  Topic,
  Writer,
} from '@dds/transport';
import {
  GatewayStatusType,
  type AgentRegistration,
  type AgentRequest,
  type AgentResponse,
  type AgentStatus,
  type GatewayStatus,
} from '../generated/agent';
import {
  decodeRequest,
  deltaSample,
  encodeRegistration,
  encodeStatus,
  errorSample,
  finalSample,
  requestReplyAddress,
  type ErrorData,
  type FinalData,
} from './codec';
import {
  PROTOCOL_VERSION,
  type AgentInfo,
  type AgentStatusInfo,
  type IncomingRequest,
  type ToolCallDelta,
} from './model';
import { ProtocolError } from './protocol-error';
import { createProtocolTopics, type ProtocolTopics } from './protocol-topics';
import {
  agentPartition,
  assertValidId,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_MS,
  gatewayPartition,
  isValidId,
  QOS,
  TOPICS,
} from './topics';

/** Options of {@link AgentEndpoint}. */
export interface AgentEndpointOptions {
  readonly participant: DomainParticipant;
  /** What the agent announces; `protocolVersion` defaults to this library's, `leaseMs` to 30 s. */
  readonly info: Omit<AgentInfo, 'protocolVersion' | 'leaseMs'> & {
    readonly protocolVersion?: number;
    readonly leaseMs?: number;
  };
  /** Status heartbeat period (`agents.heartbeat_interval`). Default 5000 ms. */
  readonly heartbeatMs?: number;
  /** Minimum gap between two change-driven status samples. Default 100 ms. */
  readonly statusMinIntervalMs?: number;
  /** How long to wait for a gateway's response reader to be discovered. Default 5000 ms. */
  readonly replyMatchTimeoutMs?: number;
}

/** The status fields an agent reports (the endpoint adds id and heartbeat). */
export type StatusFields = Omit<AgentStatusInfo, 'agentId' | 'heartbeatMs'>;

/**
 * One request being answered. Emits ordered, gap-free response samples to the gateway that
 * asked; exactly one of `final`/`error` ends it (later calls are ignored).
 */
export interface ResponseStream {
  readonly request: IncomingRequest;
  /** Aborted when the gateway cancels (disposes the request) or leaves. */
  readonly signal: AbortSignal;
  readonly finished: boolean;
  delta(text: string, toolCalls?: readonly ToolCallDelta[]): void;
  final(data: FinalData, text?: string): void;
  error(data: ErrorData): void;
}

/** Handler of incoming requests; it owns `stream` and must end it. */
export type RequestHandler = (stream: ResponseStream) => void;

interface ReplyChannel {
  publisher: Publisher;
  writer: Writer<AgentResponse>;
  ready: Promise<boolean>;
  matched: boolean;
}

/**
 * The agent side of the protocol, without any serving policy: announces the agent (register +
 * status heartbeat), receives the requests addressed to it (only its own partition), decodes
 * and validates them (bad ones are answered with an `error` response by the endpoint itself),
 * relays cancels, and writes responses. `@dds/agent` adds slots, queueing and engines on top.
 */
export class AgentEndpoint {
  private current: AgentInfo;
  private readonly participant: DomainParticipant;
  private readonly topics: ProtocolTopics;
  private registerWriter?: Writer<AgentRegistration>;
  private statusWriter?: Writer<AgentStatus>;
  private requestSubscriber?: Subscriber;
  private requestReader?: Reader<AgentRequest>;
  private gatewayTopic?: Topic<GatewayStatus>;
  private gatewayReader?: Reader<GatewayStatus>;
  /** `gateway/status` instances -> gateway ids, to know who a not-alive instance was. */
  private readonly gateways = new Map<bigint, string>();
  private readonly replies = new Map<string, ReplyChannel>();
  private readonly active = new Map<string, Active>();
  private readonly heartbeatMs: number;
  private readonly statusMinIntervalMs: number;
  private readonly replyMatchTimeoutMs: number;
  private status: StatusFields;
  private lastStatusAt = 0;
  private statusTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private handler: RequestHandler = (s) =>
    s.error({ code: 'engine_error', message: 'agent has no request handler', retryable: true });
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(options: AgentEndpointOptions) {
    if (!options || !options.participant) throw new TypeError('AgentEndpoint needs a participant');
    const i = options.info;
    assertValidId(i.agentId, 'agentId');
    this.current = {
      ...i,
      protocolVersion: i.protocolVersion ?? PROTOCOL_VERSION,
      leaseMs: i.leaseMs ?? DEFAULT_LEASE_MS,
    };
    this.participant = options.participant;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.statusMinIntervalMs = options.statusMinIntervalMs ?? 100;
    this.replyMatchTimeoutMs = options.replyMatchTimeoutMs ?? 5000;
    this.status = {
      state: 'idle',
      slotsBusy: 0,
      slotsTotal: i.slots,
      queueDepth: 0,
      emaLatencyMs: 0,
      tokensPerSecond: 0,
    };
    this.topics = createProtocolTopics(this.participant);
  }

  /** What the agent currently announces. */
  get info(): AgentInfo {
    return this.current;
  }

  /**
   * Changes what the agent announces (e.g. models loaded or unloaded, slots resized) and
   * republishes the registration: gateways see an `updated` event. The id, protocol version
   * and lease cannot change (the lease is the writer's QoS).
   */
  updateInfo(changes: Partial<Omit<AgentInfo, 'agentId' | 'protocolVersion' | 'leaseMs'>>): void {
    if (this.state === 'stopped') throw new Error('AgentEndpoint is stopped');
    const {
      agentId: _a,
      protocolVersion: _p,
      leaseMs: _l,
      ...allowed
    } = changes as Partial<AgentInfo>;
    this.current = { ...this.current, ...allowed };
    if (this.state === 'started') this.registerWriter?.write(encodeRegistration(this.current));
  }

  /** Sets the handler that receives every valid request addressed to this agent. */
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  /** Starts reading requests, then registers and starts the status heartbeat. */
  start(): void {
    if (this.state !== 'new') throw new Error(`AgentEndpoint already ${this.state}`);
    this.state = 'started';
    this.requestSubscriber = this.participant.createSubscriber({
      partitions: [agentPartition(this.info.agentId)],
    });
    this.requestReader = this.requestSubscriber.createReader(this.topics.request, QOS.request());
    this.requestReader.on('data', () => this.onRequests());
    // A gateway that dies (its gateway/status lease expires) or closes never cancels what it
    // asked: its requests are cancelled here, freeing their slots.
    try {
      this.gatewayTopic = this.participant.createTopic(TOPICS.gatewayStatus, GatewayStatusType);
      this.gatewayReader = this.participant.createReader(this.gatewayTopic, QOS.registerReader());
      this.gatewayReader.on('data', () => this.onGateways());
    } catch {
      // Not permitted (DDS Security permissions issued before agents read gateway/status): the
      // agent still serves; a dead gateway's requests then end with the participant lease.
      this.gatewayTopic?.close();
      this.gatewayTopic = undefined;
    }
    this.statusWriter = this.participant.createWriter(this.topics.status, QOS.status());
    this.registerWriter = this.participant.createWriter(
      this.topics.register,
      QOS.registerWriter(this.info.leaseMs),
    );
    this.registerWriter.write(encodeRegistration(this.info));
    this.publishStatus();
    this.heartbeat = setInterval(() => this.publishStatus(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Updates the reported status; published at once unless rate-limited (then shortly). */
  setStatus(fields: Partial<StatusFields>): void {
    const next = { ...this.status, ...fields };
    const s = this.status;
    this.status = next;
    if (
      this.state !== 'started' ||
      (s.state === next.state &&
        s.slotsBusy === next.slotsBusy &&
        s.slotsTotal === next.slotsTotal &&
        s.queueDepth === next.queueDepth)
    ) {
      return; // Latency and rate changes ride on the next heartbeat.
    }
    const wait = this.lastStatusAt + this.statusMinIntervalMs - Date.now();
    if (wait <= 0) this.publishStatus();
    else if (!this.statusTimer) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = undefined;
        this.publishStatus();
      }, wait);
    }
  }

  /** Requests received and not yet finished. */
  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Leaves the fleet: the registration is disposed (gateways see the agent gone at once), open
   * requests are failed as retryable, responses already written are given up to `flushMs` to be
   * acknowledged (a deleted writer drops what it has not delivered), then entities are closed.
   * Idempotent.
   */
  async stop(flushMs = 1000): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarted = this.state === 'started';
    this.state = 'stopped';
    clearInterval(this.heartbeat);
    clearTimeout(this.statusTimer);
    this.requestSubscriber?.close();
    this.gatewayReader?.close();
    this.gatewayTopic?.close();
    if (wasStarted) {
      for (const a of [...this.active.values()]) {
        a.error({ code: 'agent_gone', message: 'agent stopped', retryable: !a.started });
      }
      // Responses first: a gateway that sees the registration disposed gives up on the agent.
      await Promise.all(
        [...this.replies.values()].map((r) =>
          r.writer.waitForAcks(flushMs).catch(() => {
            // Unacknowledged after flushMs (gateway gone or stalled): leave regardless.
          }),
        ),
      );
      try {
        this.registerWriter?.dispose(encodeRegistration(this.info));
        await this.registerWriter?.waitForAcks(flushMs);
      } catch {
        // Closing below unregisters anyway; the lease covers the rest.
      }
    }
    this.registerWriter?.close();
    this.statusWriter?.close();
    for (const r of this.replies.values()) r.publisher.close();
    this.replies.clear();
    this.topics.close();
  }

  // -------------------------------------------------------------------------------------------

  private publishStatus(): void {
    if (this.state !== 'started' || !this.statusWriter) return;
    // This sample carries the latest fields: a deferred change-driven one is redundant now.
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.lastStatusAt = Date.now();
    try {
      this.statusWriter.write(
        encodeStatus({ agentId: this.info.agentId, heartbeatMs: this.heartbeatMs, ...this.status }),
      );
    } catch {
      // A status lost to a full queue is repaired by the next heartbeat.
    }
  }

  private onGateways(): void {
    const reader = this.gatewayReader;
    if (!reader || this.state !== 'started') return;
    for (const s of reader.take()) {
      const id = s.data?.gateway_id;
      if (typeof id === 'string' && isValidId(id)) this.gateways.set(s.info.instanceHandle, id);
      if (s.info.instanceState === 'alive') continue;
      const gone = this.gateways.get(s.info.instanceHandle);
      this.gateways.delete(s.info.instanceHandle);
      if (gone === undefined) continue;
      for (const a of [...this.active.values()]) {
        if (a.replyTo === gone) a.cancel(`gateway ${gone} is gone`);
      }
    }
  }

  private onRequests(): void {
    const reader = this.requestReader;
    if (!reader || this.state !== 'started') return;
    for (;;) {
      const batch = reader.take(256);
      if (batch.length === 0) return;
      for (const s of batch) this.onRequestSample(s);
    }
  }

  private onRequestSample(s: Sample<AgentRequest>): void {
    const d = s.data;
    if (!d) {
      if (s.info.instanceState !== 'alive') {
        const id = typeof s.key.request_id === 'string' ? s.key.request_id : undefined;
        if (id !== undefined) this.active.get(id)?.cancel('cancelled by the gateway');
      }
      return;
    }
    if (s.info.instanceState !== 'alive') return; // Sent and cancelled before we saw it.
    if (this.active.has(d.request_id)) return; // A duplicate id must not share a history.
    let req: IncomingRequest;
    try {
      req = decodeRequest(d);
      if (req.agentId !== this.info.agentId) {
        throw new ProtocolError(
          'invalid_field',
          `request for agent ${req.agentId} reached ${this.info.agentId}`,
        );
      }
    } catch (e) {
      const addr = requestReplyAddress(d);
      if (!addr) return; // Nobody to answer: dropped.
      const err = e as ProtocolError;
      const a = new Active(this, addr.requestId, addr.replyTo, undefined);
      a.error({
        code: err.code ?? 'invalid_field',
        message: err.message,
        retryable: false,
      });
      return;
    }
    const a = new Active(this, req.requestId, req.replyTo, req);
    this.active.set(req.requestId, a);
    try {
      this.handler(a);
    } catch (e) {
      a.error({ code: 'engine_error', message: (e as Error).message, retryable: true });
    }
  }

  /** @internal */
  reply(replyTo: string): ReplyChannel {
    const r = this.replies.get(replyTo);
    if (r) return r;
    const pub = this.participant.createPublisher({ partitions: [gatewayPartition(replyTo)] });
    const writer = pub.createWriter(this.topics.response, QOS.response());
    const channel: ReplyChannel = {
      publisher: pub,
      writer,
      matched: false,
      ready: writer.waitForMatch({ timeoutMs: this.replyMatchTimeoutMs }).then(
        () => (channel.matched = true),
        () => {
          // The gateway is gone or unreachable: forget the writer so a later request retries.
          this.replies.delete(replyTo);
          pub.close();
          return false;
        },
      ),
    };
    writer.on('publication-matched', (st) => {
      if (st.currentCount > 0 || !channel.matched) return;
      // The gateway left: free its writer (outside this callback). Requests still answering it
      // fail their next write and stop, which is what a vanished gateway needs anyway.
      setImmediate(() => {
        if (this.replies.get(replyTo) !== channel || writer.matchedCount() > 0) return;
        this.replies.delete(replyTo);
        pub.close();
      });
    });
    this.replies.set(replyTo, channel);
    return channel;
  }

  /** @internal */
  done(requestId: string): void {
    this.active.delete(requestId);
  }

  /** @internal */
  get agentId(): string {
    return this.info.agentId;
  }
}

/** One request being answered (the {@link ResponseStream} given to handlers). */
class Active implements ResponseStream {
  private readonly controller = new AbortController();
  private seq = 0;
  private ended = false;
  /** Samples written before the reply channel matched, flushed in order once it does. */
  private backlog: AgentResponse[] | undefined;
  private readonly channel: ReplyChannel;
  started = false;

  constructor(
    private readonly endpoint: AgentEndpoint,
    private readonly requestId: string,
    /** The gateway that asked. */
    readonly replyTo: string,
    private readonly req: IncomingRequest | undefined,
  ) {
    this.channel = endpoint.reply(replyTo);
    if (!this.channel.matched) {
      this.backlog = [];
      void this.channel.ready.then((ok) => this.flush(ok));
    }
  }

  /** Undefined only for requests that failed to decode (never handed to a handler). */
  get request(): IncomingRequest {
    return this.req as IncomingRequest;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get finished(): boolean {
    return this.ended;
  }

  cancel(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.endpoint.done(this.requestId);
    this.controller.abort(new ProtocolError('cancelled', reason));
    this.unregister();
  }

  delta(text: string, toolCalls?: readonly ToolCallDelta[]): void {
    if (this.ended) return;
    this.started = true;
    this.send(deltaSample(this.requestId, this.seq++, this.endpoint.agentId, text, toolCalls));
  }

  final(data: FinalData, text = ''): void {
    if (this.ended) return;
    this.send(finalSample(this.requestId, this.seq++, this.endpoint.agentId, data, text));
    this.end();
  }

  error(data: ErrorData): void {
    if (this.ended) return;
    this.send(errorSample(this.requestId, this.seq++, this.endpoint.agentId, data));
    this.end();
  }

  private end(): void {
    this.ended = true;
    this.endpoint.done(this.requestId);
    if (!this.backlog) this.unregister();
  }

  private send(sample: AgentResponse): void {
    if (this.backlog) {
      this.backlog.push(sample);
      return;
    }
    try {
      this.channel.writer.write(sample);
    } catch {
      // The gateway stopped acknowledging (gone or stalled): stop producing for it.
      this.cancel('response could not be delivered');
    }
  }

  private flush(ok: boolean): void {
    const backlog = this.backlog ?? [];
    this.backlog = undefined;
    if (!ok) {
      this.cancel('the gateway that asked is not reachable');
      return;
    }
    for (const s of backlog) this.send(s);
    if (this.ended) this.unregister();
  }

  private unregister(): void {
    try {
      this.channel.writer.unregister({
        request_id: this.requestId,
        seq: 0,
        agent_id: '',
        kind: '',
        text: '',
        data: '',
      });
    } catch {
      // Never written (cancelled before the first sample) or writer closed: nothing to free.
    }
  }
}
