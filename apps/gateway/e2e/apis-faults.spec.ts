import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/**
 * Agents dying under the Responses and Messages APIs, with real simulator processes on DDS:
 * before the first output the request is retried on another agent and the client never knows;
 * after output started the stream ends with `response.failed` / Anthropic's `error` event.
 */

const DOMAIN = '142';
/** Short leases so a killed agent is detected fast. */
const LEASE = [
  '--dds-domain',
  DOMAIN,
  '--port',
  '0',
  '--timeout',
  '0.5',
  '--heartbeat-interval',
  '0.1',
  '--count',
  '1',
];
/** Slow to start, so an agent can be killed after it took the request but before its output. */
const SLOW_START = ['--ttft-ms', '1500', '--decode-tps', '0', '--output-tokens', '8'];
/** Slow to stream, so an agent can be killed mid-answer. */
const SLOW_STREAM = ['--ttft-ms', '0', '--decode-tps', '20', '--output-tokens', '200'];

interface Listing {
  id: string;
  in_flight: number;
}

describe('agent death under the Responses and Messages APIs', () => {
  const sims: SimulatorProcess[] = [];
  let gateway: Gateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  async function sim(args: string[]): Promise<SimulatorProcess> {
    const s = await SimulatorProcess.start([...LEASE, ...args]);
    sims.push(s);
    return s;
  }

  async function agents(): Promise<Listing[]> {
    return ((await (await fetch(`${gateway.url}/api/v1/agents`)).json()) as { data: Listing[] })
      .data;
  }

  /** Two agents of `model`; resolves with the one that takes the next request once it has. */
  async function pair(model: string, prefix: string) {
    const a = await sim(['--id-prefix', `${prefix}a-`, '--model', model, ...SLOW_START]);
    const b = await sim(['--id-prefix', `${prefix}b-`, '--model', model, ...SLOW_START]);
    await waitFor('both agents', async () => (await agents()).length === 2);
    return async () => {
      let serving: Listing | undefined;
      await waitFor('an agent to take the request', async () => {
        serving = (await agents()).find((x) => x.in_flight === 1);
        return serving !== undefined;
      });
      return serving?.id.startsWith(`${prefix}a-`) ? a : b;
    };
  }

  beforeAll(async () => {
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.1',
      DDS_LLM_AGENTS_TIMEOUT: '0.5',
    });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'none', maxRetries: 0 });
  });

  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
    await waitFor('the fleet to empty', async () => (await agents()).length === 0);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('Responses, streamed: the serving agent dies before its first output -> retried, complete', async () => {
    const serving = await pair('f1', 'f1');
    const stream = openai.responses.stream({ model: 'f1', input: 'survive this' });
    const victim = await serving();
    await victim.kill();
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    // Served by the other agent, counted once, under this API's endpoint.
    const survivor = victim.agents[0].id.startsWith('f1a-') ? 'f1b-' : 'f1a-';
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `gateway_requests_total\\{endpoint="responses",model="f1",agent="${survivor}[^"]*",status="200"\\} 1`,
      ),
    );
    expect(final.usage?.output_tokens).toBe(8);
    expect(final.output_text.split(' ')).toHaveLength(8);
  });

  it('Messages, non-streamed: the serving agent dies before its output -> retried, complete', async () => {
    const serving = await pair('f2', 'f2');
    const call = anthropic.messages.create({
      model: 'f2',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'survive this' }],
    });
    await (await serving()).kill();
    const msg = await call;
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(8);
  });

  it('Responses, streamed: the agent dies mid-answer -> response.failed with the error', async () => {
    const a = await sim(['--id-prefix', 'f3-', '--model', 'f3', ...SLOW_STREAM]);
    await waitFor('the agent', async () => (await agents()).length === 1);
    const stream = await openai.responses.create({
      model: 'f3',
      input: 'a long story',
      stream: true,
    });
    const types: string[] = [];
    let failed: OpenAI.Responses.Response | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta' && types.length === 7) await a.kill();
      if (ev.type === 'response.failed') failed = ev.response;
    }
    expect(types[types.length - 1]).toBe('response.failed');
    expect(types).not.toContain('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBeLessThan(200);
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.message).toMatch(/agent/i);
  });

  it('Messages, streamed: the agent dies mid-answer -> an Anthropic error event', async () => {
    const a = await sim(['--id-prefix', 'f4-', '--model', 'f4', ...SLOW_STREAM]);
    await waitFor('the agent', async () => (await agents()).length === 1);
    const stream = anthropic.messages.stream({
      model: 'f4',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'a long story' }],
    });
    let pieces = 0;
    stream.on('text', () => {
      if (++pieces === 3) void a.kill();
    });
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(pieces).toBeGreaterThanOrEqual(3);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err).toMatchObject({ error: { type: 'error', error: { type: 'api_error' } } });
    expect(String((err as Error).message)).toMatch(/agent/i);
  });
});
