import { Observable, Subject } from 'rxjs';
import { Clock, systemClock, TimerHandle } from '@dds/common';
import { InvalidAgentInputError } from './registry.errors';
import {
  AgentHealth,
  AgentRegistration,
  AgentState,
  AgentStatusReport,
  AgentTransport,
  AgentView,
  ModelEntry,
  ModelList,
  RegistryEvent,
  RegistryOptions,
  RemovalReason,
  StatusDropped,
  SPECIALIZATIONS,
  Specialization,
} from './registry.types';
import { AGENT_STATES } from '@dds/common';

const TRANSPORTS: readonly AgentTransport[] = ['dds', 'http'];

/** How usable a health is for new work: only an increase may free capacity. */
const SELECTABILITY: Record<AgentHealth, number> = {
  offline: 0,
  draining: 0,
  suspect: 1,
  healthy: 2,
};

/** The mutable record behind an {@link AgentView}. */
class AgentRecord implements AgentView {
  models: readonly string[] = [];
  specialization: Specialization = 'text';
  capabilities: readonly string[] = [];
  slots = 1;
  maxContextTokens = 1;
  version = '';
  hostname = '';
  httpEndpoint: string | undefined = undefined;
  transport: AgentTransport = 'dds';

  health: AgentHealth = 'healthy';
  healthReason = 'registered';
  state: AgentState = 'idle';
  alive = true;
  reachable = false;

  slotsBusy = 0;
  slotsTotal = 1;
  queueDepth = 0;
  inFlight = 0;
  freeSlots = 1;
  load = 0;

  emaLatencyMs = 0;
  tokensPerSecond = 0;
  lastSeen: number;

  /** `inFlight` when the last status was received: what the report's `slotsBusy` already counts. */
  inFlightAtStatus = 0;
  hasStatus = false;
  deadlineMissed = false;
  /** Its request reader was matched once and is not any more (the link, or the agent, is down). */
  reachLost = false;
  probed = false;
  probeFailures = 0;
  offlineSince = 0;

  constructor(
    readonly id: string,
    readonly registeredAt: number,
  ) {
    this.lastSeen = registeredAt;
  }

  recomputeLoad(): void {
    const busy = Math.max(this.inFlight, this.slotsBusy + this.inFlight - this.inFlightAtStatus, 0);
    this.freeSlots = Math.max(0, this.slotsTotal - busy);
    this.load = (busy + this.queueDepth) / Math.max(1, this.slotsTotal);
  }
}

/** A set with a lazily rebuilt array, so hot-path queries return a stable array without copying. */
class IndexBucket {
  readonly members = new Set<AgentRecord>();
  private cached: AgentRecord[] | undefined;

  add(r: AgentRecord): void {
    this.members.add(r);
    this.cached = undefined;
  }

  delete(r: AgentRecord): void {
    this.members.delete(r);
    this.cached = undefined;
  }

  array(): readonly AgentRecord[] {
    // Not frozen on purpose: V8 iterates frozen arrays 2-3x slower, and the selector scans these.
    return (this.cached ??= [...this.members]);
  }
}

const EMPTY: readonly AgentView[] = Object.freeze([]);
/** Most models one agent may announce (the DDS protocol's own bound). */
export const MAX_AGENT_MODELS = 64;
/** Longest model name accepted (the DDS protocol's own bound). */
export const MAX_MODEL_NAME_LENGTH = 256;
/** Most capabilities one agent may announce. */
export const MAX_AGENT_CAPABILITIES = 64;

function fail(field: string, message: string): never {
  throw new InvalidAgentInputError(field, message);
}

function checkNonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(field, `${field} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function checkPositiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(field, `${field} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

function checkStringList(
  value: unknown,
  field: string,
  nonEmpty: boolean,
  maxCount: number,
  maxLength: number,
): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    fail(field, `${field} must be an array of non-empty strings`);
  }
  if (nonEmpty && value.length === 0) fail(field, `${field} must not be empty`);
  if (value.length > maxCount) {
    fail(field, `${field} has ${value.length} entries; at most ${maxCount} are allowed`);
  }
  const long = (value as string[]).find((v) => v.length > maxLength);
  if (long !== undefined) {
    fail(
      field,
      `${field} has an entry of ${long.length} characters; at most ${maxLength} are allowed`,
    );
  }
  return Object.freeze([...new Set(value as string[])]);
}

