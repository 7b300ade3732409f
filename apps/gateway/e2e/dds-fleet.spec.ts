import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';
import { WsTestClient } from './support/ws-client';

const DOMAIN = '60';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0'];

describe('gateway over a DDS fleet of simulator processes (openai SDK as the client)', () => {
  const sims: SimulatorProcess[] = [];
  let gateway: Gateway;
  let client: OpenAI;
  /** Flags every simulator process of this file shares: its domain, any free port, short leases. */
  const common = [
    '--dds-domain',
    DOMAIN,
    '--port',
    '0',
    '--timeout',
    '2',
    '--heartbeat-interval',
    '0.25',
  ];

  beforeAll(async () => {
    // Each process joins the list as soon as it runs, so afterAll stops it even if another fails.
    const track = (started: Promise<SimulatorProcess>) => started.then((s) => (sims.push(s), s));
    await Promise.all(
      [
        SimulatorProcess.start([
          ...common,
          '--id-prefix',
          'e60-',
          '--count',
          '2',
          '--model',
          'phi-4-mini',
          '--specialization',
          'text',
          ...FAST,
          '--output-tokens',
          '12',
        ]),
        SimulatorProcess.start([
          ...common,
          '--id-prefix',
          'e60v-',
          '--count',
          '1',
          '--model',
          'phi-4-mini',
          '--specialization',
          'vision',
          ...FAST,
          '--output-tokens',
          '20',
        ]),
        SimulatorProcess.start([
          ...common,
          '--id-prefix',
          'e60e-',
          '--count',
          '1',
          '--model',
          'nomic-embed-text',
          '--specialization',
          'embedding',
          ...FAST,
        ]),
      ].map(track),
    );
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: '2',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/api/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor('all four agents to register', async () => {
      const res = (await (await fetch(`${gateway.url}/api/v1/agents`)).json()) as {
        data: unknown[];
      };
      return res.data.length === 4;
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('answers plain chat from a text agent, over DDS', async () => {
    const r = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Olá!' }],
    });
    expect(r.choices[0].message.content?.length).toBeGreaterThan(0);
    // Text agents answer 12 tokens, the vision agent 20: either may serve plain text.
    expect([12, 20]).toContain(r.usage?.completion_tokens);
    const agents = (await (await fetch(`${gateway.url}/api/v1/agents`)).json()) as {
      data: { id: string; transport: string; latency_ms: number }[];
    };
    expect(agents.data.every((a) => a.transport === 'dds')).toBe(true);
  });

  it('streams with include_usage over DDS', async () => {
    const stream = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Conte uma história' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect([12, 20]).toContain(last.usage?.completion_tokens);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
  });

  it('routes image parts to the vision agent', async () => {
    const r = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(r.choices[0].message.content?.length).toBeGreaterThan(0);
    // Only the vision agent answers 20 tokens (a text agent would also refuse the image).
    expect(r.usage?.completion_tokens).toBe(20);
  });

  it('passes tools through to the agent and returns its tool call', async () => {
    const r = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Call get_weather for Lisbon' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather' },
    });
  });

  it('serves embeddings from the embedding agent, float and base64', async () => {
    const floats = await client.embeddings.create({
      model: 'nomic-embed-text',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(floats.data).toHaveLength(2);
    const b64 = await client.embeddings.create({ model: 'nomic-embed-text', input: ['a', 'b'] });
    expect(b64.data[1].embedding).toHaveLength(floats.data[1].embedding.length);
    b64.data[1].embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[1].embedding[i], 5));
  });

  it('lists the fleet models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['nomic-embed-text', 'phi-4-mini']);
    await expect(client.models.retrieve('gpt-17')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('reports readiness and Prometheus metrics', async () => {
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      dds: 'up',
      agents: { healthy: 4 },
    });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^gateway_requests_total\{endpoint="chat",model="phi-4-mini",agent="e60-sim-text-\d",status="200"\} \d+/m,
    );
    expect(metrics).toMatch(/^gateway_agents\{health="healthy",transport="dds"\} 4$/m);
    expect(metrics).toMatch(
      /^gateway_dds_samples_total\{direction="out",topic="agent\/request"\} \d+/m,
    );
    expect(metrics).toMatch(
      /^gateway_dds_samples_total\{direction="in",topic="agent\/response"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^gateway_time_to_first_token_seconds_count\{model="phi-4-mini"\} [1-9]/m,
    );
  });

  it('streams fleet changes to WebSocket subscribers as agents join and leave', async () => {
    const ws = await WsTestClient.connect(`${gateway.url.replace('http', 'ws')}/api/v1/ws`);
    try {
      ws.send({ type: 'subscribe', channel: 'agents' });
      await ws.next((f) => f.type === 'subscribed');
      const extra = await SimulatorProcess.start([
        ...common,
        '--id-prefix',
        'e60x-',
        '--count',
        '1',
        '--model',
        'phi-4-mini',
        ...FAST,
      ]);
      await ws.next(
        (f) =>
          f.type === 'agents' &&
          f['event'] === 'added' &&
          (f['agent'] as { id: string }).id === 'e60x-sim-text-1',
      );
      await extra.stop();
      await ws.next(
        (f) =>
          f.type === 'agents' &&
          f['event'] === 'removed' &&
          (f['agent'] as { id: string }).id === 'e60x-sim-text-1',
      );
    } finally {
      await ws.close();
    }
  });
});
