import type { Qos } from '@dds/transport';

/** Topic names, unchanged from the seed service. */
export const TOPICS = {
  register: 'agent/register',
  status: 'agent/status',
  request: 'agent/request',
  response: 'agent/response',
  /** Gateways announcing themselves and their load to each other (not an agent topic). */
  gatewayStatus: 'gateway/status',
} as const;

/** Default liveliness lease of an agent's writers (the seed's `agents.timeout`, 30 s). */
export const DEFAULT_LEASE_MS = 30_000;
/** Default status heartbeat (the seed's `agents.heartbeat_interval`, 5 s). */
export const DEFAULT_HEARTBEAT_MS = 5_000;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Longest agent, gateway or request id accepted. */
export const MAX_ID_LENGTH = 128;

/**
 * Checks an agent/gateway/request id. Ids become DDS partition names, where `*`, `?`, `[` and `\`
 * are wildcards, so only a conservative alphabet is allowed.
 */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH && ID_RE.test(id);
}

/** Throws a TypeError/RangeError naming `what` when `id` is not a valid id. */
export function assertValidId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string') throw new TypeError(`${what} must be a string`);
  if (id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new RangeError(`${what} must be 1..${MAX_ID_LENGTH} characters, got ${id.length}`);
  }
  if (!ID_RE.test(id)) {
    throw new RangeError(`${what} "${id}" may only contain letters, digits and . _ : -`);
  }
}

/** The partition an agent reads its requests from. */
export function agentPartition(agentId: string): string {
  return `agent.${agentId}`;
}

/** The partition a gateway reads its responses from. */
export function gatewayPartition(gatewayId: string): string {
  return `gateway.${gatewayId}`;
}

/**
 * QoS per topic (ARCHITECTURE.md §4). Writers and readers of one topic must use the matching
 * profile: DDS refuses to match e.g. a transient-local reader with a volatile writer.
 */
export const QOS = {
  /**
   * `agent/register` writer: the agent's liveliness lease makes a killed agent disappear. A
   * clean leave disposes explicitly; autodispose is off so that a lost writer reads as
   * "no writers" (lease expired) on the gateway side, not as a dispose.
   */
  registerWriter(leaseMs: number): Qos {
    return {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
      history: { kind: 'keep-last', depth: 1 },
      liveliness: { kind: 'automatic', leaseMs },
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    };
  },
  /** `agent/register` reader: accepts any lease (requested lease is infinite). */
  registerReader(): Qos {
    return {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
      history: { kind: 'keep-last', depth: 1 },
    };
  },
  /** `agent/status`, both sides: only the latest status per agent matters. */
  status(leaseMs?: number): Qos {
    return {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
      history: { kind: 'keep-last', depth: 1 },
      ...(leaseMs !== undefined ? { liveliness: { kind: 'automatic' as const, leaseMs } } : {}),
    };
  },
  /**
   * `agent/request`, both sides. Unregistering a finished request must not read as a cancel, so
   * unregister does not dispose; an explicit dispose is the cancel.
   */
  request(): Qos {
    return {
      reliability: { kind: 'reliable', maxBlockingTimeMs: 1_000 },
      durability: 'volatile',
      history: { kind: 'keep-all' },
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    };
  },
  /** `agent/response`, both sides: keep-all so that no delta of a request is ever replaced. */
  response(): Qos {
    return {
      reliability: { kind: 'reliable', maxBlockingTimeMs: 1_000 },
      durability: 'volatile',
      history: { kind: 'keep-all' },
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    };
  },
};
