import { EventEmitter } from 'node:events';
import { hostname as osHostname } from 'node:os';
import {
  AgentEndpoint,
  assertValidId,
  CONTINUE_CAPABILITY,
  type ContinueFrom,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_MS,
  ProtocolError,
  type AgentInfo,
  type AgentState,
  type ResponseStream,
  type Specialization,
  type Usage,
} from '@dds/protocol';
import { ToolCallMerger } from '@dds/openai-schema';
import { DomainParticipant } from '@dds/transport';
import { EngineError, type EmbeddingResult, type Engine, type EngineEvent } from './engine';
import { SlotPool, SlotPoolError } from './slot-pool';

/** Options of {@link Agent}. */
export interface AgentOptions {
  /** Unique agent id (letters, digits, `. _ : -`). */
  readonly id: string;
  readonly models: readonly string[];
  readonly specialization: Specialization;
  /** Concurrent requests served. */
  readonly slots: number;
  readonly engine: Engine;
  /** A shared participant (never closed by the agent). */
  readonly participant?: DomainParticipant;
  /** Or a domain id: the agent creates (and closes) its own participant. Default 0. */
  readonly domainId?: number;
  /** Default: `streaming`, plus `functions` for text, `vision` for vision, `embeddings` for embedding. */
  readonly capabilities?: readonly string[];
  /** Default 8192. */
  readonly maxContextTokens?: number;
  /** Agent software version. Default `0.1.0`. */
  readonly version?: string;
  readonly hostname?: string;
  /** This agent's own OpenAI-compatible base URL, if it has one. */
  readonly httpEndpoint?: string;
  /** Liveliness lease (`agents.timeout`). Default 30 s. */
  readonly leaseMs?: number;
  /** Status heartbeat (`agents.heartbeat_interval`). Default 5 s. */
  readonly heartbeatMs?: number;
  /** Requests waiting for a slot before new ones are refused (`overloaded`). Default 256. */
  readonly maxQueue?: number;
  /** Minimum gap between change-driven status samples. Default 100 ms. */
  readonly statusMinIntervalMs?: number;
}

/** A job outside DDS (e.g. the agent's own HTTP port), subject to the same slots and queue. */
export interface LocalJob {
  readonly kind: 'chat' | 'embedding';
  readonly model: string;
  readonly body: Record<string, unknown>;
  readonly priority?: number;
  readonly signal?: AbortSignal;
  /** Continue this partial assistant message (chat on an engine that `canContinue`). */
  readonly continueFrom?: ContinueFrom;
}

const EMA_ALPHA = 0.2;

/** Busy slots and queued requests, as reported by the `load` event. */
export interface AgentLoad {
  readonly busy: number;
  readonly queued: number;
}

/**
 * Load measured by the engine itself (e.g. a sidecar reading its upstream server's `/slots`),
 * which includes work that never passed through this agent.
 */
export interface ExternalLoad {
  readonly busy: number;
  readonly total: number;
  readonly queued: number;
}

/**
 * An agent: announces itself on `agent/register`, heartbeats `agent/status`, serves requests
 * from `agent/request` through its engine with slot limits and a priority queue, streams the
 * answer on `agent/response`, honours cancels and deadlines, and drains on demand.
 *
 * Emits `load` ({@link AgentLoad}) whenever busy slots or queue depth change.
 */
export class Agent extends EventEmitter<{ load: [AgentLoad] }> {
  readonly id: string;
  private announced: Omit<AgentInfo, 'protocolVersion'>;
  readonly engine: Engine;
  private readonly options: AgentOptions;
  private readonly pool: SlotPool;
  private participant?: DomainParticipant;
  private ownsParticipant = false;
  private endpoint?: AgentEndpoint;
  private state: 'new' | 'running' | 'draining' | 'stopped' = 'new';
  /** Controllers of local and DDS jobs admitted, queued or running: what `stop()` aborts. */
  private readonly running = new Set<AbortController>();
  private emaLatencyMs = 0;
  private tokensPerSecond = 0;
  private idleWaiters: (() => void)[] = [];
  private servedCount = 0;
  /** Why the agent refuses work for now (its engine is down), if it does. */
  private unavailableReason: string | undefined;
  private externalLoad: ExternalLoad | undefined;

