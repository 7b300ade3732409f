import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_FLEET,
  FleetConfigError,
  parseFleetConfig,
  zeroThinkTime,
  type AgentGroupConfig,
  type FleetConfig,
} from './fleet-config';

/** The model a flag-defined group serves when `--model` is not given (the default fleet's). */
const DEFAULT_MODELS: Record<AgentGroupConfig['specialization'], string> = {
  text: 'phi-4-mini',
  vision: 'qwen2-vl-2b',
  embedding: 'nomic-embed-text',
};

/** What the CLI resolved: the fleet plus process-level settings. */
export interface SimulatorSettings {
  readonly fleet: FleetConfig;
  readonly http: boolean;
  readonly idPrefix: string;
  readonly logLevel: string;
  /** Drain and exit when standard input closes (a parent that dies, even by SIGKILL, takes the fleet with it). */
  readonly exitWithStdin: boolean;
}

function int(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function float(name: string, min = 0, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}]`);
    }
    return n;
  };
}

/** The simulator's command line (flag names follow the seed: --config, --dds-domain, --host, --port, --log-level). */
export function buildCommand(): Command {
  return new Command('agent-simulator')
    .description(
      'Runs a fleet of simulated LLM agents on DDS, each with its own OpenAI-compatible HTTP port.',
    )
    .option('-c, --config <file>', 'fleet YAML file (see README)')
    .option('--dds-domain <id>', 'DDS domain id', int('--dds-domain'))
    .option('--host <host>', 'HTTP host of the agents (loopback by default)')
    .option(
      '--port <port>',
      'first agent HTTP port, next agents count up (0 = ephemeral)',
      int('--port'),
    )
    .option('--no-http', 'do not serve the agents over HTTP')
    .option('--zero-think', 'no simulated think time at all (benchmarks)')
    .option(
      '--timeout <seconds>',
      'liveliness lease, the seed key agents.timeout',
      float('--timeout', 0.05),
    )
    .option(
      '--heartbeat-interval <seconds>',
      'status heartbeat, agents.heartbeat_interval',
      float('--heartbeat-interval', 0.01),
    )
    .option('--id-prefix <prefix>', 'prefix of every agent id', '')
    .option(
      '--exit-with-stdin',
      'drain and exit when standard input closes (for parents that start the fleet as a child)',
    )
    .option(
      '--count <n>',
      'run one group of N agents from flags instead of the file/default fleet',
      int('--count', 1),
    )
    .option('--model <name...>', 'model(s) of the flag-defined group')
    .addOption(
      new Option('--specialization <kind>', 'specialization of the flag-defined group').choices([
        'text',
        'vision',
        'embedding',
      ]),
    )
    .option('--slots <n>', 'slots per agent of the flag-defined group', int('--slots', 1))
    .option('--ttft-ms <ms>', 'time to first token', float('--ttft-ms'))
    .option('--prefill-tps <n>', 'prefill tokens/s (0 = instant)', float('--prefill-tps'))
    .option('--decode-tps <n>', 'decode tokens/s (0 = instant)', float('--decode-tps'))
    .option('--output-tokens <n>', 'completion length', int('--output-tokens'))
    .option(
      '--error-rate <p>',
      'failure injection: fraction of failing requests',
      float('--error-rate', 0, 1),
    )
    .option(
      '--crash-after <n>',
      'failure injection: SIGKILL this process after N requests',
      int('--crash-after'),
    )
    .option(
      '--stall-after-tokens <n>',
      'failure injection: hang every request after N tokens',
      int('--stall-after-tokens'),
    )
    .option(
      '--slow-factor <x>',
      'failure injection: scale every simulated duration',
      float('--slow-factor'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
        .default('info'),
    )
    .showHelpAfterError();
}

/** Resolves flags (which win) over the YAML file (over the default fleet). */
export function resolveSettings(argv: readonly string[]): SimulatorSettings {
  const cmd = buildCommand().exitOverride();
  cmd.parse([...argv], { from: 'user' });
  const o = cmd.opts();
  let fleet = DEFAULT_FLEET;
  if (o['config']) {
    let text: string;
    try {
      text = readFileSync(o['config'] as string, 'utf8');
    } catch (e) {
      throw new FleetConfigError(`cannot read fleet file ${o['config']}: ${(e as Error).message}`);
    }
    fleet = parseFleetConfig(text);
  }
  if (o['count'] !== undefined || o['model'] !== undefined) {
    const specialization = (o['specialization'] ?? 'text') as AgentGroupConfig['specialization'];
    const group: AgentGroupConfig = {
      name: `sim-${specialization}`,
      count: o['count'] ?? 1,
      models: o['model'] ?? [DEFAULT_MODELS[specialization]],
      specialization,
      slots: o['slots'] ?? 4,
      maxContextTokens: 8192,
      engine: 'sim',
      sim: { ...(fleet.groups[0]?.sim ?? {}), vision: specialization === 'vision' },
    };
    fleet = { ...fleet, groups: [group] };
  }
  const simOverrides = {
    ...(o['ttftMs'] !== undefined ? { ttftMs: o['ttftMs'] } : {}),
    ...(o['prefillTps'] !== undefined ? { prefillTokensPerSec: o['prefillTps'] } : {}),
    ...(o['decodeTps'] !== undefined ? { decodeTokensPerSec: o['decodeTps'] } : {}),
    ...(o['outputTokens'] !== undefined ? { outputTokens: o['outputTokens'] } : {}),
    ...(o['slowFactor'] !== undefined ? { slowFactor: o['slowFactor'] } : {}),
  };
  const failureOverrides = {
    ...(o['errorRate'] !== undefined ? { errorRate: o['errorRate'] } : {}),
    ...(o['crashAfter'] !== undefined ? { crashAfter: o['crashAfter'] } : {}),
    ...(o['stallAfterTokens'] !== undefined ? { stallAfterTokens: o['stallAfterTokens'] } : {}),
  };
  fleet = {
    ...fleet,
    ...(o['ddsDomain'] !== undefined ? { domainId: o['ddsDomain'] } : {}),
    ...(o['host'] !== undefined ? { httpHost: o['host'] } : {}),
    ...(o['port'] !== undefined ? { httpBasePort: o['port'] } : {}),
    ...(o['timeout'] !== undefined ? { leaseMs: Math.round(o['timeout'] * 1000) } : {}),
    ...(o['heartbeatInterval'] !== undefined
      ? { heartbeatMs: Math.round(o['heartbeatInterval'] * 1000) }
      : {}),
    groups: fleet.groups.map((g) => ({
      ...g,
      sim: { ...g.sim, ...simOverrides },
      failure: { ...g.failure, ...failureOverrides },
    })),
  };
  if (o['zeroThink']) fleet = zeroThinkTime(fleet);
  return {
    fleet,
    http: o['http'] !== false,
    idPrefix: o['idPrefix'] ?? '',
    logLevel: o['logLevel'],
    exitWithStdin: o['exitWithStdin'] === true,
  };
}
