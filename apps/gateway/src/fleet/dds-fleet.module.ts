import { Global, Module } from '@nestjs/common';
import { DDS_CHANNEL } from '../dispatch/dispatch.constants';
import { DdsFleetService } from './dds-fleet.service';
import { DDS_STATUS } from './fleet.constants';

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
