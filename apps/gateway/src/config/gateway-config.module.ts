import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, GATEWAY_LOGGER } from './config.constants';
import type { GatewayConfig } from './config.schema';

/** Makes the boot-time configuration and logger injectable everywhere. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayConfigModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_LOGGER, useValue: logger },
      ],
      exports: [GATEWAY_CONFIG, GATEWAY_LOGGER],
    };
  }
}
