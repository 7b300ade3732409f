import { SlotPool, SlotPoolError } from './slot-pool';

describe('SlotPool', () => {
  it('limits concurrency and serves the queue by priority, FIFO among equals', async () => {
    const changes: [number, number][] = [];
    const pool: SlotPool = new SlotPool(1, 10, () =>
      changes.push([pool.busySlots, pool.queueDepth]),
    );
    const order: string[] = [];
    const first = await pool.acquire();
    const grant = (name: string, priority: number) =>
      pool.acquire(priority).then((release) => {
        order.push(name);
        release();
      });
    const all = Promise.all([grant('low-1', 0), grant('high', 5), grant('low-2', 0)]);
    expect(pool.queueDepth).toBe(3);
    expect(pool.busySlots).toBe(1);
    first();
    await all;
    expect(order).toEqual(['high', 'low-1', 'low-2']);
    expect(pool.busySlots).toBe(0);
    expect(changes.at(-1)).toEqual([0, 0]);
  });

  it('refuses when the queue is full, and after close', async () => {
    const pool = new SlotPool(1, 1);
    const release = await pool.acquire();
    const queued = pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'overloaded' });
    pool.close(new SlotPoolError('draining', 'bye'));
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'draining' });
    release();
    (await queued)();
    expect(pool.busySlots).toBe(0);
  });

  it('drops an aborted waiter from the queue', async () => {
    const pool = new SlotPool(1, 5);
    const release = await pool.acquire();
    const ac = new AbortController();
    const waiting = pool.acquire(0, ac.signal);
    expect(pool.queueDepth).toBe(1);
    ac.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(pool.queueDepth).toBe(0);
    release();
    release(); // idempotent
    expect(pool.busySlots).toBe(0);
  });

  it('validates its sizes', () => {
    expect(() => new SlotPool(0, 1)).toThrow(RangeError);
    expect(() => new SlotPool(1, -1)).toThrow(RangeError);
  });
});
