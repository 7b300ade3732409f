import { drainOnSignals } from '@dds/agent';
import { CommanderError } from 'commander';
import pino from 'pino';
import { AgentConfigError, resolveConfig } from './lib/config';
import { ModelLoadError } from './lib/llama.engine';
import { startAgents } from './lib/run';
import { UpstreamError } from './lib/sidecar';

/** Exit status for anything the operator must fix before the agent can start. */
const EXIT_USAGE = 2;

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig(process.argv.slice(2));
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (e instanceof AgentConfigError) {
      process.stderr.write(`dds-llm-agent: ${e.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw e;
  }
  const log = pino({ level: config.logLevel, base: { service: 'dds-llm-agent' } });
  let running;
  try {
    running = await startAgents(config, log);
  } catch (e) {
    if (e instanceof ModelLoadError || e instanceof UpstreamError) {
      log.fatal({ err: e.message }, 'cannot start');
      process.stderr.write(`dds-llm-agent: ${e.message}\n`);
      // Native handles (llama.cpp, undici) must not keep a failed start alive.
      process.exit(EXIT_USAGE);
    }
    throw e;
  }
  drainOnSignals(running.agents, {
    timeoutMs: config.drainTimeoutMs,
    cleanup: () => running.cleanup(),
    onDrained: () => {
      log.info('agents drained');
      process.exit(0);
    },
  });
  if (config.exitWithStdin) {
    process.stdin.once('close', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
  }
  log.info(
    {
      domain: config.domainId,
      agents: running.agents.map((a) => ({
        id: a.id,
        models: a.info.models,
        specialization: a.info.specialization,
        slots: a.info.slots,
        maxContextTokens: a.info.maxContextTokens,
        http: running.endpoints.get(a.id),
      })),
    },
    'agents ready',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`dds-llm-agent: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
