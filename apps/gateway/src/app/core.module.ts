import {
  Global,
  Inject,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { ContextStore, InMemoryResponseStore } from '@dds/context';
import { FleetClient } from '@dds/protocol';
import { AgentRegistry, registryOptionsFromConfig } from '@dds/registry';
import { Scheduler } from '@dds/scheduler';
import { AgentSelector } from '@dds/selector';
import { DomainParticipant, securityOptionsFromConfig } from '@dds/transport';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/config.schema';
import { AgentDispatcher, isRetryable } from '../dispatch/agent-dispatcher.service';
import { strategyName } from '../dispatch/completion.service';
import { DispatchMetrics } from '../dispatch/dispatch.metrics';
import type { GatewayJob, JobOutcome } from '../dispatch/gateway-job';
import { HttpAgentChannel } from '../fleet/http-agent.channel';
import {
  AGENT_REGISTRY,
  AGENT_SELECTOR,
  CONTEXT_STORE,
  DDS_PARTICIPANT,
  FLEET_CLIENT,
  GATEWAY_CONFIG,
  GATEWAY_LOGGER,
  HTTP_CHANNEL,
  REQUEST_SCHEDULER,
  RESPONSE_STORE,
} from './core.tokens';

/** The request scheduler as the gateway types it. */
export type RequestScheduler = Scheduler<GatewayJob, JobOutcome>;

/**
 * The gateway's core: its configuration and logger, and the libraries built from them by typed
 * factory providers (registry, selector, scheduler, context and response stores, the agent
 * channels and dispatcher, and with `dds.enabled` the DDS participant and fleet client). It owns
 * their lifecycles: the registry ticks while the app runs, and everything closes at shutdown,
 * the participant last (after every DDS entity under it).
 */
@Global()
@Module({})
export class CoreModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: RequestScheduler,
    @Inject(HTTP_CHANNEL) private readonly http: HttpAgentChannel,
    @Optional() @Inject(FLEET_CLIENT) private readonly fleet?: FleetClient,
    @Optional() @Inject(DDS_PARTICIPANT) private readonly participant?: DomainParticipant,
  ) {}

  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const providers: Provider[] = [
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: GATEWAY_LOGGER, useValue: logger },
      {
        provide: AGENT_REGISTRY,
        useFactory: () => new AgentRegistry(registryOptionsFromConfig(config.agents)),
      },
      {
        provide: AGENT_SELECTOR,
        useFactory: () => new AgentSelector({ strategy: strategyName(config.selector.strategy) }),
      },
      {
        provide: CONTEXT_STORE,
        useFactory: () =>
          new ContextStore({
            ttlMs: config.context.ttl * 1000,
            maxSessions: config.context.max_sessions,
          }),
      },
      {
        provide: RESPONSE_STORE,
        useFactory: () =>
          new InMemoryResponseStore({
            ttlMs: config.responses.ttl * 1000,
            maxResponses: config.responses.max_responses,
            maxBytes: config.responses.max_bytes,
          }),
      },
      {
        provide: HTTP_CHANNEL,
        useFactory: () =>
          new HttpAgentChannel({
            apiKeys: new Map(
              config.agents.http.filter((a) => a.api_key).map((a) => [a.id, a.api_key as string]),
            ),
          }),
      },
      DispatchMetrics,
      AgentDispatcher,
      {
        provide: REQUEST_SCHEDULER,
        useFactory: (dispatcher: AgentDispatcher): RequestScheduler =>
          new Scheduler<GatewayJob, JobOutcome>({
            dispatcher,
            priorityLevels: config.scheduler.priority_levels,
            maxQueueSize: config.scheduler.max_queue_size,
            retry: { maxAttempts: config.scheduler.max_retries + 1, isRetryable },
          }),
        inject: [AgentDispatcher],
      },
    ];
    if (config.dds.enabled) {
      providers.push(
        {
          provide: DDS_PARTICIPANT,
          useFactory: () =>
            new DomainParticipant({
              domainId: config.dds.domain,
              // Read CYCLONEDDS_URI here rather than leaving it to Cyclone's getenv(): embedders
              // (jest among them) may set it on process.env without touching the C environment.
              ...ddsConfig(config.dds.config || process.env['CYCLONEDDS_URI']),
              ...(config.dds_security.enabled
                ? {
                    security: securityOptionsFromConfig({ ...config.dds_security }, 'dds_security'),
                  }
                : {}),
            }),
        },
        {
          provide: FLEET_CLIENT,
          useFactory: (participant: DomainParticipant) =>
            new FleetClient({
              participant,
              gatewayId: gatewayId(config.dds.participant_name),
              deadlineGraceMs: 1000,
              // How long a request waits for DDS to discover an agent's request reader before it
              // fails over (to the agent's HTTP endpoint, or to another agent).
              matchTimeoutMs: Math.min(5000, config.agents.timeout * 1000),
            }),
          inject: [DDS_PARTICIPANT],
        },
      );
    }
    return {
      module: CoreModule,
      providers,
      exports: providers.map((p) => (typeof p === 'function' ? p : p.provide)),
    };
  }

  onModuleInit(): void {
    this.registry.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.scheduler.close();
    this.registry.close();
    await this.http.close();
    // The fleet's readers and writers live under the participant: close them first.
    this.fleet?.close();
    this.participant?.close();
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
