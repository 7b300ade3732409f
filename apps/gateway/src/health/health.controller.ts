import { Controller, Get } from '@nestjs/common';

/** Liveness: the process is up and serving HTTP. Readiness lives with the fleet. */
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  @Get()
  live(): { status: 'ok'; uptime_s: number } {
    return { status: 'ok', uptime_s: Math.round((Date.now() - this.startedAt) / 1000) };
  }
}
