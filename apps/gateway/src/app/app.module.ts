import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { GatewayConfigModule } from '../config/gateway-config.module';
import type { GatewayConfig } from '../config/config.schema';
import { HealthController } from '../health/health.controller';

/** The gateway: configuration, then one module per library, then the HTTP/WS surface. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [GatewayConfigModule.forRoot(config, logger)],
      controllers: [HealthController],
    };
  }
}
