import { parse } from 'yaml';
import type { FailureInjectionOptions, SimEngineOptions } from '@dds/agent';
import { isValidId, SPECIALIZATIONS, type Specialization } from '@dds/protocol';
import {
  DdsSecurityError,
  securityOptionsFromConfig,
  type DdsSecurityOptions,
} from '@dds/transport';

/** One group of identical agents. */
export interface AgentGroupConfig {
  /** Agent ids are `<name>-<n>` (n from 1). */
  readonly name: string;
  readonly count: number;
  readonly models: readonly string[];
  readonly specialization: Specialization;
  readonly slots: number;
  readonly maxContextTokens: number;
  readonly engine: 'sim' | 'openai';
  readonly sim: SimEngineOptions;
  /** For `engine: openai`: the upstream base URL (with `/v1`) and optional key. */
  readonly openai?: { readonly baseUrl: string; readonly apiKey?: string };
  readonly failure?: Omit<FailureInjectionOptions, 'crash'>;
}

/** A whole simulated fleet (one process, one DomainParticipant). */
export interface FleetConfig {
  readonly domainId: number;
  /** Liveliness lease, ms (`agents.timeout`, given in seconds in YAML). */
  readonly leaseMs: number;
  /** Status heartbeat, ms (`agents.heartbeat_interval`, seconds in YAML). */
  readonly heartbeatMs: number;
  readonly httpHost: string;
  /** First agent's HTTP port; the next agents count up. 0 = ephemeral ports. */
  readonly httpBasePort: number;
  readonly groups: readonly AgentGroupConfig[];
  /** DDS Security of the fleet's participant (`dds_security` in YAML); absent = off. */
  readonly security?: DdsSecurityOptions;
}

/** Thrown for an invalid fleet file or flag, with the offending key in the message. */
export class FleetConfigError extends Error {
  override readonly name = 'FleetConfigError';
}

const SIM_DEFAULTS: SimEngineOptions = {
  ttftMs: 50,
  prefillTokensPerSec: 2000,
  decodeTokensPerSec: 50,
  outputTokens: 32,
};

/**
 * The default fleet (`npm start` brings it up next to the gateway): two text agents serving
 * `phi-4-mini`, one vision agent `qwen2-vl-2b`, one embedding agent `nomic-embed-text`.
 */
export const DEFAULT_FLEET: FleetConfig = {
  domainId: 0,
  leaseMs: 30_000,
  heartbeatMs: 5_000,
  httpHost: '127.0.0.1',
  httpBasePort: 8101,
  groups: [
    group({ name: 'sim-text', count: 2, models: ['phi-4-mini'], specialization: 'text' }),
    group({
      name: 'sim-vision',
      count: 1,
      models: ['qwen2-vl-2b'],
      specialization: 'vision',
      sim: { ...SIM_DEFAULTS, vision: true, decodeTokensPerSec: 30 },
    }),
    group({
      name: 'sim-embed',
      count: 1,
      models: ['nomic-embed-text'],
      specialization: 'embedding',
      slots: 8,
      sim: { ...SIM_DEFAULTS, embeddingDim: 768, prefillTokensPerSec: 20_000 },
    }),
  ],
};

function group(
  g: Partial<AgentGroupConfig> & Pick<AgentGroupConfig, 'name' | 'models' | 'specialization'>,
): AgentGroupConfig {
  return {
    count: 1,
    slots: 4,
    maxContextTokens: 8192,
    engine: 'sim',
    sim: SIM_DEFAULTS,
    failure: {},
    ...g,
  };
}

/** Zero think time: every simulated duration is 0 (for benchmarks of the path, not the model). */
export function zeroThinkTime(c: FleetConfig): FleetConfig {
  return {
    ...c,
    groups: c.groups.map((g) => ({
      ...g,
      sim: { ...g.sim, ttftMs: 0, prefillTokensPerSec: 0, decodeTokensPerSec: 0 },
    })),
  };
}

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new FleetConfigError(`${where} must be a mapping`);
  return v as Obj;
}

function num(
  o: Obj,
  key: string,
  where: string,
  def: number,
  opts: { int?: boolean; min?: number; max?: number } = {},
): number {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new FleetConfigError(`${where}.${key} must be a number, got ${JSON.stringify(v)}`);
  if (opts.int && !Number.isInteger(v))
    throw new FleetConfigError(`${where}.${key} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min)
    throw new FleetConfigError(`${where}.${key} must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max)
    throw new FleetConfigError(`${where}.${key} must be <= ${opts.max}, got ${v}`);
  return v;
}

