import { systemClock } from '@dds/common';
import { Scheduler } from './scheduler';
import { DeadlineExceededError } from './scheduler.errors';
import { FakeFleet, FakeJob } from './testing/fake-fleet';

describe('Scheduler on the systemClock', () => {
  it('drives a real deadline', async () => {
    const scheduler = new Scheduler<FakeJob, string>({
      dispatcher: new FakeFleet(),
      clock: systemClock,
    });
    const t0 = systemClock.now();
    await expect(
      scheduler.submit({ name: 'j' }, { deadlineMs: 15 }).promise,
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(systemClock.now() - t0).toBeGreaterThanOrEqual(14);
    scheduler.close();
  });
});
