import { drainOnSignals } from '@dds/agent';
import { CommanderError } from 'commander';
import pino from 'pino';
import { resolveSettings } from './lib/cli';
import { FleetConfigError } from './lib/fleet-config';
import { startFleet } from './lib/fleet';

async function main(): Promise<void> {
  let settings;
  try {
    settings = resolveSettings(process.argv.slice(2));
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof FleetConfigError) {
      process.stderr.write(`agent-simulator: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = pino({ level: settings.logLevel, base: { service: 'agent-simulator' } });
  const { fleet: config } = settings;
  const fleet = await startFleet(config, {
    http: settings.http,
    idPrefix: settings.idPrefix,
    onWarning: (message) => log.warn(message),
  });
  drainOnSignals(fleet.agents, {
    timeoutMs: 10_000,
    cleanup: () => fleet.stop(),
    onDrained: () => {
      log.info('fleet drained');
      process.exit(0);
    },
  });
  if (settings.exitWithStdin) {
    // The parent holds the other end of stdin; it closes however the parent dies. Draining on
    // SIGTERM's path keeps one way out.
    process.stdin.once('close', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
  }
  log.info(
    {
      domain: config.domainId,
      agents: fleet.agents.map((a) => ({
        id: a.id,
        models: a.info.models,
        specialization: a.info.specialization,
        http: fleet.endpoints.get(a.id),
      })),
    },
    'fleet ready',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`agent-simulator: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
