import { ConfigurableModuleBuilder, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { FleetClient, type FleetClientOptions } from '@dds/protocol';
import type { DomainParticipant } from '@dds/transport';
import { DDS_PARTICIPANT } from '../transport/transport.constants';
import { FLEET_CLIENT } from './protocol.constants';

/** {@link FleetClient} options without the participant, which comes from the TransportModule. */
export type ProtocolModuleOptions = Omit<FleetClientOptions, 'participant'>;

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<ProtocolModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** `@dds/protocol` as a Nest module: the gateway's {@link FleetClient} on the shared participant. */
@Module({
  providers: [
    {
      provide: FLEET_CLIENT,
      useFactory: (options: ProtocolModuleOptions, participant: DomainParticipant) =>
        new FleetClient({ ...options, participant }),
      inject: [MODULE_OPTIONS_TOKEN, DDS_PARTICIPANT],
    },
  ],
  exports: [FLEET_CLIENT],
})
export class ProtocolModule extends ConfigurableModuleClass implements OnModuleDestroy {
  constructor(@Inject(FLEET_CLIENT) private readonly fleet: FleetClient) {
    super();
  }

  onModuleDestroy(): void {
    this.fleet.close();
  }
}
