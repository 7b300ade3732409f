import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/config.schema';
import { CoreModule } from './core.module';
import { MessagesController } from '../anthropic/messages.controller';
import { CompletionService } from '../dispatch/completion.service';
import { TranslatedRequests } from '../dispatch/translated-requests.service';
import { AgentsController } from '../fleet/agents.controller';
import { DdsFleetModule } from '../fleet/dds-fleet.module';
import { FleetBridgeService } from '../fleet/fleet-bridge.service';
import { FleetLauncherService } from '../fleet/fleet-launcher.service';
import { HttpAgentsService } from '../fleet/http-agents.service';
import { GatewayDirectory } from '../dashboard/gateway-directory.service';
import { RequestFeed } from '../dashboard/request-feed.service';
import { HealthController } from '../health/health.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { MetricsService } from '../metrics/metrics.service';
import { ChatController } from '../openai/chat.controller';
import { CompletionsController } from '../openai/completions.controller';
import { EmbeddingsController } from '../openai/embeddings.controller';
import { ModelsController } from '../openai/models.controller';
import { ResponsesController } from '../openai/responses.controller';
import { ResponsesService } from '../openai/responses.service';
import { ChatSocketServer } from '../ws/chat-socket.server';

/** The gateway: its core (configuration and libraries), the DDS fleet, then the HTTP/WS surface. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      global: false,
      imports: [
        CoreModule.forRoot(config, logger),
        ...(config.dds.enabled ? [DdsFleetModule] : []),
      ],
      controllers: [
        HealthController,
        ChatController,
        ResponsesController,
        CompletionsController,
        MessagesController,
        EmbeddingsController,
        ModelsController,
        AgentsController,
        MetricsController,
      ],
      providers: [
        CompletionService,
        RequestFeed,
        GatewayDirectory,
        TranslatedRequests,
        ResponsesService,
        MetricsService,
        HttpAgentsService,
        FleetBridgeService,
        ChatSocketServer,
        FleetLauncherService,
      ],
    };
  }
}