function validateRegistration(reg: AgentRegistration): void {
  if (reg === null || typeof reg !== 'object')
    fail('registration', 'registration must be an object');
  if (typeof reg.agentId !== 'string' || reg.agentId.length === 0) {
    fail('agentId', 'agentId must be a non-empty string');
  }
  checkStringList(reg.models, 'models', true, MAX_AGENT_MODELS, MAX_MODEL_NAME_LENGTH);
  if (!SPECIALIZATIONS.includes(reg.specialization)) {
    fail(
      'specialization',
      `specialization must be one of ${SPECIALIZATIONS.join(', ')}, got ${String(reg.specialization)}`,
    );
  }
  checkStringList(reg.capabilities, 'capabilities', false, MAX_AGENT_CAPABILITIES, 1024);
  checkPositiveInt(reg.slots, 'slots');
  checkPositiveInt(reg.maxContextTokens, 'maxContextTokens');
  if (typeof reg.version !== 'string') fail('version', 'version must be a string');
  if (typeof reg.hostname !== 'string') fail('hostname', 'hostname must be a string');
  if (!TRANSPORTS.includes(reg.transport)) {
    fail('transport', `transport must be dds or http, got ${String(reg.transport)}`);
  }
  if (reg.httpEndpoint !== undefined && typeof reg.httpEndpoint !== 'string') {
    fail('httpEndpoint', 'httpEndpoint must be a string');
  }
  if (reg.transport === 'http' && !reg.httpEndpoint) {
    fail('httpEndpoint', 'an http agent needs an httpEndpoint');
  }
}

function validateStatus(status: AgentStatusReport): void {
  if (status === null || typeof status !== 'object') fail('status', 'status must be an object');
  if (!AGENT_STATES.includes(status.state)) {
    fail('state', `state must be one of ${AGENT_STATES.join(', ')}, got ${String(status.state)}`);
  }
  checkNonNegative(status.slotsBusy, 'slotsBusy');
  checkNonNegative(status.slotsTotal, 'slotsTotal');
  checkNonNegative(status.queueDepth, 'queueDepth');
  checkNonNegative(status.emaLatencyMs, 'emaLatencyMs');
  checkNonNegative(status.tokensPerSecond, 'tokensPerSecond');
}

/**
 * Converts the seed's `agents:` config section (seconds) into {@link RegistryOptions}.
 * Missing keys keep the defaults (heartbeat_interval 5, timeout 30).
 */
export function registryOptionsFromConfig(agents: {
  heartbeat_interval?: number;
  timeout?: number;
}): Pick<RegistryOptions, 'heartbeatIntervalMs' | 'timeoutMs'> {
  const out: { heartbeatIntervalMs?: number; timeoutMs?: number } = {};
  if (agents.heartbeat_interval !== undefined) {
    out.heartbeatIntervalMs = agents.heartbeat_interval * 1000;
  }
  if (agents.timeout !== undefined) out.timeoutMs = agents.timeout * 1000;
  return out;
}

/**
 * The fleet as state: fed with registrations, status reports, liveliness changes, probe results and
 * removals; judges each agent's health against an injectable clock; counts this gateway's in-flight
 * requests; answers indexed queries; and emits every change on {@link AgentRegistry.events$}.
 *
 * No I/O: the caller feeds inputs and either calls {@link AgentRegistry.tick} or {@link AgentRegistry.start}.
 */
export class AgentRegistry {
  /** Every change, synchronously as it happens. Completes on {@link AgentRegistry.close}. */
  readonly events$: Observable<RegistryEvent>;
  /** Early statuses dropped unused (see {@link AgentRegistry.updateStatus}). Completes on close. */
  readonly statusDropped$: Observable<StatusDropped>;

  private readonly clock: Clock;
  private readonly heartbeatIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly suspectAfterMs: number;
  private readonly evictOfflineAfterMs: number;
  private readonly probeFailuresToOffline: number;
  private readonly latencyAlpha: number;
  private readonly ownedBy: string;
  private readonly wallClockMs: () => number;