function optNum(
  o: Obj,
  key: string,
  where: string,
  opts: { int?: boolean; min?: number; max?: number } = {},
): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : num(o, key, where, 0, opts);
}

function str(o: Obj, key: string, where: string, def?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def === undefined) throw new FleetConfigError(`${where}.${key} is required`);
    return def;
  }
  if (typeof v !== 'string' || v === '')
    throw new FleetConfigError(`${where}.${key} must be a non-empty string`);
  return v;
}

/**
 * Parses a fleet YAML file. Keys (times in the `agents` section are seconds, as in the seed's
 * config.yaml):
 *
 * ```yaml
 * dds: { domain: 0 }
 * agents: { heartbeat_interval: 5, timeout: 30 }
 * http: { host: 127.0.0.1, base_port: 8101 }
 * dds_security:                 # optional; files from tools/dds-security (an agent identity)
 *   enabled: true
 *   identity_ca: …/identity_ca.pem
 *   identity_certificate: …/cert.pem
 *   private_key: …/key.pem
 *   permissions_ca: …/permissions_ca.pem
 *   governance: …/governance.p7s
 *   permissions: …/permissions.p7s
 * fleet:
 *   - name: sim-text
 *     count: 2
 *     models: [phi-4-mini]
 *     specialization: text        # text | vision | embedding
 *     slots: 4
 *     max_context_tokens: 8192
 *     engine: sim                 # sim | openai
 *     sim: { ttft_ms: 50, prefill_tokens_per_sec: 2000, decode_tokens_per_sec: 50,
 *            output_tokens: 32, seed: 0, embedding_dim: 768, vision: false }
 *     openai: { base_url: http://127.0.0.1:8080/v1, api_key: ... }
 *     failure: { error_rate: 0, crash_after: 100, stall_after_tokens: 5, slow_factor: 2 }
 * ```
 */
export function parseFleetConfig(text: string, base: FleetConfig = DEFAULT_FLEET): FleetConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new FleetConfigError(`fleet file is not valid YAML: ${(e as Error).message}`);
  }
  const root = obj(doc, 'fleet file');
  const dds = obj(root['dds'], 'dds');
  const agents = obj(root['agents'], 'agents');
  const http = obj(root['http'], 'http');
  const leaseS = num(agents, 'timeout', 'agents', base.leaseMs / 1000, { min: 0.05 });
  const heartbeatS = num(agents, 'heartbeat_interval', 'agents', base.heartbeatMs / 1000, {
    min: 0.01,
  });
  const fleet = root['fleet'];
  let groups = base.groups;
  if (fleet !== undefined) {
    if (!Array.isArray(fleet) || fleet.length === 0)
      throw new FleetConfigError('fleet must be a non-empty list');
    groups = fleet.map((g, i) => parseGroup(obj(g, `fleet[${i}]`), `fleet[${i}]`));
  }
  const names = new Set<string>();
  for (const g of groups) {
    if (names.has(g.name)) throw new FleetConfigError(`fleet group name "${g.name}" is used twice`);
    names.add(g.name);
  }
  const security = parseSecurity(obj(root['dds_security'], 'dds_security'), base.security);
  return {
    ...(security ? { security } : {}),
    domainId: num(dds, 'domain', 'dds', base.domainId, { int: true, min: 0, max: 232 }),
    leaseMs: Math.round(leaseS * 1000),
    heartbeatMs: Math.round(heartbeatS * 1000),
    httpHost: str(http, 'host', 'http', base.httpHost),
    httpBasePort: num(http, 'base_port', 'http', base.httpBasePort, {
      int: true,
      min: 0,
      max: 65535,
    }),
    groups,
  };
}

/** `dds_security`: off unless `enabled: true`; then every file is checked now. */
function parseSecurity(
  section: Obj,
  base: DdsSecurityOptions | undefined,
): DdsSecurityOptions | undefined {
  const enabled = section['enabled'];
  if (enabled === undefined && Object.keys(section).length === 0) return base;
  if (typeof enabled !== 'boolean')
    throw new FleetConfigError('dds_security.enabled must be true or false');
  if (!enabled) return undefined;
  try {
    return securityOptionsFromConfig(section, 'dds_security');
  } catch (e) {
    if (e instanceof DdsSecurityError) throw new FleetConfigError(e.message);
    throw e;
  }
}

