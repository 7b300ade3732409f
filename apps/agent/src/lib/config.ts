import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';

/** A bad flag or configuration value; the message names the key. The CLI exits with status 2. */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

/** An agent serving a GGUF model in this process (llama.cpp through node-llama-cpp). */
export interface LlamaAgentConfig {
  readonly engine: 'llama';
  readonly id: string;
  readonly model: string;
  /** The model name announced to the fleet; default the GGUF's `general.name`. */
  readonly modelName?: string;
  readonly slots: number;
  readonly contextSize?: number;
  readonly threads: number;
  readonly embedding: boolean;
  readonly gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
}

/** A sidecar agent in front of an OpenAI-compatible server (llama-server, vLLM, SGLang, Ollama, TGI). */
export interface OpenAIAgentConfig {
  readonly engine: 'openai';
  readonly id: string;
  /** Base URL of the server (with or without `/v1`). */
  readonly upstream: string;
  readonly apiKey?: string;
  /** Concurrent requests; default what the upstream reports (llama-server `total_slots`), else 4. */
  readonly slots?: number;
  /** Serve only these upstream models; default all of `GET /v1/models`. */
  readonly models?: readonly string[];
  /** Serve embeddings (an embedding model upstream) instead of chat. */
  readonly embedding: boolean;
}

export type AgentConfig = LlamaAgentConfig | OpenAIAgentConfig;