  constructor(options: AgentOptions) {
    super();
    if (!options || typeof options !== 'object') throw new TypeError('Agent needs options');
    // Checked here, not first in start(), where the agent would already own a participant.
    assertValidId(options.id, 'id');
    if (!options.engine) throw new TypeError('Agent needs an engine');
    if (!Array.isArray(options.models) || options.models.length === 0) {
      throw new TypeError('Agent needs at least one model');
    }
    this.options = options;
    this.id = options.id;
    this.engine = options.engine;
    this.pool = new SlotPool(options.slots, options.maxQueue ?? 256, () => this.onLoadChange());
    const spec = options.specialization;
    this.announced = {
      agentId: options.id,
      models: [...options.models],
      specialization: spec,
      capabilities: options.capabilities
        ? [...options.capabilities]
        : [
            'streaming',
            ...(spec === 'text' ? ['functions'] : []),
            ...(spec === 'vision' ? ['vision', 'functions'] : []),
            ...(spec === 'embedding' ? ['embeddings'] : []),
            ...(spec !== 'embedding' && options.engine.canContinue ? [CONTINUE_CAPABILITY] : []),
          ],
      slots: options.slots,
      maxContextTokens: options.maxContextTokens ?? 8192,
      version: options.version ?? '0.1.0',
      hostname: options.hostname ?? osHostname(),
      ...(options.httpEndpoint ? { httpEndpoint: options.httpEndpoint } : {}),
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    };
  }

  /** What the agent announces on `agent/register`. */
  get info(): Omit<AgentInfo, 'protocolVersion'> {
    return this.announced;
  }

  /**
   * Changes the announced models, capabilities, context size, version or HTTP endpoint at run
   * time (e.g. a model was loaded); gateways see an `updated` event. Requests for a model no
   * longer listed are refused from now on.
   */
  updateInfo(
    changes: Partial<
      Pick<AgentInfo, 'models' | 'capabilities' | 'maxContextTokens' | 'version' | 'httpEndpoint'>
    >,
  ): void {
    if (changes.models !== undefined && changes.models.length === 0) {
      throw new TypeError('Agent needs at least one model');
    }
    this.announced = { ...this.announced, ...changes };
    this.endpoint?.updateInfo(changes);
  }

  /**
   * Marks the engine down (`reason`) or up again (`undefined`): while down the agent announces
   * `draining`, so gateways route elsewhere, and refuses requests (retryable); it stays in the
   * fleet, unlike {@link drain}.
   */
  setUnavailable(reason: string | undefined): void {
    if (this.unavailableReason === reason) return;
    this.unavailableReason = reason;
    this.onLoadChange();
  }

  /** Why the agent refuses work for now, if it does ({@link setUnavailable}). */
  get unavailable(): string | undefined {
    return this.unavailableReason;
  }

  /**
   * Reports load measured by the engine (busy/total slots, queue) instead of this agent's own
   * slot count, or `undefined` to go back to the agent's own. Local queueing is added on top.
   */
  setExternalLoad(load: ExternalLoad | undefined): void {
    this.externalLoad = load;
    this.onLoadChange();
  }

  /** Requests completed (any outcome) since start. */
  get served(): number {
    return this.servedCount;
  }

  /** Current busy slots and queue depth. */
  get load(): AgentLoad {
    return { busy: this.pool.busySlots, queued: this.pool.queueDepth };
  }

