import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { ContextStore, type ContextStoreOptions } from '@dds/context';
import { CONTEXT_STORE } from './context.constants';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<ContextStoreOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** `@dds/context` as a Nest module: the conversation store behind `x-session-id`. */
@Module({
  providers: [
    {
      provide: CONTEXT_STORE,
      useFactory: (options: ContextStoreOptions) => new ContextStore(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
  ],
  exports: [CONTEXT_STORE],
})
export class ContextModule extends ConfigurableModuleClass {}
