import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { InMemoryResponseStore } from '@dds/context';
import { registryOptionsFromConfig } from '@dds/registry';
import { securityOptionsFromConfig } from '@dds/transport';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG } from '../config/config.constants';
import { GatewayConfigModule } from '../config/gateway-config.module';
import { ContextModule } from '../context/context.module';
import type { GatewayConfig } from '../config/config.schema';
import { MessagesController } from '../anthropic/messages.controller';
import { AgentDispatcher, isRetryable } from '../dispatch/agent-dispatcher.service';
import { CompletionService, strategyName } from '../dispatch/completion.service';
import { HTTP_CHANNEL } from '../dispatch/dispatch.constants';
import { DispatchMetrics } from '../dispatch/dispatch.metrics';
import { TranslatedRequests } from '../dispatch/translated-requests.service';
import { AgentsController } from '../fleet/agents.controller';
import { DdsFleetModule } from '../fleet/dds-fleet.module';
import { FleetBridgeService } from '../fleet/fleet-bridge.service';
import { FleetLauncherService } from '../fleet/fleet-launcher.service';
import { HttpAgentChannel } from '../fleet/http-agent.channel';
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
import { RESPONSE_STORE } from '../openai/responses.constants';
import { ResponsesController } from '../openai/responses.controller';
import { ResponsesService } from '../openai/responses.service';
import { ProtocolModule } from '../protocol/protocol.module';
import { RegistryModule } from '../registry/registry.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { SelectorModule } from '../selector/selector.module';
import { TransportModule } from '../transport/transport.module';
import { ChatSocketServer } from '../ws/chat-socket.server';

/** The agent transports and the dispatcher the scheduler calls into. */
@Module({
  providers: [
    {
      provide: HTTP_CHANNEL,
      useFactory: (config: GatewayConfig) =>
        new HttpAgentChannel({
          apiKeys: new Map(
            config.agents.http.filter((a) => a.api_key).map((a) => [a.id, a.api_key as string]),
          ),
        }),
      inject: [GATEWAY_CONFIG],
    },
    AgentDispatcher,
    DispatchMetrics,
  ],
  exports: [AgentDispatcher, DispatchMetrics, HTTP_CHANNEL],
})
export class DispatchModule implements OnApplicationShutdown {
  constructor(@Inject(HTTP_CHANNEL) private readonly http: HttpAgentChannel) {}

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}

/** The gateway: configuration, then one module per library, then the HTTP/WS surface. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const registry = RegistryModule.forRoot({
      ...registryOptionsFromConfig(config.agents),
    });
    const selector = SelectorModule.forRoot({ strategy: strategyName(config.selector.strategy) });
    const dds = config.dds.enabled
      ? [
          TransportModule.forRoot({
            domainId: config.dds.domain,
            // Read CYCLONEDDS_URI here rather than leaving it to Cyclone's getenv(): embedders
            // (jest among them) may set it on process.env without touching the C environment.
            ...ddsConfig(config.dds.config || process.env['CYCLONEDDS_URI']),
            ...(config.dds_security.enabled
              ? { security: securityOptionsFromConfig({ ...config.dds_security }, 'dds_security') }
              : {}),
          }),
          ProtocolModule.forRoot({
            gatewayId: gatewayId(config.dds.participant_name),
            deadlineGraceMs: 1000,
            // How long a request waits for DDS to discover an agent's request reader before it
            // fails over (to the agent's HTTP endpoint, or to another agent).
            matchTimeoutMs: Math.min(5000, config.agents.timeout * 1000),
          }),
          DdsFleetModule,
        ]
      : [];
    return {
      module: AppModule,
      global: false,
      imports: [
        GatewayConfigModule.forRoot(config, logger),
        registry,
        selector,
        ContextModule.forRoot({
          ttlMs: config.context.ttl * 1000,
          maxSessions: config.context.max_sessions,
        }),
        ...dds,
        DispatchModule,
        SchedulerModule.forRootAsync({
          imports: [DispatchModule],
          inject: [AgentDispatcher],
          useFactory: (dispatcher: AgentDispatcher) => ({
            dispatcher: dispatcher as never,
            priorityLevels: config.scheduler.priority_levels,
            maxQueueSize: config.scheduler.max_queue_size,
            retry: { maxAttempts: config.scheduler.max_retries + 1, isRetryable },
          }),
        }),
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
        {
          provide: RESPONSE_STORE,
          useFactory: () =>
            new InMemoryResponseStore({
              ttlMs: config.responses.ttl * 1000,
              maxResponses: config.responses.max_responses,
              maxBytes: config.responses.max_bytes,
            }),
        },
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

/**
 * This gateway's id on the fleet (its responses partition): the configured participant name made
 * unique per process, so several gateways with the same config never receive each other's answers.
 */
export function gatewayId(participantName: string): string {
  const base = participantName.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64) || 'gateway';
  return `${base}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function ddsConfig(config: string | undefined): { config?: string } {
  return config ? { config } : {};
}
