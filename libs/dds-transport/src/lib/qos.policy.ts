/**
 * Typed QoS. Times are milliseconds (`Infinity` allowed). Absent fields keep CycloneDDS's
 * defaults (readers best-effort, writers reliable with 100 ms max blocking time, volatile,
 * keep-last 1, automatic liveliness with infinite lease, shared ownership).
 */
export interface Qos {
  reliability?: { kind: 'reliable' | 'best-effort'; maxBlockingTimeMs?: number };
  durability?: 'volatile' | 'transient-local';
  history?: { kind: 'keep-last'; depth: number } | { kind: 'keep-all' };
  deadlineMs?: number;
  latencyBudgetMs?: number;
  lifespanMs?: number;
  liveliness?: {
    kind: 'automatic' | 'manual-by-participant' | 'manual-by-topic';
    leaseMs?: number;
  };
  ownership?: { kind: 'shared' } | { kind: 'exclusive'; strength?: number };
  resourceLimits?: { maxSamples?: number; maxInstances?: number; maxSamplesPerInstance?: number };
  userData?: Uint8Array;
  topicData?: Uint8Array;
  groupData?: Uint8Array;
  dataRepresentation?: ('XCDR1' | 'XCDR2')[];
  writerDataLifecycle?: { autodisposeUnregisteredInstances: boolean };
}

const QOS_KEYS = new Set([
  'reliability',
  'durability',
  'history',
  'deadlineMs',
  'latencyBudgetMs',
  'lifespanMs',
  'liveliness',
  'ownership',
  'resourceLimits',
  'userData',
  'topicData',
  'groupData',
  'dataRepresentation',
  'writerDataLifecycle',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf(v: unknown, name: string, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v)) {
    throw new TypeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
}

/** A duration in ms: a non-negative number or Infinity. */
export function checkDuration(v: unknown, name: string): void {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new TypeError(`${name} must be a number of milliseconds`);
  if (v < 0) throw new RangeError(`${name} must be >= 0`);
}

function checkInt(v: unknown, name: string, min: number, max = 0x7fffffff): void {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`${name} must be an integer`);
  if (v < min || v > max) throw new RangeError(`${name} must be between ${min} and ${max}`);
}

function checkLimit(v: unknown, name: string): void {
  if (v === undefined || v === Infinity) return;
  checkInt(v, name, 1);
}

/**
 * Validates a QoS object, throwing TypeError/RangeError with the offending field's path.
 * @param where prefix for messages, e.g. `qos` or `writer qos`.
 */
export function validateQos(qos: unknown, where = 'qos'): asserts qos is Qos | undefined {
  if (qos === undefined) return;
  if (!isObject(qos)) throw new TypeError(`${where} must be an object`);
  for (const k of Object.keys(qos)) {
    if (!QOS_KEYS.has(k)) throw new TypeError(`${where}.${k} is not a QoS policy`);
  }
  const q = qos as Record<string, unknown>;
  if (q['reliability'] !== undefined) {
    const r = q['reliability'];
    if (!isObject(r)) throw new TypeError(`${where}.reliability must be an object`);
    oneOf(r['kind'], `${where}.reliability.kind`, ['reliable', 'best-effort']);
    if (r['maxBlockingTimeMs'] !== undefined)
      checkDuration(r['maxBlockingTimeMs'], `${where}.reliability.maxBlockingTimeMs`);
  }
  if (q['durability'] !== undefined)
    oneOf(q['durability'], `${where}.durability`, ['volatile', 'transient-local']);
  if (q['history'] !== undefined) {
    const h = q['history'];
    if (!isObject(h)) throw new TypeError(`${where}.history must be an object`);
    oneOf(h['kind'], `${where}.history.kind`, ['keep-last', 'keep-all']);
    if (h['kind'] === 'keep-last') checkInt(h['depth'], `${where}.history.depth`, 1);
  }
  for (const k of ['deadlineMs', 'latencyBudgetMs', 'lifespanMs']) {
    if (q[k] !== undefined) checkDuration(q[k], `${where}.${k}`);
  }
  if (q['liveliness'] !== undefined) {
    const l = q['liveliness'];
    if (!isObject(l)) throw new TypeError(`${where}.liveliness must be an object`);
    oneOf(l['kind'], `${where}.liveliness.kind`, [
      'automatic',
      'manual-by-participant',
      'manual-by-topic',
    ]);
    if (l['leaseMs'] !== undefined) checkDuration(l['leaseMs'], `${where}.liveliness.leaseMs`);
  }
  if (q['ownership'] !== undefined) {
    const o = q['ownership'];
    if (!isObject(o)) throw new TypeError(`${where}.ownership must be an object`);
    oneOf(o['kind'], `${where}.ownership.kind`, ['shared', 'exclusive']);
    if (o['strength'] !== undefined)
      checkInt(o['strength'], `${where}.ownership.strength`, -0x80000000);
  }
  if (q['resourceLimits'] !== undefined) {
    const r = q['resourceLimits'];
    if (!isObject(r)) throw new TypeError(`${where}.resourceLimits must be an object`);
    for (const k of ['maxSamples', 'maxInstances', 'maxSamplesPerInstance'])
      checkLimit(r[k], `${where}.resourceLimits.${k}`);
  }
  for (const k of ['userData', 'topicData', 'groupData']) {
    if (q[k] !== undefined && !(q[k] instanceof Uint8Array))
      throw new TypeError(`${where}.${k} must be a Uint8Array`);
  }
  if (q['dataRepresentation'] !== undefined) {
    const d = q['dataRepresentation'];
    if (!Array.isArray(d) || d.length === 0)
      throw new TypeError(`${where}.dataRepresentation must be a non-empty array`);
    d.forEach((x, i) => oneOf(x, `${where}.dataRepresentation[${i}]`, ['XCDR1', 'XCDR2']));
  }
  if (q['writerDataLifecycle'] !== undefined) {
    const w = q['writerDataLifecycle'];
    if (!isObject(w) || typeof w['autodisposeUnregisteredInstances'] !== 'boolean') {
      throw new TypeError(
        `${where}.writerDataLifecycle.autodisposeUnregisteredInstances must be a boolean`,
      );
    }
  }
}

/** Validates a partition list (for publishers/subscribers). */
export function validatePartitions(p: unknown): asserts p is string[] | undefined {
  if (p === undefined) return;
  if (!Array.isArray(p) || p.some((x) => typeof x !== 'string')) {
    throw new TypeError('partitions must be an array of strings');
  }
}
