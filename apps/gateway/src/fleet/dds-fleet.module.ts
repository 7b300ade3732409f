import { Global, Module } from '@nestjs/common';
import { DDS_CHANNEL, DDS_STATUS } from '../app/core.tokens';
import { DdsFleetService } from './dds-fleet.service';

/** The DDS side of the fleet (only imported when `dds.enabled`). */
@Global()
@Module({
  providers: [
    DdsFleetService,
    { provide: DDS_CHANNEL, useExisting: DdsFleetService },
    { provide: DDS_STATUS, useExisting: DdsFleetService },
  ],
  exports: [DDS_CHANNEL, DDS_STATUS],
})
export class DdsFleetModule {}