function parseGroup(g: Obj, where: string): AgentGroupConfig {
  const name = str(g, 'name', where);
  if (!isValidId(`${name}-1`))
    throw new FleetConfigError(
      `${where}.name "${name}" may only contain letters, digits and . _ : -`,
    );
  const models = g['models'] ?? (g['model'] !== undefined ? [g['model']] : undefined);
  if (
    !Array.isArray(models) ||
    models.length === 0 ||
    !models.every((m) => typeof m === 'string' && m)
  ) {
    throw new FleetConfigError(`${where}.models must be a non-empty list of model names`);
  }
  const specialization = str(g, 'specialization', where, 'text');
  if (!SPECIALIZATIONS.includes(specialization as Specialization)) {
    throw new FleetConfigError(
      `${where}.specialization must be one of ${SPECIALIZATIONS.join(', ')}, got "${specialization}"`,
    );
  }
  const engine = str(g, 'engine', where, 'sim');
  if (engine !== 'sim' && engine !== 'openai')
    throw new FleetConfigError(`${where}.engine must be sim or openai, got "${engine}"`);
  const s = obj(g['sim'], `${where}.sim`);
  const sw = `${where}.sim`;
  const vision = s['vision'] ?? specialization === 'vision';
  if (typeof vision !== 'boolean') throw new FleetConfigError(`${sw}.vision must be true or false`);
  const sim: SimEngineOptions = {
    ttftMs: num(s, 'ttft_ms', sw, SIM_DEFAULTS.ttftMs as number, { min: 0 }),
    prefillTokensPerSec: num(
      s,
      'prefill_tokens_per_sec',
      sw,
      SIM_DEFAULTS.prefillTokensPerSec as number,
      { min: 0 },
    ),
    decodeTokensPerSec: num(
      s,
      'decode_tokens_per_sec',
      sw,
      SIM_DEFAULTS.decodeTokensPerSec as number,
      { min: 0 },
    ),
    outputTokens: num(s, 'output_tokens', sw, SIM_DEFAULTS.outputTokens as number, {
      int: true,
      min: 0,
    }),
    seed: num(s, 'seed', sw, 0, { int: true }),
    embeddingDim: num(s, 'embedding_dim', sw, 768, { int: true, min: 1, max: 65536 }),
    vision,
  };
  const f = obj(g['failure'], `${where}.failure`);
  const fw = `${where}.failure`;
  const slowFactor = optNum(f, 'slow_factor', fw, { min: 0 });
  const failure = {
    errorRate: num(f, 'error_rate', fw, 0, { min: 0, max: 1 }),
    crashAfter: optNum(f, 'crash_after', fw, { int: true, min: 0 }),
    stallAfterTokens: optNum(f, 'stall_after_tokens', fw, { int: true, min: 0 }),
  };
  let openai: AgentGroupConfig['openai'];
  if (engine === 'openai') {
    const o = obj(g['openai'], `${where}.openai`);
    const baseUrl = str(o, 'base_url', `${where}.openai`);
    try {
      new URL(baseUrl);
    } catch {
      throw new FleetConfigError(`${where}.openai.base_url is not a URL: ${baseUrl}`);
    }
    const apiKey = o['api_key'];
    openai = { baseUrl, ...(typeof apiKey === 'string' ? { apiKey } : {}) };
  }
  return {
    name,
    count: num(g, 'count', where, 1, { int: true, min: 0, max: 1000 }),
    models: models as string[],
    specialization: specialization as Specialization,
    slots: num(g, 'slots', where, 4, { int: true, min: 1, max: 4096 }),
    maxContextTokens: num(g, 'max_context_tokens', where, 8192, { int: true, min: 1 }),
    engine,
    sim: slowFactor !== undefined ? { ...sim, slowFactor } : sim,
    ...(openai ? { openai } : {}),
    failure: {
      ...(failure.errorRate ? { errorRate: failure.errorRate } : {}),
      ...(failure.crashAfter !== undefined ? { crashAfter: failure.crashAfter } : {}),
      ...(failure.stallAfterTokens !== undefined
        ? { stallAfterTokens: failure.stallAfterTokens }
        : {}),
    },
  };
}
