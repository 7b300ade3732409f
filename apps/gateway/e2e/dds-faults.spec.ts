import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

const DOMAIN = '61';
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

interface Listing {
  id: string;
  in_flight: number;
  slots_busy: number;
}

describe('fault paths over DDS with real simulator processes', () => {
  const sims: SimulatorProcess[] = [];
  let gateway: Gateway;
  let client: OpenAI;

  async function sim(args: string[]): Promise<SimulatorProcess> {
    const s = await SimulatorProcess.start([...LEASE, ...args]);
    sims.push(s);
    return s;
  }

  async function agents(): Promise<Listing[]> {
    return ((await (await fetch(`${gateway.url}/api/v1/agents`)).json()) as { data: Listing[] })
      .data;
  }

  beforeAll(async () => {
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.1',
      DDS_LLM_AGENTS_TIMEOUT: '0.5',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
  });

  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
    await waitFor('the fleet to empty', async () => (await agents()).length === 0);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('SIGKILL of the serving agent before its first token: the client still gets a full answer', async () => {
    const slow = [
      '--model',
      'k1',
      '--ttft-ms',
      '1500',
      '--decode-tps',
      '0',
      '--output-tokens',
      '8',
    ];
    const a = await sim(['--id-prefix', 'k1a-', ...slow]);
    const b = await sim(['--id-prefix', 'k1b-', ...slow]);
    await waitFor('both agents', async () => (await agents()).length === 2);
    const stream = client.chat.completions.create({
      model: 'k1',
      messages: [{ role: 'user', content: 'survive this' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let serving: Listing | undefined;
    await waitFor('an agent to take the request', async () => {
      serving = (await agents()).find((x) => x.in_flight === 1);
      return serving !== undefined;
    });
    const victim = serving?.id.startsWith('k1a-') ? a : b;
    await victim.kill();

    const chunks = [];
    for await (const c of await stream) chunks.push(c);
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBe(8);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const survivor = victim === a ? 'k1b-' : 'k1a-';
    expect(metrics).toMatch(
      new RegExp(
        `gateway_requests_total\\{endpoint="chat",model="k1",agent="${survivor}[^"]*",status="200"\\} 1`,
      ),
    );
  });

  it('SIGKILL mid-stream: the stream ends with an explicit error event, not a silent truncation', async () => {
    const a = await sim([
      '--id-prefix',
      'k2-',
      '--model',
      'k2',
      '--ttft-ms',
      '0',
      '--decode-tps',
      '20',
      '--output-tokens',
      '200',
    ]);
    await waitFor('the agent', async () => (await agents()).length === 1);
    const stream = await client.chat.completions.create({
      model: 'k2',
      messages: [{ role: 'user', content: 'a long story' }],
      stream: true,
    });
    let pieces = 0;
    const err = await (async () => {
      for await (const c of stream) {
        if (c.choices[0]?.delta?.content && ++pieces === 3) await a.kill();
      }
    })().catch((e: unknown) => e);
    expect(pieces).toBeGreaterThanOrEqual(3);
    expect(pieces).toBeLessThan(200);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/agent/i);
  });

  it('client disconnect cancels generation on the agent', async () => {
    await sim([
      '--id-prefix',
      'k3-',
      '--model',
      'k3',
      '--ttft-ms',
      '0',
      '--decode-tps',
      '20',
      '--output-tokens',
      '400',
    ]);
    await waitFor('the agent', async () => (await agents()).length === 1);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'k3', messages: [{ role: 'user', content: 'talk forever' }], stream: true },
      { signal: controller.signal },
    );
    let pieces = 0;
    await (async () => {
      for await (const _ of stream) {
        if (++pieces === 3) break;
      }
    })();
    // The agent itself reports the slot busy while it generates (400 tokens at 20/s = 20 s)...
    await waitFor(
      'the agent to report its slot busy',
      async () => (await agents())[0]?.slots_busy === 1,
      5_000,
    );
    controller.abort();
    const cancelledAt = Date.now();
    // ...and free again soon after the client left: it stopped generating.
    await waitFor(
      'the agent to report its slot free',
      async () => {
        const [agent] = await agents();
        return agent?.slots_busy === 0 && agent.in_flight === 0;
      },
      5_000,
    );
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_cancellations_total [1-9]/m);
  });
});
