import {
  ConfigurableModuleBuilder,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AgentRegistry, type RegistryOptions } from '@dds/registry';
import { AGENT_REGISTRY } from './registry.constants';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<RegistryOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** `@dds/registry` as a Nest module: one {@link AgentRegistry}, ticking while the app runs. */
@Module({
  providers: [
    {
      provide: AGENT_REGISTRY,
      useFactory: (options: RegistryOptions) => new AgentRegistry(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
  ],
  exports: [AGENT_REGISTRY],
})
export class RegistryModule
  extends ConfigurableModuleClass
  implements OnModuleInit, OnApplicationShutdown
{
  constructor(@Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry) {
    super();
  }

  onModuleInit(): void {
    this.registry.start();
  }

  onApplicationShutdown(): void {
    this.registry.close();
  }
}
