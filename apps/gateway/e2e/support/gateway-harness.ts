import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger';
import { startGateway, type Gateway } from '../../src/app/gateway';
import { loadConfig, pinoLevel } from '../../src/config/config.loader';

/** Starts an in-process gateway on an ephemeral loopback port with `env`-style settings. */
export async function startTestGateway(
  env: Record<string, string>,
  yaml?: string,
): Promise<Gateway & { logs: string[] }> {
  const { config } = loadConfig({
    env: { DDS_LLM_SERVER_HOST: '127.0.0.1', PORT: '0', ...env },
    flags: yaml ? { config: 'test.yaml' } : {},
    readFile: () => yaml ?? '',
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger(pinoLevel(config.logging.level), sink);
  const gateway = await startGateway(config, logger);
  return Object.assign(gateway, { logs });
}
