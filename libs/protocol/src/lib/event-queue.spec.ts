import { EventQueue } from './event-queue';

describe('EventQueue', () => {
  it('hands out buffered items in order, then waits for more', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.push(2);
    expect(await q.next()).toBe(1);
    expect(await q.next()).toBe(2);
    const pending = q.next();
    q.push(3);
    expect(await pending).toBe(3);
    q.end();
    expect(await q.next()).toBeUndefined();
    q.push(4);
    expect(await q.next()).toBeUndefined();
  });

  it('delivers buffered items before the failure', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    expect(q.isClosed).toBe(true);
    expect(await q.next()).toBe(1);
    await expect(q.next()).rejects.toThrow('boom');
  });

  it('stays ordered over many items (compaction)', async () => {
    const q = new EventQueue<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push((await q.next()) as number);
    }
    q.end();
    for (let v = await q.next(); v !== undefined; v = await q.next()) out.push(v);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
