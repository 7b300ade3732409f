import { ContextStore, type ContextMessage } from '@dds/context';
import { errorEvent, type ProtocolRequest, type ResponseEvent } from '@dds/protocol';
import { AgentRegistry, type AgentRegistration } from '@dds/registry';
import { AgentSelector } from '@dds/selector';
import type { AgentChannel, AgentTarget } from '../fleet/agent-channel';
import { AgentDispatcher } from './agent-dispatcher.service';
import { DispatchMetrics } from './dispatch.metrics';
import {
  AgentAttemptError,
  type GatewayJob,
  type OutputEvent,
  type OutputSink,
} from './gateway-job';
import { ResponseCollector } from './response-assembler';

const FINAL: ResponseEvent = {
  type: 'final',
  agentId: 'a1',
  finishReason: 'stop',
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};

/** A channel that answers each request with the next script, recording what it was asked. */
class ScriptedChannel implements AgentChannel {
  readonly calls: { target: AgentTarget; req: ProtocolRequest }[] = [];
  constructor(private readonly scripts: ResponseEvent[][]) {}

  request(target: AgentTarget, req: ProtocolRequest): AsyncIterable<ResponseEvent> {
    this.calls.push({ target, req });
    const events = this.scripts.shift() ?? [];
    return (async function* () {
      yield* events;
    })();
  }
}

/** A live sink that records what reached the client. */
class LiveRecorder implements OutputSink {
  readonly live = true;
  readonly seen: OutputEvent[] = [];
  output(ev: OutputEvent): void {
    this.seen.push(ev);
  }
  reset(): void {
    // Live output cannot be taken back.
  }
}

function agent(id: string, extra: Partial<AgentRegistration> = {}): AgentRegistration {
  return {
    agentId: id,
    models: ['m'],
    specialization: 'text',
    capabilities: ['streaming'],
    slots: 4,
    maxContextTokens: 4096,
    version: '1',
    hostname: 'h',
    transport: 'dds',
    ...extra,
  };
}

function job(sink: OutputSink, extra: Partial<GatewayJob> = {}): GatewayJob {
  return {
    kind: 'chat',
    model: 'm',
    body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    stream: sink.live,
    selection: { model: 'm' },
    agentPriority: 1,
    deadlineAt: Date.now() + 10_000,
    sink,
    ...extra,
  };
}

function setup(
  dds: ScriptedChannel,
  http: ScriptedChannel,
  context?: ContextStore<ContextMessage>,
) {
  const registry = new AgentRegistry();
  const metrics = new DispatchMetrics();
  const dispatcher = new AgentDispatcher(
    registry,
    new AgentSelector(),
    http,
    metrics,
    dds,
    context,
  );
  return { registry, metrics, dispatcher };
}

const signal = () => new AbortController().signal;
const text = (t: string): ResponseEvent => ({ type: 'text', text: t });