  private readonly subject = new Subject<RegistryEvent>();
  private readonly dropped = new Subject<StatusDropped>();
  private readonly agents = new Map<string, AgentRecord>();
  private readonly byModelIndex = new Map<string, IndexBucket>();
  private readonly modelFirstSeen = new Map<string, number>();
  private listCache: readonly AgentRecord[] | undefined;
  /**
   * Statuses that overtook their agent's registration (on DDS they travel on another topic):
   * applied when it arrives. Bounded and expiring, since peers choose the ids; insertion order is
   * arrival order, so the oldest entry is always first.
   */
  private readonly pendingStatus = new Map<string, { status: AgentStatusReport; at: number }>();
  private readonly maxPendingStatus: number;
  private readonly pendingStatusTtlMs: number;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(options: RegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.heartbeatIntervalMs = positive(
      options.heartbeatIntervalMs ?? 5_000,
      'heartbeatIntervalMs',
    );
    this.timeoutMs = positive(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.suspectAfterMs = positive(
      options.suspectAfterMs ?? Math.min(1.5 * this.heartbeatIntervalMs, this.timeoutMs),
      'suspectAfterMs',
    );
    this.evictOfflineAfterMs = positive(
      options.evictOfflineAfterMs ?? 10 * this.timeoutMs,
      'evictOfflineAfterMs',
    );
    this.probeFailuresToOffline = positive(
      options.probeFailuresToOffline ?? 3,
      'probeFailuresToOffline',
    );
    this.latencyAlpha = options.latencyAlpha ?? 0.3;
    if (!(this.latencyAlpha > 0 && this.latencyAlpha <= 1)) {
      throw new RangeError(`latencyAlpha must be in (0, 1], got ${this.latencyAlpha}`);
    }
    this.maxPendingStatus = positive(options.maxPendingStatus ?? 1_024, 'maxPendingStatus');
    this.pendingStatusTtlMs = positive(options.pendingStatusTtlMs ?? 30_000, 'pendingStatusTtlMs');
    this.ownedBy = options.ownedBy ?? 'dds-llm';
    this.wallClockMs = options.wallClockMs ?? Date.now;
    this.events$ = this.subject.asObservable();
    this.statusDropped$ = this.dropped.asObservable();
  }

  /** Sizes of the internal tables (each bounded by the fleet, or by a constant). */
  stats(): { agents: number; models: number; modelTimestamps: number; pendingStatus: number } {
    this.expirePendingStatus(this.clock.now());
    return {
      agents: this.agents.size,
      models: this.byModelIndex.size,
      modelTimestamps: this.modelFirstSeen.size,
      pendingStatus: this.pendingStatus.size,
    };
  }

  /** Number of agents known (any health). */
  get size(): number {
    return this.agents.size;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /**
   * Adds an agent or refreshes its announcement (a sign of life). Throws
   * {@link InvalidAgentInputError} on malformed input. Returns the agent's view.
   */
  upsertRegistration(reg: AgentRegistration): AgentView {
    validateRegistration(reg);
    const now = this.clock.now();
    let rec = this.agents.get(reg.agentId);
    const isNew = rec === undefined;
    const models = checkStringList(
      reg.models,
      'models',
      true,
      MAX_AGENT_MODELS,
      MAX_MODEL_NAME_LENGTH,
    );
    const capabilities = checkStringList(
      reg.capabilities,
      'capabilities',
      false,
      MAX_AGENT_CAPABILITIES,
      1024,
    );
    if (rec === undefined) {
      rec = new AgentRecord(reg.agentId, now);
      this.agents.set(rec.id, rec);
      this.listCache = undefined;
    }
    // Re-announcements are frequent; re-index only on a change so cached query arrays keep their identity.
    const reindex =
      isNew ||
      rec.specialization !== reg.specialization ||
      !sameList(rec.models, models) ||
      !sameList(rec.capabilities, capabilities);
    if (reindex && !isNew) this.unindex(rec);
    const before = this.capacitySnapshot(rec);
    rec.models = models;
    rec.specialization = reg.specialization;
    rec.capabilities = capabilities;
    rec.slots = reg.slots;
    rec.maxContextTokens = reg.maxContextTokens;
    rec.version = reg.version;
    rec.hostname = reg.hostname;
    rec.httpEndpoint = reg.httpEndpoint;
    rec.transport = reg.transport;
    if (!rec.hasStatus) rec.slotsTotal = reg.slots;
    rec.recomputeLoad();
    if (reindex) this.index(rec);
    for (const m of rec.models) {
      if (!this.modelFirstSeen.has(m)) {
        this.modelFirstSeen.set(m, Math.floor(this.wallClockMs() / 1000));
      }
    }
    if (rec.transport === 'dds') {
      rec.alive = true;
      rec.lastSeen = now;
    } else if (isNew) {
      // Reached over HTTP: nothing to discover first.
      rec.reachable = true;
      // Configured HTTP agents are only trusted once a probe has answered.
      rec.health = 'suspect';
      rec.healthReason = 'not-probed';
    }

    if (isNew) {
      this.expirePendingStatus(now);
      const pending = this.pendingStatus.get(rec.id);
      if (pending) {
        this.pendingStatus.delete(rec.id);
        if (now - pending.at < this.suspectAfterMs) this.applyStatus(rec, pending.status);
      }
      this.emit({ type: 'added', agent: rec });
      this.evaluate(rec);
      if (SELECTABILITY[rec.health] > 0 && rec.freeSlots > 0) {
        this.emit({ type: 'capacity-freed', agent: rec, freeSlots: rec.freeSlots });
      }
    } else {
      // Judge first, so that every event shows a view whose health matches its other fields.
      this.evaluate(rec);
      this.emit({ type: 'updated', agent: rec, cause: 'registration' });
      this.emitIfCapacityFreed(rec, before);
    }
    return rec;
  }

  /**
   * Applies a load report (a sign of life). Returns `false` when the agent is unknown; the report
   * is then kept and applied if the registration follows within the suspect delay, since on DDS a
   * status may overtake its registration. At most `maxPendingStatus` such reports are kept, each
   * for `pendingStatusTtlMs`; each one dropped unused is reported on {@link AgentRegistry.statusDropped$}. Throws
   * {@link InvalidAgentInputError} on malformed input.
   */
  updateStatus(agentId: string, status: AgentStatusReport): boolean {
    validateStatus(status);
    const rec = this.agents.get(agentId);
    if (!rec) {
      if (typeof agentId === 'string' && agentId.length > 0) {
        const now = this.clock.now();
        this.expirePendingStatus(now);
        // A newer report replaces the older one without a drop: the agent's newest load is kept.
        this.pendingStatus.delete(agentId);
        this.pendingStatus.set(agentId, { status, at: now });
        if (this.pendingStatus.size > this.maxPendingStatus) {
          const oldest = this.pendingStatus.keys().next().value as string;
          this.pendingStatus.delete(oldest);
          this.dropped.next({ agentId: oldest, reason: 'evicted' });
        }
      }
      return false;
    }
    const before = this.capacitySnapshot(rec);
    this.applyStatus(rec, status);
    rec.deadlineMissed = false;
    rec.alive = true;
    rec.lastSeen = this.clock.now();
    this.evaluate(rec);
    this.emit({ type: 'updated', agent: rec, cause: 'status' });
    this.emitIfCapacityFreed(rec, before);
    return true;
  }

  /** DDS liveliness of the agent's writer changed. Lost liveliness makes it `offline` at once. */
  livelinessChanged(agentId: string, alive: boolean): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    const before = this.capacitySnapshot(rec);
    rec.alive = alive;
    if (alive) rec.lastSeen = this.clock.now();
    this.evaluate(rec);
    this.emitIfCapacityFreed(rec, before);
    return true;
  }

  /**
   * The transport matched (`true`) or lost (`false`) the agent's request reader: whether a
   * request sent now reaches it. Losing a reader it had makes the agent `suspect` (reason
   * `unreachable`) until it is matched again: its link or process is down, and its lease will
   * tell which. Returns `false` for an unknown agent.
   */
  reachabilityChanged(agentId: string, reachable: boolean): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    const before = this.capacitySnapshot(rec);
    if (rec.reachable && !reachable) rec.reachLost = true;
    if (reachable) rec.reachLost = false;
    rec.reachable = reachable;
    this.evaluate(rec);
    this.emitIfCapacityFreed(rec, before);
    return true;
  }

