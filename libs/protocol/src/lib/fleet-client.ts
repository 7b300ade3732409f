import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  DomainParticipant,
  Publisher,
  Reader,
  Sample,
  Subscriber,
  Writer,
} from '@dds/transport';
import { LRUCache } from 'lru-cache';
import { Observable, Subject } from 'rxjs';
import type {
  AgentRegistration,
  AgentRequest,
  AgentResponse,
  AgentStatus,
} from '../generated/agent';
import {
  decodeDeltaData,
  decodeErrorData,
  decodeFinalData,
  decodeRegistration,
  decodeStatus,
  encodeRequest,
  MAX_CODE_LENGTH,
  MAX_TIMEOUT_MS,
} from './codec';
import { EventQueue } from './event-queue';
import {
  errorEvent,
  PROTOCOL_VERSION,
  type AgentInfo,
  type AgentStatusInfo,
  type FleetEvent,
  type ProtocolRequest,
  type ResponseEvent,
} from './model';
import { ProtocolError } from './protocol-error';
import { createProtocolTopics, type ProtocolTopics } from './protocol-topics';
import { agentPartition, assertValidId, gatewayPartition, MAX_ID_LENGTH, QOS } from './topics';

/** Options of {@link FleetClient}. */
export interface FleetClientOptions {
  /** The process's participant (shared; the client never closes it). */
  readonly participant: DomainParticipant;
  /** This gateway's id: its responses partition. Default: `gw-<host>-<pid>-<random>`. */
  readonly gatewayId?: string;
  /**
   * How long after a request's deadline the client gives up locally when the agent stays silent
   * (e.g. it died without its lease expiring yet). Default 1000 ms.
   */
  readonly deadlineGraceMs?: number;
  /** How long `request()` waits for the request writer to discover the agent. Default 5000 ms. */
  readonly matchTimeoutMs?: number;
  /** Most agents remembered as speaking another protocol version. Default 1024. */
  readonly maxIncompatible?: number;
  /**
   * Most events kept for the first subscriber of {@link FleetClient.events} (what arrived before
   * anyone listened, e.g. transient-local registrations during the gateway's boot). Default 1024;
   * the oldest is dropped beyond it. Nothing is kept once a subscriber came.
   */
  readonly maxBacklog?: number;
}

/** Sizes of the client's per-peer tables (for bounds checks and debugging). */
export interface FleetClientStats {
  /** Agents with a route (a request writer), i.e. registered and compatible. */
  readonly routes: number;
  readonly incompatible: number;
  readonly instances: number;
  readonly pendingRequests: number;
  /** Events waiting for the first subscriber (0 once one came). */
  readonly backlog: number;
  /** Events dropped from that backlog because it was full (nobody subscribed in time). */
  readonly backlogDropped: number;
}

/** Options of one {@link FleetClient.request}. */
export interface RequestOptions {
  /** Aborting cancels the request on the agent; the iteration then throws `signal.reason`. */
  readonly signal?: AbortSignal;
  /**
   * Request id: a valid id, unique across all gateways for as long as the request lives (an
   * agent's request instances are shared by every gateway). Default: a random one.
   */
  readonly requestId?: string;
}

type Terminal = Extract<ResponseEvent, { type: 'final' | 'error' }>;

interface Pending {
  readonly agentId: string;
  readonly queue: EventQueue<ResponseEvent>;
  nextSeq: number;
  outputStarted: boolean;
  done: boolean;
}

/**
 * How to reach one registered agent: the transport's own bookkeeping (a writer in the agent's
 * partition and whether it matched), not the agent's announcement or load — those go out as
 * events and live in the consumer's record of the fleet (the gateway's registry).
 */
interface Route {
  readonly agentId: string;
  instance: bigint;
  publisher?: Publisher;
  writer?: Writer<AgentRequest>;
  matched: number;
}

let counter = 0;
/** Longest reason carried in a `rejected` event (the rest is the peer's data). */
const MAX_REASON_LENGTH = 512;