  /** Joins the fleet: registers, starts heartbeats and serves requests. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`agent ${this.id} already ${this.state}`);
    this.participant = this.options.participant;
    if (!this.participant) {
      this.participant = new DomainParticipant({ domainId: this.options.domainId ?? 0 });
      this.ownsParticipant = true;
    }
    this.endpoint = new AgentEndpoint({
      participant: this.participant,
      info: this.info,
      heartbeatMs: this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      statusMinIntervalMs: this.options.statusMinIntervalMs,
    });
    this.endpoint.onRequest((s) => void this.serve(s));
    this.state = 'running';
    this.endpoint.start();
    // Set before start (e.g. a sidecar whose upstream is down): the first status must say so.
    if (this.unavailableReason !== undefined || this.externalLoad) this.onLoadChange();
  }

  /**
   * Stops taking requests (answers `draining`, retryable), lets accepted ones finish (at most
   * `timeoutMs`), then stops.
   */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.state !== 'running') {
      if (this.state === 'draining') await this.whenIdle(timeoutMs);
      return;
    }
    this.state = 'draining';
    this.pool.close(new SlotPoolError('draining', `agent ${this.id} is draining`));
    this.endpoint?.setStatus({ state: 'draining' });
    await this.whenIdle(timeoutMs);
    await this.stop();
  }

  /**
   * Leaves the fleet at once: gateways see the registration disposed immediately, running
   * and queued requests are aborted (answered `agent_gone`, retryable if no output yet).
   * Idempotent.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.pool.close(new SlotPoolError('draining', `agent ${this.id} stopped`));
    const leaving = this.endpoint?.stop();
    for (const c of this.running) c.abort(new ProtocolError('agent_gone', 'agent stopped', true));
    await leaving;
    if (this.ownsParticipant) this.participant?.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Runs a chat job outside DDS (e.g. from the agent's HTTP port) under the same slots/queue.
   * Throws `SlotPoolError` when overloaded or draining.
   */
  async *runChat(job: LocalJob): AsyncGenerator<EngineEvent> {
    const { signal, t0, done } = await this.admit(job);
    try {
      const chat = {
        model: job.model,
        body: job.body,
        signal,
        ...(job.continueFrom ? { continueFrom: job.continueFrom } : {}),
      };
      for await (const ev of this.engine.chat(chat)) {
        if (ev.type === 'final') this.record(t0, ev.usage);
        yield ev;
      }
    } finally {
      done();
    }
  }

  /** Runs an embeddings job outside DDS under the same slots/queue. */
  async runEmbedding(job: LocalJob): Promise<EmbeddingResult> {
    const { signal, t0, done } = await this.admit(job);
    try {
      const r = await this.engine.embed({ model: job.model, body: job.body, signal });
      this.record(t0, r.usage);
      return r;
    } finally {
      done();
    }
  }

  /**
   * Waits for a slot for `job` (by priority), tracked from the moment it queues so that `stop()`
   * aborts it whether waiting or running. The caller must call `done` exactly once when the job
   * ends, however it ends.
   */
  private async admit(
    job: LocalJob,
  ): Promise<{ signal: AbortSignal; t0: number; done: () => void }> {
    if (this.unavailableReason !== undefined) {
      throw new SlotPoolError(
        'draining',
        `agent ${this.id} is unavailable: ${this.unavailableReason}`,
      );
    }
    const ac = new AbortController();
    const unlink = link(job.signal, ac);
    this.running.add(ac);
    let release: () => void;
    try {
      release = await this.pool.acquire(job.priority ?? 0, ac.signal);
    } catch (e) {
      unlink();
      this.running.delete(ac);
      throw e;
    }
    return {
      signal: ac.signal,
      t0: performance.now(),
      done: () => {
        unlink();
        this.running.delete(ac);
        release();
        this.servedCount++;
      },
    };
  }

  // -------------------------------------------------------------------------------------------

  private async serve(stream: ResponseStream): Promise<void> {
    const req = stream.request;
    if (this.state !== 'running') {
      stream.error({ code: 'draining', message: `agent ${this.id} is draining`, retryable: true });
      return;
    }
    if (this.unavailableReason !== undefined) {
      stream.error({
        code: 'draining',
        message: `agent ${this.id} is unavailable: ${this.unavailableReason}`,
        retryable: true,
      });
      return;
    }
    if (!this.info.models.includes(req.model)) {
      stream.error({
        code: 'model_not_found',
        message: `agent ${this.id} does not serve model "${req.model}"`,
        retryable: true,
      });
      return;
    }
    if (req.continueFrom && (req.kind !== 'chat' || !this.engine.canContinue)) {
      // Another agent that announces the capability can take it.
      stream.error({
        code: 'cannot_continue',
        message: `agent ${this.id} cannot continue a message (it does not announce "${CONTINUE_CAPABILITY}")`,
        retryable: true,
      });
      return;
    }
    // One controller per request, fed by the gateway's cancel and the deadline timer
    // (cheaper on the hot path than AbortSignal.any).
    const ac = new AbortController();
    let deadlineHit = false;
    let timer: NodeJS.Timeout | undefined;
    if (req.deadlineUnixMs !== undefined) {
      const left = req.deadlineUnixMs - Date.now();
      if (left <= 0) {
        stream.error({
          code: 'deadline_exceeded',
          message: `request ${req.requestId} arrived after its deadline`,
          retryable: false,
        });
        return;
      }
      timer = setTimeout(() => {
        deadlineHit = true;
        ac.abort(new ProtocolError('deadline_exceeded', 'deadline exceeded'));
      }, left);
    }
    const unlink = link(stream.signal, ac);
    const signal = ac.signal;
    const job: LocalJob = {
      kind: req.kind,
      model: req.model,
      body: req.stream ? { ...req.body, stream: true } : req.body,
      priority: req.priority,
      signal,
      ...(req.continueFrom ? { continueFrom: req.continueFrom } : {}),
    };
    try {
      if (req.kind === 'embedding') {
        const r = await this.runEmbedding(job);
        stream.final({ finish_reason: 'stop', usage: r.usage, embeddings: r.embeddings });
        return;
      }
      if (req.stream) {
        for await (const ev of this.runChat(job)) {
          if (ev.type === 'text') stream.delta(ev.text);
          else if (ev.type === 'tool-call') stream.delta('', [ev.delta]);
          else stream.final({ finish_reason: ev.finishReason, usage: ev.usage });
          if (stream.finished) break;
        }
      } else {
        let text = '';
        const merger = new ToolCallMerger();
        for await (const ev of this.runChat(job)) {
          if (ev.type === 'text') text += ev.text;
          else if (ev.type === 'tool-call') merger.add(ev.delta);
          else {
            const calls = merger.deltas();
            stream.final(
              {
                finish_reason: ev.finishReason,
                usage: ev.usage,
                ...(calls.length ? { tool_calls: calls } : {}),
              },
              text,
            );
          }
          if (stream.finished) break;
        }
      }
      if (!stream.finished) {
        stream.error({
          code: 'engine_error',
          message: 'engine ended without a final',
          retryable: true,
        });
      }
    } catch (e) {
      if (stream.finished) return; // Cancelled by the gateway: nobody listens any more.
      if (deadlineHit) {
        stream.error({
          code: 'deadline_exceeded',
          message: `request ${req.requestId} exceeded its deadline on agent ${this.id}`,
          retryable: false,
        });
      } else if (e instanceof SlotPoolError) {
        stream.error({ code: e.code, message: e.message, retryable: true });
      } else if (e instanceof EngineError || e instanceof ProtocolError) {
        stream.error({ code: e.code, message: e.message, retryable: e.retryable });
      } else {
        stream.error({
          code: 'engine_error',
          message: (e as Error)?.message ?? String(e),
          retryable: true,
        });
      }
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  private record(t0: number, usage: Usage): void {
    const ms = performance.now() - t0;
    this.emaLatencyMs =
      this.emaLatencyMs === 0 ? ms : this.emaLatencyMs + EMA_ALPHA * (ms - this.emaLatencyMs);
    if (usage.completion_tokens > 0 && ms > 0) {
      const tps = (usage.completion_tokens * 1000) / ms;
      this.tokensPerSecond =
        this.tokensPerSecond === 0
          ? tps
          : this.tokensPerSecond + EMA_ALPHA * (tps - this.tokensPerSecond);
    }
  }

  private onLoadChange(): void {
    const busy = this.pool.busySlots;
    const queued = this.pool.queueDepth;
    const ext = this.externalLoad;
    const slotsBusy = ext ? ext.busy : busy;
    const state: AgentState =
      this.state === 'draining' || this.state === 'stopped' || this.unavailableReason !== undefined
        ? 'draining'
        : slotsBusy > 0
          ? 'busy'
          : 'idle';
    this.endpoint?.setStatus({
      state,
      slotsBusy,
      slotsTotal: ext ? ext.total : this.pool.slots,
      queueDepth: ext ? ext.queued + queued : queued,
      emaLatencyMs: this.emaLatencyMs,
      tokensPerSecond: this.tokensPerSecond,
    });
    if (busy === 0 && queued === 0) for (const w of this.idleWaiters.splice(0)) w();
    this.emit('load', { busy, queued });
  }

  /** Resolves once no request is running or queued (or after `timeoutMs`). */
  whenIdle(timeoutMs = Infinity): Promise<void> {
    if (this.pool.busySlots === 0 && this.pool.queueDepth === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = timeoutMs === Infinity ? undefined : setTimeout(done, timeoutMs);
      const waiters = this.idleWaiters;
      function done() {
        clearTimeout(t);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }
}

const noop = () => undefined;

/** Makes aborting `from` abort `to` (same reason); returns the unlink. */
function link(from: AbortSignal | undefined, to: AbortController): () => void {
  if (!from) return noop;
  if (from.aborted) {
    to.abort(from.reason);
    return noop;
  }
  const onAbort = () => to.abort(from.reason);
  from.addEventListener('abort', onAbort, { once: true });
  return () => from.removeEventListener('abort', onAbort);
}

/**
 * Drains `agents` on SIGTERM/SIGINT (finish accepted work, then leave cleanly), then exits; a
 * second signal stops them at once and exits 1. Returns a function that removes the handlers.
 */
export function drainOnSignals(
  agents: readonly Agent[],
  options: {
    signals?: readonly NodeJS.Signals[];
    timeoutMs?: number;
    /** Called after draining; default `process.exit(0)`. */
    onDrained?: () => void;
    /** Extra cleanup after the agents stopped (e.g. close the participant, HTTP servers). */
    cleanup?: () => Promise<void> | void;
  } = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let draining = false;
  const handler = () => {
    if (draining) {
      // A second signal: the operator will not wait; leave at once.
      void Promise.all(agents.map((a) => a.stop())).finally(() => process.exit(1));
      return;
    }
    draining = true;
    void Promise.all(agents.map((a) => a.drain(options.timeoutMs ?? 30_000)))
      .then(() => options.cleanup?.())
      .finally(() => (options.onDrained ?? (() => process.exit(0)))());
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