  /** The agent's status deadline (DDS) was missed: `suspect` until its next status. */
  deadlineMissed(agentId: string): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    rec.deadlineMissed = true;
    this.evaluate(rec);
    return true;
  }

  /**
   * Result of a health probe of an HTTP agent: success is a sign of life (and a latency sample);
   * the first failure makes it `suspect`, `probeFailuresToOffline` in a row `offline`.
   */
  probeResult(agentId: string, ok: boolean, latencyMs?: number): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    const before = this.capacitySnapshot(rec);
    if (ok) {
      rec.probed = true;
      rec.probeFailures = 0;
      rec.lastSeen = this.clock.now();
      if (latencyMs !== undefined) this.foldLatency(rec, checkNonNegative(latencyMs, 'latencyMs'));
    } else {
      rec.probeFailures++;
    }
    this.evaluate(rec);
    this.emitIfCapacityFreed(rec, before);
    return true;
  }

  /** Removes an agent (clean leave, admin action...). Its in-flight count goes with it. */
  remove(agentId: string, reason: RemovalReason): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    this.agents.delete(agentId);
    this.listCache = undefined;
    this.unindex(rec);
    this.emit({ type: 'removed', agent: rec, reason });
    return true;
  }

  /**
   * Counts one request this gateway dispatched to the agent. Returns `false` (and counts nothing)
   * for an unknown agent.
   */
  acquire(agentId: string): boolean {
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    rec.inFlight++;
    rec.recomputeLoad();
    return true;
  }

  /**
   * Ends one request counted by {@link AgentRegistry.acquire}. Never goes below zero: returns
   * `false` when there was nothing to release (unknown agent, or already at zero).
   */
  release(agentId: string): boolean {
    const rec = this.agents.get(agentId);
    if (!rec || rec.inFlight === 0) return false;
    rec.inFlight--;
    rec.recomputeLoad();
    if (SELECTABILITY[rec.health] > 0 && rec.freeSlots > 0) {
      this.emit({ type: 'capacity-freed', agent: rec, freeSlots: rec.freeSlots });
    }
    return true;
  }

  /** Folds a latency this gateway measured (ms) into the agent's EMA. */
  observeLatency(agentId: string, ms: number): boolean {
    checkNonNegative(ms, 'latencyMs');
    const rec = this.agents.get(agentId);
    if (!rec) return false;
    this.foldLatency(rec, ms);
    return true;
  }

  /**
   * Re-judges every agent against the clock: silent agents become `suspect`, then `offline`;
   * DDS agents offline for `evictOfflineAfterMs` are removed (`expired`). Configured HTTP agents
   * are never evicted.
   */
  tick(): void {
    const now = this.clock.now();
    for (const rec of this.agents.values()) {
      this.evaluate(rec);
      if (
        rec.health === 'offline' &&
        rec.transport === 'dds' &&
        now - rec.offlineSince >= this.evictOfflineAfterMs
      ) {
        this.remove(rec.id, 'expired');
      }
    }
  }

  /**
   * Calls {@link AgentRegistry.tick} on the clock's timers, every `intervalMs` (default a quarter
   * of the heartbeat interval, at most 1 s). Idempotent.
   */
  start(intervalMs = Math.min(1_000, this.heartbeatIntervalMs / 4)): void {
    if (this.timer || this.closed) return;
    positive(intervalMs, 'intervalMs');
    const loop = () => {
      this.tick();
      if (!this.closed) this.timer = this.clock.setTimer(loop, intervalMs);
    };
    this.timer = this.clock.setTimer(loop, intervalMs);
  }

  /** Stops the timers and completes {@link AgentRegistry.events$}. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.subject.complete();
    this.dropped.complete();
  }

  // ---- queries ------------------------------------------------------------------------------

  get(agentId: string): AgentView | undefined {
    return this.agents.get(agentId);
  }

  /** Every agent (any health). The array is cached until the membership changes: do not mutate. */
  list(): readonly AgentView[] {
    return (this.listCache ??= [...this.agents.values()]);
  }

  /**
   * Agents that serve `model` (any health). The array keeps its identity until that model's
   * membership changes, so callers may cache per array. Do not mutate.
   */
  byModel(model: string): readonly AgentView[] {
    return this.byModelIndex.get(model)?.array() ?? EMPTY;
  }

  /**
   * The OpenAI `/models` list: every model served by at least one agent that is not offline,
   * sorted by id.
   */
  models(): ModelList {
    const data: ModelEntry[] = [];
    for (const [id, bucket] of this.byModelIndex) {
      let live = false;
      for (const r of bucket.members) {
        if (r.health !== 'offline') {
          live = true;
          break;
        }
      }
      if (!live) continue;
      data.push({
        id,
        object: 'model',
        created: this.modelFirstSeen.get(id) ?? 0,
        owned_by: this.ownedBy,
      });
    }
    data.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { object: 'list', data };
  }

  // ---- internals ----------------------------------------------------------------------------

  private emit(event: RegistryEvent): void {
    if (!this.closed) this.subject.next(event);
  }

  /** Drops early statuses older than `pendingStatusTtlMs` (they sit in arrival order). */
  private expirePendingStatus(now: number): void {
    for (const [agentId, p] of this.pendingStatus) {
      if (now - p.at < this.pendingStatusTtlMs) return;
      this.pendingStatus.delete(agentId);
      this.dropped.next({ agentId, reason: 'expired' });
    }
  }

  private applyStatus(rec: AgentRecord, status: AgentStatusReport): void {
    rec.state = status.state;
    rec.slotsBusy = status.slotsBusy;
    rec.slotsTotal = status.slotsTotal;
    rec.queueDepth = status.queueDepth;
    rec.tokensPerSecond = status.tokensPerSecond;
    if (status.emaLatencyMs > 0) this.foldLatency(rec, status.emaLatencyMs);
    rec.inFlightAtStatus = rec.inFlight;
    rec.hasStatus = true;
    rec.recomputeLoad();
  }

  private foldLatency(rec: AgentRecord, ms: number): void {
    rec.emaLatencyMs =
      rec.emaLatencyMs === 0 ? ms : rec.emaLatencyMs + this.latencyAlpha * (ms - rec.emaLatencyMs);
  }

  private capacitySnapshot(rec: AgentRecord): { rank: number; free: number } {
    return { rank: SELECTABILITY[rec.health], free: rec.freeSlots };
  }

  private emitIfCapacityFreed(rec: AgentRecord, before: { rank: number; free: number }): void {
    const rank = SELECTABILITY[rec.health];
    if (rank === 0 || rec.freeSlots === 0 || !this.agents.has(rec.id)) return;
    if (rank > before.rank || rec.freeSlots > before.free || before.free === 0) {
      this.emit({ type: 'capacity-freed', agent: rec, freeSlots: rec.freeSlots });
    }
  }

  /** Recomputes health from the record and the clock; emits `health-changed` on a change. */
  private evaluate(rec: AgentRecord): void {
    const now = this.clock.now();
    const silence = now - rec.lastSeen;
    let health: AgentHealth;
    let reason: string;
    if (!rec.alive) {
      health = 'offline';
      reason = 'liveliness-lost';
    } else if (silence >= this.timeoutMs) {
      health = 'offline';
      reason = rec.transport === 'http' && !rec.probed ? 'never-probed' : 'timeout';
    } else if (rec.transport === 'http' && rec.probeFailures >= this.probeFailuresToOffline) {
      health = 'offline';
      reason = 'probe-failed';
    } else if (rec.state === 'draining') {
      health = 'draining';
      reason = 'draining';
    } else if (rec.transport === 'http' && rec.probeFailures > 0) {
      health = 'suspect';
      reason = 'probe-failed';
    } else if (rec.transport === 'http' && !rec.probed) {
      health = 'suspect';
      reason = 'not-probed';
    } else if (silence >= this.suspectAfterMs) {
      health = 'suspect';
      reason = 'heartbeat-missed';
    } else if (rec.deadlineMissed) {
      health = 'suspect';
      reason = 'deadline-missed';
    } else if (rec.reachLost) {
      health = 'suspect';
      reason = 'unreachable';
    } else {
      health = 'healthy';
      reason = 'ok';
    }
    if (health === rec.health) {
      rec.healthReason = reason;
      return;
    }
    const from = rec.health;
    rec.health = health;
    rec.healthReason = reason;
    if (health === 'offline') rec.offlineSince = now;
    this.emit({ type: 'health-changed', agent: rec, from, to: health, reason });
  }

  private index(rec: AgentRecord): void {
    for (const m of rec.models) bucket(this.byModelIndex, m).add(rec);
  }

  private unindex(rec: AgentRecord): void {
    for (const m of rec.models) {
      unbucket(this.byModelIndex, m, rec);
      // Nothing is kept per model nobody serves (peers choose model names).
      if (!this.byModelIndex.has(m)) this.modelFirstSeen.delete(m);
    }
  }
}

function bucket(index: Map<string, IndexBucket>, key: string): IndexBucket {
  let b = index.get(key);
  if (!b) index.set(key, (b = new IndexBucket()));
  return b;
}

function unbucket(index: Map<string, IndexBucket>, key: string, rec: AgentRecord): void {
  const b = index.get(key);
  if (!b) return;
  b.delete(rec);
  if (b.members.size === 0) index.delete(key);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function positive(value: number, name: string): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