describe('AgentDispatcher.run', () => {
  it('collects the answer for a waiting client, with in-flight accounting and a latency sample', async () => {
    const dds = new ScriptedChannel([[text('he'), text('llo'), FINAL]]);
    const { registry, dispatcher } = setup(dds, new ScriptedChannel([]));
    registry.upsertRegistration(agent('a1'));
    const collector = new ResponseCollector();
    let started = 0;
    const running = dispatcher.run(job(collector), 'a1', 1, signal(), () => started++);
    expect(registry.get('a1')?.inFlight).toBe(1);
    const outcome = await running;
    expect(outcome).toEqual({ final: FINAL, agentId: 'a1' });
    expect(collector.message()).toEqual({ role: 'assistant', content: 'hello' });
    // A collected answer can still be retried whole: the client saw nothing.
    expect(started).toBe(0);
    expect(registry.get('a1')?.inFlight).toBe(0);
    expect(registry.get('a1')?.emaLatencyMs).toBeGreaterThan(0);
    expect(dds.calls[0].req).toMatchObject({ kind: 'chat', stream: false, priority: 1 });
  });

  it('drops what a failed attempt collected before another agent starts over', async () => {
    const dds = new ScriptedChannel([
      [text('half'), errorEvent('agent_error', 'boom', true, true)],
      [text('whole'), FINAL],
    ]);
    const { registry, dispatcher } = setup(dds, new ScriptedChannel([]));
    registry.upsertRegistration(agent('a1'));
    registry.upsertRegistration(agent('a2'));
    const collector = new ResponseCollector();
    const failed = dispatcher.run(job(collector), 'a1', 1, signal(), () => undefined);
    await expect(failed).rejects.toMatchObject({ code: 'agent_error', retryable: true });
    await dispatcher.run(job(collector), 'a2', 2, signal(), () => undefined);
    expect(collector.message().content).toBe('whole');
  });

  it('streams to a live sink: output started once, and a later failure is final', async () => {
    const dds = new ScriptedChannel([
      [text('a'), text('b'), errorEvent('agent_error', 'x', true, true)],
    ]);
    const { registry, dispatcher } = setup(dds, new ScriptedChannel([]));
    registry.upsertRegistration(agent('a1'));
    const sink = new LiveRecorder();
    let started = 0;
    const err = await dispatcher
      .run(job(sink), 'a1', 1, signal(), () => started++)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentAttemptError);
    expect(err).toMatchObject({ code: 'agent_error', retryable: false });
    expect(sink.seen).toEqual([text('a'), text('b')]);
    expect(started).toBe(1);
    expect(registry.get('a1')?.inFlight).toBe(0);
  });

  it("falls back to a DDS agent's HTTP endpoint when DDS cannot reach it", async () => {
    const dds = new ScriptedChannel([[errorEvent('agent_not_found', 'no reader', true, false)]]);
    const http = new ScriptedChannel([[text('over http'), FINAL]]);
    const { registry, metrics, dispatcher } = setup(dds, http);
    registry.upsertRegistration(agent('a1', { httpEndpoint: 'http://127.0.0.1:9' }));
    const collector = new ResponseCollector();
    const outcome = await dispatcher.run(job(collector), 'a1', 1, signal(), () => undefined);
    expect(outcome.agentId).toBe('a1');
    expect(collector.message().content).toBe('over http');
    expect(metrics.httpFallbacks.value).toBe(1);
    expect(http.calls[0].target).toEqual({
      id: 'a1',
      transport: 'http',
      httpEndpoint: 'http://127.0.0.1:9',
    });
  });

  it('sends HTTP agents over the HTTP channel', async () => {
    const http = new ScriptedChannel([[text('h'), FINAL]]);
    const dds = new ScriptedChannel([]);
    const { registry, dispatcher } = setup(dds, http);
    registry.upsertRegistration(
      agent('h1', { transport: 'http', httpEndpoint: 'http://127.0.0.1:9' }),
    );
    await dispatcher.run(job(new ResponseCollector()), 'h1', 1, signal(), () => undefined);
    expect(http.calls).toHaveLength(1);
    expect(dds.calls).toHaveLength(0);
  });

  it("merges the session's history and stores the answer only when it completed", async () => {
    const context = new ContextStore<ContextMessage>({ ttlMs: 60_000 });
    const dds = new ScriptedChannel([
      [text('first answer'), FINAL],
      [errorEvent('agent_error', 'boom', false, false)],
      [text('second answer'), FINAL],
    ]);
    const { registry, dispatcher } = setup(dds, new ScriptedChannel([]), context);
    registry.upsertRegistration(agent('a1'));
    const turn = (content: string) =>
      job(new ResponseCollector(), {
        sessionId: 's1',
        body: { model: 'm', messages: [{ role: 'user', content }] },
      });
    await dispatcher.run(turn('one'), 'a1', 1, signal(), () => undefined);
    await expect(dispatcher.run(turn('two'), 'a1', 1, signal(), () => undefined)).rejects.toThrow(
      'boom',
    );
    await dispatcher.run(turn('three'), 'a1', 1, signal(), () => undefined);
    expect(dds.calls[2].req.body['messages']).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('reports an agent that left the fleet as retryable', async () => {
    const { dispatcher } = setup(new ScriptedChannel([]), new ScriptedChannel([]));
    await expect(
      dispatcher.run(job(new ResponseCollector()), 'gone', 1, signal(), () => undefined),
    ).rejects.toMatchObject({ code: 'agent_gone', retryable: true });
  });

  it('reports an agent that ended without an answer', async () => {
    const { registry, dispatcher } = setup(
      new ScriptedChannel([[text('x')]]),
      new ScriptedChannel([]),
    );
    registry.upsertRegistration(agent('a1'));
    await expect(
      dispatcher.run(job(new ResponseCollector()), 'a1', 1, signal(), () => undefined),
    ).rejects.toMatchObject({ code: 'protocol', retryable: true });
  });
});
