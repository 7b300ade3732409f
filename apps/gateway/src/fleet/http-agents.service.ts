import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AgentRegistry } from '@dds/registry';
import type { Logger } from 'pino';
import { request } from 'undici';
import { AGENT_REGISTRY, GATEWAY_CONFIG, GATEWAY_LOGGER } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';

/**
 * The HTTP-only agents of `agents.http`: puts them in the registry and probes each one's
 * `GET {url}/models` every heartbeat interval, so a dead one stops being selected.
 */
@Injectable()
export class HttpAgentsService implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly logger: Logger;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(GATEWAY_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'http-agents' });
  }

  onModuleInit(): void {
    const agents = this.config.agents.http;
    if (!agents.length) return;
    for (const a of agents) {
      this.registry.upsertRegistration({
        agentId: a.id,
        models: a.models,
        specialization: a.specialization,
        capabilities: a.capabilities,
        slots: a.slots,
        maxContextTokens: 131072,
        version: '',
        hostname: new URL(a.url).hostname,
        httpEndpoint: a.url,
        transport: 'http',
      });
    }
    this.logger.info({ agents: agents.map((a) => a.id) }, 'HTTP agents configured');
    void this.probeAll();
    this.timer = setInterval(
      () => void this.probeAll(),
      this.config.agents.heartbeat_interval * 1000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await Promise.all(this.config.agents.http.map((a) => this.probe(a.id, a.url, a.api_key)));
    } finally {
      this.probing = false;
    }
  }

  private async probe(id: string, url: string, apiKey?: string): Promise<void> {
    const started = performance.now();
    let ok = false;
    try {
      const res = await request(`${url.replace(/\/+$/, '')}/models`, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        headersTimeout: Math.min(5000, this.config.agents.timeout * 1000),
        bodyTimeout: Math.min(5000, this.config.agents.timeout * 1000),
      });
      await res.body.dump();
      ok = res.statusCode < 500;
    } catch {
      ok = false;
    }
    const before = this.registry.get(id)?.health;
    this.registry.probeResult(id, ok, ok ? performance.now() - started : undefined);
    const after = this.registry.get(id)?.health;
    if (before !== after)
      this.logger.info({ agent: id, health: after }, 'HTTP agent health changed');
  }
}
