import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { DdsSecurityError, securityOptionsFromConfig } from '@dds/transport';
import { GatewayConfig } from './config.schema';

/** Where a configuration value came from (for error messages). */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** Raised when the configuration cannot be loaded; `issues` name each bad key. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type LeafKind = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'json';

/**
 * Every scalar key, with its kind. Env and flag values are strings; the kind says how to read
 * them. A key's environment variable is `DDS_LLM_` + its path upper-cased with `.` as `_`
 * (`server.port` -> `DDS_LLM_SERVER_PORT`).
 */
const LEAVES: Readonly<Record<string, LeafKind>> = {
  'server.host': 'string',
  'server.port': 'int',
  'server.api_keys': 'list',
  'server.cors_origins': 'list',
  'server.body_limit': 'int',
  'server.request_timeout': 'number',
  'server.shutdown_grace': 'number',
  'server.max_buffered_bytes': 'int',
  'server.receive_timeout': 'number',
  'dds.enabled': 'boolean',
  'dds.domain': 'int',
  'dds.participant_name': 'string',
  'dds.config': 'string',
  'dds_security.enabled': 'boolean',
  'dds_security.identity_ca': 'string',
  'dds_security.identity_certificate': 'string',
  'dds_security.private_key': 'string',
  'dds_security.permissions_ca': 'string',
  'dds_security.governance': 'string',
  'dds_security.permissions': 'string',
  'dds_security.library_dir': 'string',
  'agents.heartbeat_interval': 'number',
  'agents.timeout': 'number',
  'agents.http': 'json',
  'scheduler.max_queue_size': 'int',
  'scheduler.priority_levels': 'int',
  'scheduler.max_retries': 'int',
  'scheduler.max_resumes': 'int',
  'scheduler.inter_token_timeout': 'number',
  'selector.strategy': 'string',
  'selector.allow_header_override': 'boolean',
  'limits.max_messages': 'int',
  'limits.max_tokens': 'int',
  'limits.max_json_depth': 'int',
  'context.ttl': 'number',
  'context.max_sessions': 'int',
  'responses.ttl': 'number',
  'responses.max_responses': 'int',
  'responses.max_bytes': 'int',
  'logging.level': 'string',
  'fleet.mode': 'string',
  'dashboard.enabled': 'boolean',
  'dashboard.assets': 'string',
  'dashboard.sample_rate': 'int',
};

/** Shorter environment names kept for convenience (and `PORT`, which platforms set). */
const ENV_ALIASES: Readonly<Record<string, string>> = {
  PORT: 'server.port',
  DDS_LLM_HOST: 'server.host',
  DDS_LLM_PORT: 'server.port',
  DDS_LLM_API_KEYS: 'server.api_keys',
  DDS_LLM_LOG_LEVEL: 'logging.level',
  DDS_LLM_FLEET: 'fleet.mode',
};

/** The defaults: the seed's values, plus safe ones for what the seed did not have. */
export function defaultConfig(): Record<string, Record<string, unknown>> {
  return {
    server: {
      host: '0.0.0.0',
      port: 8080,
      api_keys: [],
      cors_origins: [],
      body_limit: 4 * 1024 * 1024,
      request_timeout: 120,
      shutdown_grace: 10,
      max_buffered_bytes: 8 * 1024 * 1024,
      receive_timeout: 30,
    },
    dds: { enabled: true, domain: 0, participant_name: 'orchestrator', config: '' },
    dds_security: {
      enabled: false,
      identity_ca: '',
      identity_certificate: '',
      private_key: '',
      permissions_ca: '',
      governance: '',
      permissions: '',
      library_dir: '',
    },
    agents: { heartbeat_interval: 5, timeout: 30, http: [] },
    scheduler: {
      max_queue_size: 100,
      priority_levels: 3,
      max_retries: 2,
      max_resumes: 2,
      inter_token_timeout: 30,
    },
    selector: { strategy: 'least-loaded', allow_header_override: true },
    limits: { max_messages: 2048, max_tokens: 131072, max_json_depth: 64 },
    context: { ttl: 1800, max_sessions: 10000 },
    responses: { ttl: 86400, max_responses: 10000, max_bytes: 256 * 1024 * 1024 },
    logging: { level: 'info' },
    fleet: { mode: 'none' },
    dashboard: { enabled: true, assets: '', sample_rate: 20 },
  };
}

