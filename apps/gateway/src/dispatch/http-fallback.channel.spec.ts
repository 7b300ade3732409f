import { errorEvent, type ProtocolRequest, type ResponseEvent } from '@dds/protocol';
import type { AgentChannel, AgentTarget } from '../fleet/agent-channel';
import { HttpFallbackChannel } from './http-fallback.channel';

const FINAL: ResponseEvent = {
  type: 'final',
  agentId: 'a1',
  finishReason: 'stop',
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};
const REQ: ProtocolRequest = {
  kind: 'chat',
  body: { model: 'm' },
  stream: false,
  deadlineMs: 5000,
};

/** A channel that answers every request with `events`, recording what it was asked. */
class ScriptedChannel implements AgentChannel {
  readonly calls: { target: AgentTarget; req: ProtocolRequest }[] = [];
  receivedCount = 0;
  constructor(private readonly events: readonly ResponseEvent[]) {}

  request(target: AgentTarget, req: ProtocolRequest): AsyncIterable<ResponseEvent> {
    this.calls.push({ target, req });
    const events = this.events;
    return (async function* () {
      yield* events;
    })();
  }

  received(): void {
    this.receivedCount++;
  }
}

async function collect(events: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of events) out.push(ev);
  return out;
}

const ddsAgent = (httpEndpoint?: string): AgentTarget => ({
  id: 'a1',
  transport: 'dds',
  ...(httpEndpoint ? { httpEndpoint } : {}),
});
const signal = new AbortController().signal;

describe('HttpFallbackChannel', () => {
  it('passes DDS events through and counts each one received', async () => {
    const text: ResponseEvent = { type: 'text', text: 'hi' };
    const dds = new ScriptedChannel([text, FINAL]);
    const http = new ScriptedChannel([]);
    const channel = new HttpFallbackChannel(dds, http);
    expect(await collect(channel.request(ddsAgent('http://h:1'), REQ, signal))).toEqual([
      text,
      FINAL,
    ]);
    expect(dds.receivedCount).toBe(2);
    expect(http.calls).toHaveLength(0);
  });

  it("sends the request to the agent's HTTP endpoint when DDS cannot reach it", async () => {
    const dds = new ScriptedChannel([errorEvent('agent_not_found', 'no reader', true, false)]);
    const answer: ResponseEvent[] = [{ type: 'text', text: 'via http' }, FINAL];
    const http = new ScriptedChannel(answer);
    let fallbacks = 0;
    const channel = new HttpFallbackChannel(dds, http, () => fallbacks++);
    expect(await collect(channel.request(ddsAgent('http://h:1'), REQ, signal))).toEqual(answer);
    expect(fallbacks).toBe(1);
    expect(http.calls).toHaveLength(1);
    const call = http.calls[0];
    expect(call.target).toEqual({ id: 'a1', transport: 'http', httpEndpoint: 'http://h:1' });
    expect(call.req.body).toBe(REQ.body);
    // The deadline keeps counting from the first send: never more than what was left.
    expect(call.req.deadlineMs).toBeGreaterThanOrEqual(1);
    expect(call.req.deadlineMs).toBeLessThanOrEqual(5000);
  });

  it('keeps the DDS error without an HTTP endpoint, for other codes, and for continuations', async () => {
    const notFound = errorEvent('agent_not_found', 'no reader', true, false);
    const cases: [AgentTarget, ResponseEvent, ProtocolRequest][] = [
      [ddsAgent(), notFound, REQ],
      [ddsAgent('http://h:1'), errorEvent('agent_error', 'boom', true, false), REQ],
      [
        ddsAgent('http://h:1'),
        notFound,
        { ...REQ, continueFrom: { text: 'so far', completion_tokens: 2 } },
      ],
    ];
    for (const [target, error, req] of cases) {
      const http = new ScriptedChannel([FINAL]);
      const channel = new HttpFallbackChannel(new ScriptedChannel([error]), http);
      expect(await collect(channel.request(target, req, signal))).toEqual([error]);
      expect(http.calls).toHaveLength(0);
    }
  });

  it('never falls back once the agent sent output (the client may have seen it)', async () => {
    const text: ResponseEvent = { type: 'text', text: 'par' };
    const lost = errorEvent('agent_not_found', 'gone', true, true);
    const http = new ScriptedChannel([FINAL]);
    const channel = new HttpFallbackChannel(new ScriptedChannel([text, lost]), http);
    expect(await collect(channel.request(ddsAgent('http://h:1'), REQ, signal))).toEqual([
      text,
      lost,
    ]);
    expect(http.calls).toHaveLength(0);
  });

  it('throws an encoding failure to the caller at once, not from the iteration', () => {
    const failing: AgentChannel = {
      request: () => {
        throw new RangeError('field too long');
      },
    };
    const channel = new HttpFallbackChannel(failing, new ScriptedChannel([]));
    expect(() => channel.request(ddsAgent('http://h:1'), REQ, signal)).toThrow('field too long');
  });
});
