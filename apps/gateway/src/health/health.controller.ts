import { Controller, Get, Inject, Optional, Res } from '@nestjs/common';
import type { AgentRegistry } from '@dds/registry';
import type { FastifyReply } from 'fastify';
import type { DdsStatus } from '../fleet/dds-status';
import { AGENT_REGISTRY, DDS_STATUS } from '../app/core.tokens';

/** `GET /health` (liveness) and `GET /health/ready` (DDS up and at least one healthy agent). */
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Optional() @Inject(DDS_STATUS) private readonly dds?: DdsStatus,
  ) {}

  @Get()
  live(): { status: 'ok'; uptime_s: number } {
    return { status: 'ok', uptime_s: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  @Get('ready')
  ready(@Res() reply: FastifyReply): void {
    let healthy = 0;
    for (const a of this.registry.list()) if (a.health === 'healthy') healthy++;
    const dds = this.dds ? (this.dds.up() ? 'up' : 'down') : 'disabled';
    const ok = healthy > 0 && dds !== 'down';
    void reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not_ready',
      dds,
      agents: { total: this.registry.size, healthy },
    });
  }
}