function positiveInt(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected an integer >= 1, got ${n}`);
  return n;
}

/**
 * The gateway side of the protocol, as transport only: it turns what the fleet publishes
 * (registrations, status, departures, request-reader discovery) into {@link FleetClient.events}
 * and carries requests to one agent at a time, streaming its response back. It keeps no record
 * of the fleet (no announcements, no load, no early-status buffer): a consumer that needs one
 * (the gateway's registry) builds it from the events.
 *
 * One instance per gateway process; it owns its readers/writers and leaves the participant alone.
 */
export class FleetClient {
  /** This gateway's id (responses arrive in partition `gateway.<id>`). */
  readonly gatewayId: string;
  private readonly participant: DomainParticipant;
  private readonly topics: ProtocolTopics;
  private readonly subject = new Subject<FleetEvent>();
  private readonly routes = new Map<string, Route>();
  /** Events for the first subscriber; `undefined` once one subscribed. */
  private backlog: FleetEvent[] | undefined = [];
  private readonly maxBacklog: number;
  private backlogDropped = 0;
  private readonly byInstance = new Map<bigint, string>();
  /** Agents speaking another protocol version (bounded: peers choose the ids). */
  private readonly incompatible: LRUCache<string, string>;
  private readonly pending = new Map<string, Pending>();
  private readonly registerReader: Reader<AgentRegistration>;
  private readonly statusReader: Reader<AgentStatus>;
  private readonly responseSubscriber: Subscriber;
  private readonly responseReader: Reader<AgentResponse>;
  private readonly deadlineGraceMs: number;
  private readonly matchTimeoutMs: number;
  private readonly idPrefix: string;
  private closed = false;
  private late = 0;

  /**
   * Response samples that arrived for requests no longer awaited (finished, cancelled, or given
   * up on), and were ignored.
   */
  get lateResponses(): number {
    return this.late;
  }

  /**
   * Fleet membership, load and reachability changes. The first subscriber also gets what arrived
   * before it subscribed (bounded by `maxBacklog`), so a consumer created after the client misses
   * no transient-local registration. Completes when the client closes.
   */
  readonly events: Observable<FleetEvent> = new Observable<FleetEvent>((subscriber) => {
    const backlog = this.backlog;
    this.backlog = undefined;
    for (const ev of backlog ?? []) subscriber.next(ev);
    return this.subject.subscribe(subscriber);
  });

  constructor(options: FleetClientOptions) {
    if (!options || !options.participant) throw new TypeError('FleetClient needs a participant');
    this.participant = options.participant;
    this.gatewayId =
      options.gatewayId ??
      `gw-${hostname().replace(/[^A-Za-z0-9._:-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    assertValidId(this.gatewayId, 'gatewayId');
    this.deadlineGraceMs = options.deadlineGraceMs ?? 1000;
    this.matchTimeoutMs = options.matchTimeoutMs ?? 5000;
    this.incompatible = new LRUCache({ max: positiveInt(options.maxIncompatible ?? 1024) });
    this.maxBacklog = positiveInt(options.maxBacklog ?? 1024);
    // Request instances of one agent are shared by every gateway, so ids must be unique across
    // gateways: random bits do that; the (shortened) gateway id is there for humans reading logs.
    this.idPrefix = `${this.gatewayId.slice(0, 64)}.${randomBytes(6).toString('hex')}.`;
    this.topics = createProtocolTopics(this.participant);

    this.registerReader = this.participant.createReader(this.topics.register, QOS.registerReader());
    this.statusReader = this.participant.createReader(this.topics.status, QOS.status());
    this.responseSubscriber = this.participant.createSubscriber({
      partitions: [gatewayPartition(this.gatewayId)],
    });
    this.responseReader = this.responseSubscriber.createReader(
      this.topics.response,
      QOS.response(),
    );

    this.registerReader.on('data', () => this.onRegistrations());
    this.statusReader.on('data', () => this.onStatus());
    this.responseReader.on('data', () => this.onResponses());
    // Transient-local data may already be there.
    this.onRegistrations();
    this.onStatus();
  }

  /** Sizes of the per-peer tables: each is bounded (or follows DDS instance lifecycles). */
  stats(): FleetClientStats {
    return {
      routes: this.routes.size,
      incompatible: this.incompatible.size,
      instances: this.byInstance.size,
      pendingRequests: this.pending.size,
      backlog: this.backlog?.length ?? 0,
      backlogDropped: this.backlogDropped,
    };
  }

  /** Whether this client's request writer currently matches `agentId`'s request reader. */
  reachable(agentId: string): boolean {
    return (this.routes.get(agentId)?.matched ?? 0) > 0;
  }

  /**
   * Resolves once `agentId` is registered and this client's request writer has discovered its
   * request reader (requests sent before that would be lost). Rejects with `ProtocolError`:
   * `agent_not_found` after `timeoutMs`, `agent_incompatible` for another protocol version,
   * `closed` once the client is closed.
   */
  async ready(agentId: string, timeoutMs = this.matchTimeoutMs): Promise<void> {
    assertValidId(agentId, 'agentId');
    // The completed subject would call `complete` during subscribe, before the timer below exists.
    if (this.closed) throw new ProtocolError('closed', 'fleet client closed');
    const deadline = Date.now() + timeoutMs;
    let entry = this.routes.get(agentId);
    const incompatible = this.incompatible.get(agentId);
    if (incompatible) throw new ProtocolError('agent_incompatible', incompatible);
    if (!entry) {
      await new Promise<void>((resolve, reject) => {
        const sub = this.subject.subscribe({
          next: (ev) => {
            if (ev.type === 'registered' && ev.agent.agentId === agentId) finish();
            else if (ev.type === 'incompatible' && ev.agentId === agentId) {
              finish(new ProtocolError('agent_incompatible', ev.message));
            }
          },
          complete: () => finish(new ProtocolError('closed', 'fleet client closed')),
        });
        const timer = setTimeout(
          () =>
            finish(
              new ProtocolError(
                this.incompatible.has(agentId) ? 'agent_incompatible' : 'agent_not_found',
                this.incompatible.get(agentId) ??
                  `agent ${agentId} did not register within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        function finish(err?: Error) {
          clearTimeout(timer);
          sub.unsubscribe();
          if (err) reject(err);
          else resolve();
        }
        if (this.routes.has(agentId)) finish();
      });
      entry = this.routes.get(agentId);
      if (!entry) throw new ProtocolError('agent_gone', `agent ${agentId} left`);
    }
    if (entry.matched > 0) return;
    const writer = this.writerFor(entry);
    try {
      await writer.waitForMatch({ timeoutMs: Math.max(1, deadline - Date.now()) });
    } catch {
      throw new ProtocolError(
        'agent_not_found',
        `agent ${agentId} registered but its request reader was not discovered in ${timeoutMs} ms`,
        true,
      );
    }
  }

  /**
   * Sends one request to `agentId` and yields its response: output events, then exactly one
   * `final` or `error`. Failures (unknown/gone agent, deadline, protocol errors) arrive as an
   * `error` event, never as a throw; only aborting `signal` throws (its reason), after sending
   * the cancel to the agent. Breaking out of the loop early cancels too.
   */
  request(
    agentId: string,
    req: ProtocolRequest,
    options: RequestOptions = {},
  ): AsyncIterable<ResponseEvent> {
    assertValidId(agentId, 'agentId');
    const requestId = options.requestId ?? this.idPrefix + (++counter).toString(36);
    assertValidId(requestId, 'requestId');
    // Validates kind/body/deadline synchronously so that misuse throws at the call site.
    const sample = encodeRequest(requestId, agentId, this.gatewayId, req);
    const deadlineAt = sample.timeout_ms > 0 ? performance.now() + sample.timeout_ms : undefined;
    return this.run(agentId, requestId, sample, req.deadlineMs, deadlineAt, options.signal);
  }

  private async *run(
    agentId: string,
    requestId: string,
    sample: AgentRequest,
    deadlineMs: number | undefined,
    deadlineAt: number | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ResponseEvent> {
    if (this.closed) {
      yield errorEvent('closed', 'fleet client closed', false, false);
      return;
    }
    signal?.throwIfAborted();
    const entry = this.routes.get(agentId);
    if (!entry) {
      const why = this.incompatible.get(agentId);
      yield why
        ? errorEvent('agent_incompatible', why, false, false)
        : errorEvent('agent_not_found', `agent ${agentId} is not registered`, true, false);
      return;
    }
    const writer = this.writerFor(entry);
    if (entry.matched === 0) {
      const timeoutMs = Math.min(this.matchTimeoutMs, deadlineMs ?? Infinity);
      const matched = await matchOrAbort(writer, timeoutMs, signal);
      signal?.throwIfAborted();
      if (!matched) {
        yield errorEvent(
          'agent_not_found',
          `agent ${agentId}'s request reader was not discovered in time`,
          true,
          false,
        );
        return;
      }
    }

    const p: Pending = {
      agentId,
      queue: new EventQueue<ResponseEvent>(),
      nextSeq: 0,
      outputStarted: false,
      done: false,
    };
    this.pending.set(requestId, p);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => p.queue.fail(signal?.reason);
    try {
      try {
        // The agent counts from receipt: send the time left now, not at request() time.
        if (deadlineAt !== undefined) {
          sample.timeout_ms = Math.max(1, Math.ceil(deadlineAt - performance.now()));
        }
        writer.write(sample);
      } catch (e) {
        p.done = true;
        yield errorEvent(
          'transport_error',
          `request not sent: ${(e as Error).message}`,
          true,
          false,
        );
        return;
      }
      // Armed only for a deadline that travelled (a longer one is none, and would overflow the
      // timer), and counted from request(), not from after the match wait.
      if (deadlineAt !== undefined) {
        const left = Math.max(0, deadlineAt - performance.now()) + this.deadlineGraceMs;
        const delay = Math.min(MAX_TIMEOUT_MS, left);
        timer = setTimeout(() => {
          this.finish(
            requestId,
            errorEvent(
              'deadline_exceeded',
              `no answer from agent ${agentId} within the ${deadlineMs} ms deadline`,
              false,
              p.outputStarted,
            ),
          );
        }, delay);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      for (;;) {
        const ev = await p.queue.next();
        if (ev === undefined) return;
        yield ev;
        if (ev.type === 'final' || ev.type === 'error') return;
      }
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.pending.delete(requestId);
      const key = keySample(sample);
      try {
        // Not finished: the consumer aborted or stopped listening, so cancel on the agent.
        if (!p.done) writer.dispose(key);
        writer.unregister(key);
      } catch {
        // The writer closed with the agent (gone) or the client: nothing left to cancel.
      }
    }
  }

  /** Stops following the fleet, fails pending requests and closes this client's entities. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) {
      this.finish(id, errorEvent('closed', 'fleet client closed', true, false));
    }
    for (const e of this.routes.values()) e.publisher?.close();
    this.routes.clear();
    this.incompatible.clear();
    this.backlog = undefined;
    this.registerReader.close();
    this.statusReader.close();
    this.responseSubscriber.close();
    this.topics.close();
    this.subject.complete();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // -------------------------------------------------------------------------------------------

  private writerFor(entry: Route): Writer<AgentRequest> {
    if (entry.writer) return entry.writer;
    const pub = this.participant.createPublisher({
      partitions: [agentPartition(entry.agentId)],
    });
    const writer = pub.createWriter(this.topics.request, QOS.request());
    writer.on('publication-matched', (s) => {
      const was = entry.matched > 0;
      entry.matched = s.currentCount;
      const now = entry.matched > 0;
      // Only while the route is current: a departed agent's writer may still report its unmatch.
      if (was !== now && this.routes.get(entry.agentId) === entry) {
        this.emit({ type: 'reachable', agentId: entry.agentId, reachable: now });
      }
    });
    entry.publisher = pub;
    entry.writer = writer;
    return writer;
  }

  private emit(ev: FleetEvent): void {
    if (this.closed) return;
    if (this.backlog) {
      this.backlog.push(ev);
      if (this.backlog.length > this.maxBacklog) {
        this.backlog.shift();
        this.backlogDropped++;
      }
    }
    this.subject.next(ev);
  }

  private reject(topic: 'agent/register' | 'agent/status', agentId: unknown, reason: string): void {
    this.emit({
      type: 'rejected',
      topic,
      agentId: typeof agentId === 'string' ? agentId.slice(0, MAX_ID_LENGTH) : '',
      reason: reason.slice(0, MAX_REASON_LENGTH),
    });
  }

  private finish(requestId: string, ev: Terminal): void {
    const p = this.pending.get(requestId);
    if (!p || p.done) return;
    p.done = true;
    p.queue.push(ev);
  }

  private onRegistrations(): void {
    // One doorbell may stand for more than a batch (a flood, transient-local history): drain.
    for (let batch = this.takeBatch(this.registerReader, 'agent/register'); batch.length;) {
      for (const s of batch) this.onRegistration(s);
      batch = this.takeBatch(this.registerReader, 'agent/register');
    }
  }

  /**
   * Up to one batch of samples, or none once closed. A batch that does not decode (a peer
   * writing another type under the same topic name) is lost and reported, never thrown into the
   * reader's listener.
   */
  private takeBatch<T>(reader: Reader<T>, topic: 'agent/register' | 'agent/status'): Sample<T>[] {
    if (this.closed) return [];
    try {
      return reader.take();
    } catch (e) {
      this.reject(topic, undefined, `undecodable samples: ${(e as Error).message}`);
      return [];
    }
  }

  private onRegistration(s: Sample<AgentRegistration>): void {
    if (s.data) {
      let info: AgentInfo;
      try {
        info = decodeRegistration(s.data);
      } catch (e) {
        // A malformed registration is never routed to.
        this.reject('agent/register', s.data.agent_id, (e as Error).message);
        return;
      }
      if (info.protocolVersion !== PROTOCOL_VERSION) {
        const message = `agent ${info.agentId} speaks protocol version ${info.protocolVersion}; this gateway speaks version ${PROTOCOL_VERSION}`;
        // Not in byInstance (unbounded): its departure is found by the sample's key.
        this.incompatible.set(info.agentId, message);
        this.emit({
          type: 'incompatible',
          agentId: info.agentId,
          protocolVersion: info.protocolVersion,
          message,
        });
        return;
      }
      this.incompatible.delete(info.agentId);
      this.byInstance.set(s.info.instanceHandle, info.agentId);
      const existing = this.routes.get(info.agentId);
      if (existing) {
        existing.instance = s.info.instanceHandle;
        this.emit({ type: 'updated', agent: info });
      } else {
        const entry: Route = { agentId: info.agentId, instance: s.info.instanceHandle, matched: 0 };
        this.routes.set(info.agentId, entry);
        this.emit({ type: 'registered', agent: info });
        this.writerFor(entry); // Start discovery now so the first request need not wait.
      }
    }
    if (s.info.instanceState !== 'alive') {
      const agentId =
        this.byInstance.get(s.info.instanceHandle) ??
        (typeof s.key.agent_id === 'string' ? s.key.agent_id : undefined);
      if (agentId === undefined) return;
      this.byInstance.delete(s.info.instanceHandle);
      this.incompatible.delete(agentId);
      const entry = this.routes.get(agentId);
      if (!entry) return;
      this.routes.delete(agentId);
      const reason = s.info.instanceState === 'disposed' ? 'disposed' : 'lease-expired';
      // A leaving agent flushes its answers before disposing; they may sit unprocessed in the
      // response reader (another doorbell), so take them before failing what is still open.
      this.onResponses();
      for (const [id, p] of this.pending) {
        if (p.agentId !== agentId) continue;
        this.finish(
          id,
          errorEvent(
            'agent_gone',
            `agent ${agentId} left (${reason}) before answering`,
            !p.outputStarted,
            p.outputStarted,
          ),
        );
      }
      // Closing the publisher deletes the writer too: nothing is left per departed agent.
      entry.publisher?.close();
      this.emit({ type: 'gone', agentId, reason });
    }
  }

  private onStatus(): void {
    for (let batch = this.takeBatch(this.statusReader, 'agent/status'); batch.length;) {
      this.onStatusBatch(batch);
      batch = this.takeBatch(this.statusReader, 'agent/status');
    }
  }

  private onStatusBatch(batch: Sample<AgentStatus>[]): void {
    for (const s of batch) {
      if (!s.data) continue;
      let st: AgentStatusInfo;
      try {
        st = decodeStatus(s.data);
      } catch (e) {
        this.reject('agent/status', s.data.agent_id, (e as Error).message);
        continue;
      }
      // A status may overtake its registration (two topics): it goes out all the same, and the
      // consumer decides what to keep of it. An incompatible agent's load is nobody's business.
      if (this.incompatible.has(st.agentId)) continue;
      this.emit({ type: 'status', status: st });
    }
  }

  private onResponses(): void {
    if (this.closed) return;
    for (;;) {
      const batch = this.responseReader.take(256);
      if (batch.length === 0) return;
      for (const s of batch) {
        const d = s.data;
        if (!d) continue;
        const p = this.pending.get(d.request_id);
        if (!p || p.done) {
          // An answer the gateway stopped waiting for (cancelled, failed over, or stalled and
          // resumed elsewhere): ignored, and counted.
          this.late++;
          continue;
        }
        if (d.seq !== p.nextSeq) {
          this.finish(
            d.request_id,
            errorEvent(
              'sequence_gap',
              `response ${d.request_id}: expected seq ${p.nextSeq}, got ${d.seq}`,
              !p.outputStarted,
              p.outputStarted,
            ),
          );
          continue;
        }
        p.nextSeq++;
        try {
          this.dispatch(d, p);
        } catch (e) {
          // A malformed answer is the agent's fault: another agent may do better, if nothing
          // reached the client yet.
          this.finish(
            d.request_id,
            errorEvent(
              'malformed_response',
              `agent ${p.agentId} sent a malformed response: ${(e as Error).message}`,
              !p.outputStarted,
              p.outputStarted,
            ),
          );
        }
      }
    }
  }

  private dispatch(d: AgentResponse, p: Pending): void {
    switch (d.kind) {
      case 'delta': {
        if (d.text) {
          p.outputStarted = true;
          p.queue.push({ type: 'text', text: d.text });
        }
        const tc = decodeDeltaData(d.data).tool_calls;
        if (tc) {
          for (const delta of tc) {
            p.outputStarted = true;
            p.queue.push({ type: 'tool-call', delta });
          }
        }
        return;
      }
      case 'final': {
        const f = decodeFinalData(d.data);
        if (d.text) {
          p.outputStarted = true;
          p.queue.push({ type: 'text', text: d.text });
        }
        if (f.tool_calls) {
          for (const delta of f.tool_calls) p.queue.push({ type: 'tool-call', delta });
        }
        if (f.embeddings) p.queue.push({ type: 'embedding', embeddings: f.embeddings });
        p.done = true;
        p.queue.push({
          type: 'final',
          finishReason: f.finish_reason,
          usage: f.usage,
          agentId: d.agent_id,
        });
        return;
      }
      case 'error': {
        const e = decodeErrorData(d.data);
        p.done = true;
        p.queue.push(errorEvent(e.code, e.message, e.retryable, p.outputStarted));
        return;
      }
      default:
        throw new ProtocolError(
          'malformed_response',
          `unknown response kind "${d.kind.slice(0, MAX_CODE_LENGTH)}"`,
        );
    }
  }
}

/**
 * Whether `writer` matched within `timeoutMs`; settles (false) as soon as `signal` aborts, so a
 * caller that gave up is not held for the whole match wait.
 */
function matchOrAbort(
  writer: Writer<AgentRequest>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  let matched: Promise<boolean>;
  try {
    matched = writer.waitForMatch({ timeoutMs }).then(
      () => true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
  if (!signal) return matched;
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void matched.then((ok) => {
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    });
  });
}

/** A sample carrying only the key of a request (what dispose/unregister need). */
function keySample(s: AgentRequest): AgentRequest {
  return { ...s, body: '' };
}