/** The CLI flags that carry configuration (commander's camel-cased option names). */
export interface ConfigFlags {
  port?: string;
  host?: string;
  config?: string;
  ddsDomain?: string;
  logLevel?: string;
  fleet?: string;
  selectorStrategy?: string;
}

const FLAG_KEYS: Readonly<Record<keyof ConfigFlags, { path: string; flag: string } | null>> = {
  port: { path: 'server.port', flag: '--port' },
  host: { path: 'server.host', flag: '--host' },
  config: null,
  ddsDomain: { path: 'dds.domain', flag: '--dds-domain' },
  logLevel: { path: 'logging.level', flag: '--log-level' },
  fleet: { path: 'fleet.mode', flag: '--fleet' },
  selectorStrategy: { path: 'selector.strategy', flag: '--selector-strategy' },
};

/** Inputs of {@link loadConfig}; everything optional so tests can give only what they test. */
export interface LoadConfigInput {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  /** Read a config file (tests pass an in-memory one). */
  readFile?: (path: string) => string;
}

/** The loaded configuration and the origin of each key set from outside the defaults. */
export interface LoadedConfig {
  config: GatewayConfig;
  configFile?: string;
  sources: Record<string, { source: ConfigSource; origin: string }>;
}

function coerce(kind: LeafKind, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const s = raw.trim();
  switch (kind) {
    case 'int':
    case 'number':
      // Number('') is 0 and Number('0x10') is 16: accept plain decimals only, leave the rest
      // as strings so validation names the key.
      return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : raw;
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(s)) return true;
      if (/^(false|0|no|off)$/i.test(s)) return false;
      return raw;
    case 'list':
      return s === '' ? [] : s.split(',').map((v) => v.trim());
    case 'json':
      try {
        return JSON.parse(s);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function withAgentDefaults(entry: Record<string, unknown>): Record<string, unknown> {
  const { model, ...rest } = entry;
  return {
    specialization: 'text',
    capabilities: ['streaming', 'functions'],
    slots: 8,
    // `model: x` is shorthand for `models: [x]`.
    ...(model !== undefined && rest['models'] === undefined ? { models: [model] } : {}),
    ...rest,
  };
}

function setPath(target: Record<string, Record<string, unknown>>, path: string, value: unknown) {
  const [section, key] = path.split('.');
  target[section] ??= {};
  target[section][key] = value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function flatten(
  errors: readonly ValidationError[],
  prefix: string,
  sources: LoadedConfig['sources'],
  out: string[],
): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const origin = sources[path] ?? sources[path.replace(/\.\d+(\..*)?$/, '')];
      const from = origin ? ` (from ${origin.origin})` : '';
      const messages = Object.values(e.constraints).map((m) =>
        m.replace(/^property \S+ should not exist$/, 'unknown key'),
      );
      out.push(`${path}: ${messages.join('; ')}; got ${describe(e.value)}${from}`);
    }
    if (e.children?.length) flatten(e.children, path, sources, out);
  }
}

/**
 * Builds the gateway configuration: defaults, then the YAML file (`--config` or
 * `DDS_LLM_CONFIG`), then the environment, then flags, each overriding the one before; then
 * validates it once. Throws {@link ConfigError} naming every bad key.
 */
