import { ContextStore } from '@dds/context';
import { Scheduler } from '@dds/scheduler';
import {
  conversation,
  fifoBatch,
  InstantFleet,
  naiveTokenCount,
  schedulerBatch,
  storeWithSession,
} from './orchestration.workload';

describe('orchestration bench workload', () => {
  it('runs every job of a batch through the scheduler and leaves no slot taken', async () => {
    const fleet = new InstantFleet(2, 3);
    const scheduler = new Scheduler({ dispatcher: fleet, maxQueueSize: 1000 });
    const perJob = await schedulerBatch(scheduler, 200);
    expect(perJob).toBeGreaterThan(0);
    expect(scheduler.metrics()).toMatchObject({ completed: 200, running: 0, queued: 0 });
    expect(fleet.freeSlots()).toBe(6);
    scheduler.close();
  });

  it('runs every job of the FIFO baseline batch', async () => {
    const fleet = new InstantFleet(1, 1);
    await expect(fifoBatch(fleet, 50)).resolves.toBeGreaterThan(0);
    expect(fleet.freeSlots()).toBe(1);
  });

  it('counts the conversation the way the store does, so the baseline does the same work', () => {
    const store = new ContextStore({ ttlMs: 1000 });
    const conv = conversation(5);
    expect(conv).toHaveLength(11);
    expect(naiveTokenCount(conv)).toBe(store.countTokens(conv));
  });

  it('stores the whole conversation as one session', () => {
    const store = storeWithSession(3);
    expect(store.history('bench')).toEqual(conversation(3));
  });
});
