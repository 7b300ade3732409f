/**
 * The gateway's command line: `main.ts [--port N] [--host H] [--config FILE] [--dds-domain N]
 * [--log-level LEVEL] [--fleet none|default] [--selector-strategy S]` (the seed's flags, plus two).
 */
import { Command } from 'commander';
import { startGateway } from './app/gateway';
import { ConfigError, loadConfig, pinoLevel, type ConfigFlags } from './config/config.loader';
import { createLogger } from './logging/logger';

function parseFlags(argv: string[]): ConfigFlags {
  const program = new Command('gateway')
    .description('dds-llm gateway: an OpenAI-compatible endpoint over a DDS fleet of LLM agents')
    .option('--port <port>', 'HTTP port (default 8080; env PORT)')
    .option('--host <host>', 'HTTP host (default 0.0.0.0)')
    .option('--config <file>', 'YAML configuration file (env DDS_LLM_CONFIG)')
    .option('--dds-domain <id>', 'DDS domain id (default 0)')
    .option('--log-level <level>', 'trace|debug|info|warning|error|critical (default INFO)')
    .option('--fleet <mode>', 'none|default: start the default simulated fleet beside the gateway')
    .option('--selector-strategy <name>', 'agent selection strategy')
    .allowExcessArguments(false)
    .showHelpAfterError();
  program.parse(argv);
  return program.opts<ConfigFlags>();
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  let loaded;
  try {
    loaded = loadConfig({ flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, configFile } = loaded;
  const logger = createLogger(pinoLevel(config.logging.level));
  const gateway = await startGateway(config, logger);
  logger.info(
    { url: gateway.url, configFile, ddsDomain: config.dds.domain, fleet: config.fleet.mode },
    'gateway listening',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(
      () => {
        logger.error('shutdown grace period exceeded: exiting');
        logger.flush();
        process.exit(1);
      },
      (config.server.shutdown_grace + 5) * 1000,
    );
    force.unref();
    gateway.close().then(
      () => {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gateway: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