export function loadConfig(input: LoadConfigInput = {}): LoadedConfig {
  const flags = input.flags ?? {};
  const env = input.env ?? process.env;
  const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const raw = defaultConfig();
  const sources: LoadedConfig['sources'] = {};
  const issues: string[] = [];

  const configFile = flags.config ?? env['DDS_LLM_CONFIG'] ?? undefined;
  if (configFile) {
    let text: string | undefined;
    try {
      text = readFile(configFile);
    } catch (err) {
      issues.push(`config file ${configFile}: cannot be read (${(err as Error).message})`);
    }
    if (text !== undefined) {
      let doc: unknown;
      try {
        doc = parseYaml(text);
      } catch (err) {
        issues.push(`config file ${configFile}: not valid YAML (${(err as Error).message})`);
      }
      if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
        issues.push(`config file ${configFile}: must be a mapping of sections`);
      } else if (doc) {
        for (const [section, body] of Object.entries(doc as Record<string, unknown>)) {
          if (!(section in raw)) {
            issues.push(`${section}: unknown section (from ${configFile})`);
            continue;
          }
          if (body === null || body === undefined) continue;
          if (typeof body !== 'object' || Array.isArray(body)) {
            issues.push(
              `${section}: must be a mapping; got ${describe(body)} (from ${configFile})`,
            );
            continue;
          }
          for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
            const path = `${section}.${key}`;
            const kind = LEAVES[path];
            setPath(raw, path, kind ? coerce(kind, value) : value);
            sources[path] = { source: 'file', origin: configFile };
          }
        }
      }
    }
  }

  const envPaths: [string, string][] = [
    ...Object.entries(ENV_ALIASES),
    ...Object.keys(LEAVES).map((p): [string, string] => [
      `DDS_LLM_${p.replace(/\./g, '_').toUpperCase()}`,
      p,
    ]),
  ];
  // Aliases first, so the canonical name wins when both are set.
  for (const [name, path] of envPaths) {
    const value = env[name];
    if (value === undefined) continue;
    setPath(raw, path, coerce(LEAVES[path], value));
    sources[path] = { source: 'env', origin: `env ${name}` };
  }

  for (const [name, spec] of Object.entries(FLAG_KEYS)) {
    const value = flags[name as keyof ConfigFlags];
    if (!spec || value === undefined) continue;
    setPath(raw, spec.path, coerce(LEAVES[spec.path], value));
    sources[spec.path] = { source: 'flag', origin: `flag ${spec.flag}` };
  }

  if (Array.isArray(raw['agents']['http'])) {
    raw['agents']['http'] = (raw['agents']['http'] as unknown[]).map((entry) =>
      entry && typeof entry === 'object' && !Array.isArray(entry)
        ? withAgentDefaults(entry as Record<string, unknown>)
        : entry,
    );
  }
  if (typeof raw['logging']['level'] === 'string') {
    raw['logging']['level'] = (raw['logging']['level'] as string).toLowerCase();
  }

  const config = plainToInstance(GatewayConfig, raw);
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: true });
  flatten(errors, '', sources, issues);
  if (issues.length === 0 && config.agents.timeout <= config.agents.heartbeat_interval) {
    issues.push(
      `agents.timeout: must be greater than agents.heartbeat_interval (${config.agents.heartbeat_interval}); got ${config.agents.timeout}`,
    );
  }
  const ids = new Set<string>();
  for (const a of config.agents?.http ?? []) {
    if (ids.has(a.id)) issues.push(`agents.http: duplicate agent id ${JSON.stringify(a.id)}`);
    ids.add(a.id);
  }
  if (issues.length === 0 && config.dds_security.enabled) {
    // Every certificate, key and signed document must be there and readable now, not when DDS
    // first needs it.
    try {
      securityOptionsFromConfig({ ...config.dds_security }, 'dds_security');
    } catch (err) {
      if (!(err instanceof DdsSecurityError)) throw err;
      const origin = sources[err.option];
      issues.push(`${err.message}${origin ? ` (from ${origin.origin})` : ''}`);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return { config, configFile, sources };
}

/** pino's level for a configured one (the seed's Python names map onto pino's). */
export function pinoLevel(level: string): 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' {
  switch (level.toLowerCase()) {
    case 'warning':
      return 'warn';
    case 'critical':
      return 'fatal';
    default:
      return level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  }
}
