import {
  ConfigurableModuleBuilder,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Scheduler, type SchedulerOptions } from '@dds/scheduler';
import { REQUEST_SCHEDULER } from './scheduler.constants';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = new ConfigurableModuleBuilder<
  SchedulerOptions<unknown, unknown>
>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/**
 * `@dds/scheduler` as a Nest module. The dispatcher (which agent, how to run) comes from the host,
 * so this module is normally built with `forRootAsync({ inject: [TheDispatcher], useFactory })`.
 */
@Module({
  providers: [
    {
      provide: REQUEST_SCHEDULER,
      useFactory: (options: SchedulerOptions<unknown, unknown>) => new Scheduler(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
  ],
  exports: [REQUEST_SCHEDULER],
})
export class SchedulerModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<unknown, unknown>) {
    super();
  }

  onApplicationShutdown(): void {
    this.scheduler.close();
  }
}
