import {
  ConfigurableModuleBuilder,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DomainParticipant, type DomainParticipantOptions } from '@dds/transport';
import { DDS_PARTICIPANT } from './transport.constants';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<DomainParticipantOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/**
 * `@dds/transport` as a Nest module: one {@link DomainParticipant} for the process, closed (with
 * every DDS entity under it) when the application shuts down, after the modules that use it.
 */
@Module({
  providers: [
    {
      provide: DDS_PARTICIPANT,
      useFactory: (options: DomainParticipantOptions) => new DomainParticipant(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
  ],
  exports: [DDS_PARTICIPANT],
})
export class TransportModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(DDS_PARTICIPANT) private readonly participant: DomainParticipant) {
    super();
  }

  onApplicationShutdown(): void {
    this.participant.close();
  }
}
