import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, GATEWAY_LOGGER } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';

/**
 * Whether this gateway runs from its production bundle (`dist/apps/gateway/main.js`, built by
 * `nx build gateway`) rather than from its TypeScript sources.
 */
const BUNDLED = !__filename.endsWith('.ts');

/**
 * Where the simulator's bundle lies relative to the gateway's directory (`dist/apps/gateway/`):
 * `nx build gateway` builds `dist/apps/agent-simulator` too.
 */
export const BUNDLED_SIMULATOR_MAIN = join('..', 'agent-simulator', 'main.js');

/** The simulator's entry point: its bundle when the gateway is bundled, else its sources. */
export const SIMULATOR_MAIN = BUNDLED
  ? join(__dirname, BUNDLED_SIMULATOR_MAIN)
  : join(__dirname, '..', '..', '..', 'agent-simulator', 'src', 'main.ts');

/** Node arguments that run {@link SIMULATOR_MAIN}: TypeScript sources need SWC's require hook. */
const SIMULATOR_NODE_ARGS = BUNDLED
  ? ['--enable-source-maps', SIMULATOR_MAIN]
  : ['-r', '@swc-node/register', SIMULATOR_MAIN];

/**
 * `fleet.mode: default` (`npm start` passes `--fleet default`): runs the default simulated fleet
 * (`apps/agent-simulator`) as a child process on the gateway's own DDS domain and configuration,
 * so a fresh checkout answers requests at once. It is stopped with the gateway. The gateway
 * itself knows nothing of simulated agents: they join over DDS like any other agent.
 */
@Injectable()
export class FleetLauncherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly logger: Logger;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'fleet-launcher' });
  }

  onApplicationBootstrap(): void {
    if (this.config.fleet.mode !== 'default') return;
    if (!this.config.dds.enabled) {
      this.logger.warn('fleet.mode is default but DDS is disabled: no simulated fleet started');
      return;
    }
    if (!existsSync(SIMULATOR_MAIN)) {
      this.logger.error({ path: SIMULATOR_MAIN }, 'agent simulator not found: no simulated fleet');
      return;
    }
    const env = { ...process.env };
    if (this.config.dds.config) env['CYCLONEDDS_URI'] = this.config.dds.config;
    const child = spawn(
      process.execPath,
      [
        ...SIMULATOR_NODE_ARGS,
        '--dds-domain',
        String(this.config.dds.domain),
        // stdin stays open for the gateway's life: if the gateway dies without cleaning up (SIGKILL),
        // the pipe closes and the fleet drains instead of lingering on the domain.
        '--exit-with-stdin',
      ],
      { env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    const forward = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        // The simulator logs JSON already: pass its records through unchanged.
        process.stdout.write(line + '\n');
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.logger.error({ code, signal }, 'simulated fleet exited');
    });
    this.logger.info(
      { pid: child.pid, domain: this.config.dds.domain },
      'starting the default simulated fleet',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    await exit;
    clearTimeout(timer);
  }
}