/** Everything the `dds-llm-agent` process runs with. */
export interface AgentProcessConfig {
  readonly domainId: number;
  /** `agents.heartbeat_interval`, ms. */
  readonly heartbeatMs: number;
  /** `agents.timeout` (liveliness lease), ms. */
  readonly leaseMs: number;
  readonly logLevel: string;
  /** Each agent's own OpenAI-compatible HTTP port (counting up from `port`; 0 = ephemeral). */
  readonly http?: { readonly host: string; readonly port: number };
  readonly drainTimeoutMs: number;
  readonly exitWithStdin: boolean;
  readonly agents: readonly AgentConfig[];
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const GPUS = ['auto', 'false', 'cuda', 'vulkan', 'metal'];
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function defaultThreads(): number {
  return Math.max(1, Math.min(4, cpus().length));
}

/** The command line (the seed's --config, --dds-domain, --log-level; one agent from flags). */
export function buildCommand(): Command {
  const int = (name: string, min: number) => (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
  const seconds = (name: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be > 0`);
    return n;
  };
  return new Command('dds-llm-agent')
    .description(
      'Puts a real model (a GGUF file, in process) or a real inference server (any OpenAI-compatible one) on the dds-llm fleet.',
    )
    .option('-c, --config <file>', 'YAML file (see README); flags win over it')
    .addOption(new Option('--engine <kind>', 'one agent from flags').choices(['llama', 'openai']))
    .option('--model <path>', 'llama: the GGUF file')
    .option('--model-name <name>', 'llama: the model name announced (default: the GGUF name)')
    .option('--embedding', 'serve embeddings (an embedding model)')
    .option('--slots <n>', 'concurrent requests (llama: context sequences)', int('--slots', 1))
    .option(
      '--context-size <n>',
      'llama: tokens per slot (default: the model’s)',
      int('--context-size', 16),
    )
    .option('--threads <n>', 'llama: CPU threads', int('--threads', 1))
    .addOption(new Option('--gpu <kind>', 'llama: GPU backend').choices(GPUS))
    .option('--upstream <url>', 'openai: base URL of the OpenAI-compatible server')
    .option('--upstream-api-key <key>', 'openai: upstream API key (or DDS_LLM_UPSTREAM_API_KEY)')
    .option('--id <id>', 'agent id (default: <engine>-<hostname>-<pid>)')
    .option('--dds-domain <id>', 'DDS domain id', int('--dds-domain', 0))
    .option(
      '--heartbeat-interval <s>',
      'agents.heartbeat_interval',
      seconds('--heartbeat-interval'),
    )
    .option('--timeout <s>', 'agents.timeout (liveliness lease)', seconds('--timeout'))
    .option(
      '--http-port <port>',
      'serve each agent over HTTP too (0 = ephemeral)',
      int('--http-port', 0),
    )
    .option('--http-host <host>', 'host of the HTTP port', undefined)
    .option(
      '--drain-timeout <s>',
      'on SIGTERM, wait this long for running requests',
      seconds('--drain-timeout'),
    )
    .option('--exit-with-stdin', 'drain and exit when standard input closes')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
    .showHelpAfterError();
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a YAML section, refusing keys it does not know (a typo must not pass silently). */
function section(v: unknown, key: string, known: readonly string[]): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new AgentConfigError(`${key} must be a mapping`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      throw new AgentConfigError(
        `${key ? `${key}.` : ''}${k} is not a known key (known: ${known.join(', ')})`,
      );
    }
  }
  return v;
}

function intAt(v: unknown, key: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new AgentConfigError(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function secondsAt(v: unknown, key: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new AgentConfigError(`${key} must be a number of seconds > 0, got ${JSON.stringify(v)}`);
  }
  return Math.round(v * 1000);
}

function strAt(v: unknown, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') {
    throw new AgentConfigError(`${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
}

function boolAt(v: unknown, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new AgentConfigError(`${key} must be true or false`);
  return v;
}

function urlAt(v: unknown, key: string): string {
  const s = strAt(v, key);
  if (s === undefined) throw new AgentConfigError(`${key} is required for engine openai`);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new AgentConfigError(`${key} must be an http(s) URL, got ${JSON.stringify(s)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AgentConfigError(`${key} must be an http(s) URL, got ${JSON.stringify(s)}`);
  }
  return s;
}

const AGENT_KEYS = [
  'engine',
  'id',
  'model',
  'model_name',
  'slots',
  'context_size',
  'threads',
  'embedding',
  'gpu',
  'upstream',
  'api_key',
  'models',
];

/** One `agents.list[i]` entry (or the flags, mapped to the same keys). */
function agentAt(raw: unknown, key: string, index: number, env: NodeJS.ProcessEnv): AgentConfig {
  const a = section(raw, key, AGENT_KEYS);
  const engine = a['engine'];
  const id =
    strAt(a['id'], `${key}.id`) ??
    `${String(engine)}-${hostnameSafe()}-${process.pid}${index ? `-${index}` : ''}`;
  if (!ID.test(id)) {
    throw new AgentConfigError(
      `${key}.id must be 1-128 of letters, digits and . _ : -, got ${JSON.stringify(id)}`,
    );
  }
  const slots = intAt(a['slots'], `${key}.slots`, 1);
  const embedding = boolAt(a['embedding'], `${key}.embedding`) ?? false;
  if (engine === 'llama') {
    for (const k of ['upstream', 'api_key', 'models']) {
      if (a[k] !== undefined) throw new AgentConfigError(`${key}.${k} is for engine openai only`);
    }
    const model = strAt(a['model'], `${key}.model`);
    if (!model)
      throw new AgentConfigError(`${key}.model (the GGUF file) is required for engine llama`);
    const gpu = a['gpu'] ?? false;
    if (!GPUS.includes(String(gpu))) {
      throw new AgentConfigError(
        `${key}.gpu must be one of ${GPUS.join(', ')}, got ${JSON.stringify(gpu)}`,
      );
    }
    const modelName = strAt(a['model_name'], `${key}.model_name`);
    const contextSize = intAt(a['context_size'], `${key}.context_size`, 16);
    return {
      engine,
      id,
      model,
      ...(modelName ? { modelName } : {}),
      slots: slots ?? 1,
      ...(contextSize !== undefined ? { contextSize } : {}),
      threads: intAt(a['threads'], `${key}.threads`, 1) ?? defaultThreads(),
      embedding,
      gpu: gpu === 'false' || gpu === false ? false : (gpu as LlamaAgentConfig['gpu']),
    };
  }
  if (engine === 'openai') {
    for (const k of ['model', 'model_name', 'context_size', 'threads', 'gpu']) {
      if (a[k] !== undefined) throw new AgentConfigError(`${key}.${k} is for engine llama only`);
    }
    const models = a['models'];
    if (
      models !== undefined &&
      (!Array.isArray(models) ||
        models.length === 0 ||
        models.some((m) => typeof m !== 'string' || !m))
    ) {
      throw new AgentConfigError(`${key}.models must be a non-empty list of model names`);
    }
    const apiKey = strAt(a['api_key'], `${key}.api_key`) ?? env['DDS_LLM_UPSTREAM_API_KEY'];
    return {
      engine,
      id,
      upstream: urlAt(a['upstream'], `${key}.upstream`),
      ...(apiKey ? { apiKey } : {}),
      ...(slots !== undefined ? { slots } : {}),
      ...(models ? { models: models as string[] } : {}),
      embedding,
    };
  }
  throw new AgentConfigError(
    `${key}.engine must be llama or openai, got ${JSON.stringify(engine)}`,
  );
}

function hostnameSafe(): string {
  return hostname().replace(/[^A-Za-z0-9._:-]/g, '-');
}

/**
 * Resolves flags over the YAML file into one validated configuration; throws
 * {@link AgentConfigError} naming the first bad key, or commander's error for a bad flag.
 */
export function resolveConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): AgentProcessConfig {
  const cmd = buildCommand().exitOverride();
  cmd.parse([...argv], { from: 'user' });
  const o = cmd.opts();
  let file: Obj = {};
  if (o['config']) {
    let text: string;
    try {
      text = readFile(o['config'] as string);
    } catch (e) {
      throw new AgentConfigError(`cannot read ${o['config']}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new AgentConfigError(`${o['config']} is not valid YAML: ${(e as Error).message}`);
    }
    file = section(doc, '', ['dds', 'agents', 'http', 'logging', 'drain_timeout']);
  }
  const dds = section(file['dds'], 'dds', ['domain']);
  const agentsSec = section(file['agents'], 'agents', ['heartbeat_interval', 'timeout', 'list']);
  const http = section(file['http'], 'http', ['host', 'port']);
  const logging = section(file['logging'], 'logging', ['level']);

  let agents: AgentConfig[];
  if (o['engine'] !== undefined) {
    const flagAgent: Obj = {
      engine: o['engine'],
      id: o['id'],
      model: o['model'],
      model_name: o['modelName'],
      slots: o['slots'],
      context_size: o['contextSize'],
      threads: o['threads'],
      embedding: o['embedding'] ? true : undefined,
      gpu: o['gpu'],
      upstream: o['upstream'],
      api_key: o['upstreamApiKey'],
    };
    for (const k of Object.keys(flagAgent)) if (flagAgent[k] === undefined) delete flagAgent[k];
    // The same validation as the file, with flag names in the messages.
    try {
      agents = [agentAt(flagAgent, 'flags', 0, env)];
    } catch (e) {
      if (!(e instanceof AgentConfigError)) throw e;
      throw new AgentConfigError(
        e.message.replace(/^flags\.([a-z_]+)/, (_m, k: string) => `--${k.replace(/_/g, '-')}`),
      );
    }
  } else {
    const list = agentsSec['list'];
    if (list === undefined) {
      throw new AgentConfigError(
        'nothing to serve: give --engine llama --model <file.gguf>, --engine openai --upstream <url>, or agents.list in --config',
      );
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new AgentConfigError('agents.list must be a non-empty list of agents');
    }
    agents = list.map((a, i) => agentAt(a, `agents.list[${i}]`, i, env));
    const ids = new Set<string>();
    for (const [i, a] of agents.entries()) {
      if (ids.has(a.id)) throw new AgentConfigError(`agents.list[${i}].id ${a.id} is used twice`);
      ids.add(a.id);
    }
  }

  const port = (o['httpPort'] as number | undefined) ?? intAt(http['port'], 'http.port', 0);
  const host =
    (o['httpHost'] as string | undefined) ?? strAt(http['host'], 'http.host') ?? '127.0.0.1';
  const level =
    (o['logLevel'] as string | undefined) ?? strAt(logging['level'], 'logging.level') ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new AgentConfigError(
      `logging.level must be one of ${LOG_LEVELS.join(', ')}, got ${level}`,
    );
  }
  const domainId =
    (o['ddsDomain'] as number | undefined) ?? intAt(dds['domain'], 'dds.domain', 0) ?? 0;
  if (domainId > 232) throw new AgentConfigError(`dds.domain must be <= 232, got ${domainId}`);
  const heartbeatMs =
    o['heartbeatInterval'] !== undefined
      ? Math.round((o['heartbeatInterval'] as number) * 1000)
      : (secondsAt(agentsSec['heartbeat_interval'], 'agents.heartbeat_interval') ?? 5000);
  const leaseMs =
    o['timeout'] !== undefined
      ? Math.round((o['timeout'] as number) * 1000)
      : (secondsAt(agentsSec['timeout'], 'agents.timeout') ?? 30_000);
  if (leaseMs <= heartbeatMs) {
    throw new AgentConfigError(
      `agents.timeout (${leaseMs / 1000} s) must be longer than agents.heartbeat_interval (${heartbeatMs / 1000} s)`,
    );
  }
  const drainTimeoutMs =
    o['drainTimeout'] !== undefined
      ? Math.round((o['drainTimeout'] as number) * 1000)
      : (secondsAt(file['drain_timeout'], 'drain_timeout') ?? 30_000);
  return {
    domainId,
    heartbeatMs,
    leaseMs,
    logLevel: level,
    ...(port !== undefined ? { http: { host, port } } : {}),
    drainTimeoutMs,
    exitWithStdin: o['exitWithStdin'] === true,
    agents,
  };
}
