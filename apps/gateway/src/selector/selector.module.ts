import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { AgentSelector, type SelectorOptions } from '@dds/selector';
import { AGENT_SELECTOR } from './selector.constants';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<SelectorOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** `@dds/selector` as a Nest module: one {@link AgentSelector} with the configured strategy. */
@Module({
  providers: [
    {
      provide: AGENT_SELECTOR,
      useFactory: (options: SelectorOptions) => new AgentSelector(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
  ],
  exports: [AGENT_SELECTOR],
})
export class SelectorModule extends ConfigurableModuleClass {}
