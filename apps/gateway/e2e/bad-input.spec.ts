import fc from 'fast-check';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { OpenAiStubServer } from './support/openai-stub-server';
import { WsTestClient } from './support/ws-client';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function isErrorBody(v: unknown): v is ErrorBody {
  const e = (v as ErrorBody | null)?.error;
  return !!e && typeof e.message === 'string' && typeof e.type === 'string';
}

/** Whatever a client sends, the gateway answers with a status and an OpenAI body, and survives. */
describe('arbitrary input', () => {
  const stub = new OpenAiStubServer('fuzz');
  let gateway: Gateway;

  beforeAll(async () => {
    const url = await stub.start();
    gateway = await startTestGateway(
      { DDS_LLM_DDS_ENABLED: 'false' },
      ['agents:', '  http:', `    - { id: fuzz, url: "${url}", models: [m], slots: 8 }`].join('\n'),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await stub.stop();
  });

  // Bodies that look like chat requests with random fields, plus arbitrary JSON.
  const chatish = fc.record(
    {
      model: fc.oneof(fc.constant('m'), fc.string(), fc.integer()),
      messages: fc.oneof(
        fc.array(
          fc.record(
            {
              role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()),
              content: fc.oneof(
                fc.string(),
                fc.constant(null),
                fc.array(fc.jsonValue(), { maxLength: 3 }),
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
        fc.jsonValue(),
      ),
      temperature: fc.oneof(fc.double(), fc.string()),
      max_tokens: fc.oneof(fc.integer(), fc.double()),
      stream: fc.oneof(fc.boolean(), fc.string()),
      tools: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  it('REST: every body gets a 2xx answer or an OpenAI error, never a 500, and the gateway stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(chatish, fc.jsonValue()), async (body) => {
        const res = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        expect(res.status).not.toBe(500);
        if (res.status >= 400) {
          expect(isErrorBody(JSON.parse(text))).toBe(true);
        } else {
          expect(res.status).toBe(200);
        }
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('WebSocket: every frame is answered or ignored without closing the socket', async () => {
    const client = await WsTestClient.connect(`${gateway.url.replace('http', 'ws')}/api/v1/ws`);
    try {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            chatish.map((body) =>
              JSON.stringify({ type: 'chat.completions.create', id: 'x', body }),
            ),
          ),
          async (frame) => {
            client.send(frame);
            // A ping after each frame proves the socket still reads and answers in order.
            const id = `probe-${++n}`;
            client.send({ type: 'ping', id });
            await client.next((f) => f.type === 'pong' && f.id === id);
          },
        ),
        { numRuns: 100 },
      );
      expect(client.ws.readyState).toBe(client.ws.OPEN);
    } finally {
      await client.close();
    }
  });
});
