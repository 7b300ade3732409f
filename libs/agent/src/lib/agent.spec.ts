import { ProtocolError } from '@dds/protocol';
import { Agent } from './agent';
import { SlotPoolError } from './slot-pool';
import type { ChatJob, Engine, EngineEvent } from './engine';

/** An engine that says its job's tag, then holds until the job is aborted, recording the jobs it was given. */
class HoldingEngine implements Engine {
  readonly name = 'holding';
  readonly started: string[] = [];
  private onStart: ((tag: string) => void) | undefined;

  /** Resolves with the tag of the next job the engine starts. */
  nextStart(): Promise<string> {
    return new Promise((resolve) => (this.onStart = resolve));
  }

  async *chat(job: ChatJob): AsyncIterable<EngineEvent> {
    const tag = String(job.body['tag']);
    this.started.push(tag);
    this.onStart?.(tag);
    yield { type: 'text', text: tag };
    await new Promise<never>((_, reject) => {
      if (job.signal.aborted) reject(job.signal.reason);
      job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true });
    });
  }

  embed(): never {
    throw new Error('not used');
  }
}

async function drainAll(it: AsyncIterable<EngineEvent>): Promise<void> {
  for await (const _ of it) {
    // Only the outcome matters.
  }
}

describe('Agent (no DDS: local jobs only)', () => {
  it('stop() refuses queued local jobs instead of running them after it returned', async () => {
    const engine = new HoldingEngine();
    const agent = new Agent({ id: 'a', models: ['m'], specialization: 'text', slots: 1, engine });
    const job = (tag: string) => ({ kind: 'chat' as const, model: 'm', body: { tag } });
    const runningStarted = engine.nextStart();
    const running = drainAll(agent.runChat(job('running'))).catch((e: unknown) => e);
    const queued = drainAll(agent.runChat(job('queued'))).catch((e: unknown) => e);
    // Both calls reach the pool synchronously: the first holds the only slot, the second waits.
    expect(agent.load).toEqual({ busy: 1, queued: 1 });
    expect(await runningStarted).toBe('running');

    const ranQueued = engine.nextStart().then((tag) => `engine ran the ${tag} job`);
    await agent.stop();
    expect(await running).toBeInstanceOf(ProtocolError);
    expect(await Promise.race([queued, ranQueued])).toMatchObject({ code: 'agent_gone' });
    expect(engine.started).toEqual(['running']);
    expect(agent.load).toEqual({ busy: 0, queued: 0 });
  });

  it('refuses work while its engine is unavailable, and serves again once it is back', async () => {
    const engine = new HoldingEngine();
    const agent = new Agent({ id: 'a', models: ['m'], specialization: 'text', slots: 1, engine });
    const job = (tag: string) => ({ kind: 'chat' as const, model: 'm', body: { tag } });
    agent.setUnavailable('upstream down');
    expect(agent.unavailable).toBe('upstream down');
    const refused = await drainAll(agent.runChat(job('refused'))).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SlotPoolError);
    expect(refused).toMatchObject({
      code: 'draining',
      message: expect.stringContaining('upstream down'),
    });
    expect(engine.started).toEqual([]);

    agent.setUnavailable(undefined);
    const started = engine.nextStart();
    const served = drainAll(agent.runChat(job('served'))).catch((e: unknown) => e);
    expect(await started).toBe('served');
    await agent.stop();
    await served;
  });
});
