import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { OpenAiStubServer } from './support/openai-stub-server';
import { waitFor } from './support/wait-for';
import { WsTestClient, type ServerFrame } from './support/ws-client';

type Chunk = { choices: { delta?: { content?: string } }[]; usage?: unknown };

function textOf(frames: ServerFrame[]): string {
  return frames
    .filter((f) => f.type === 'chunk')
    .map((f) => (f['data'] as Chunk).choices[0]?.delta?.content ?? '')
    .join('');
}

describe('WebSocket API /api/v1/ws', () => {
  const stub = new OpenAiStubServer('ws');
  let gateway: Gateway;
  let client: WsTestClient;
  let wsUrl: string;

  beforeAll(async () => {
    const url = await stub.start();
    gateway = await startTestGateway(
      { DDS_LLM_DDS_ENABLED: 'false', DDS_LLM_API_KEYS: 'ws-key-12345678' },
      ['agents:', '  http:', `    - { id: ws-a, url: "${url}", models: [m], slots: 32 }`].join(
        '\n',
      ),
    );
    wsUrl = `${gateway.url.replace('http', 'ws')}/api/v1/ws`;
    client = await WsTestClient.connect(wsUrl, { authorization: 'Bearer ws-key-12345678' });
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await stub.stop();
  });

  it('refuses a socket without a valid key', async () => {
    await expect(WsTestClient.connect(wsUrl)).rejects.toThrow(/401/);
    const viaQuery = await WsTestClient.connect(`${wsUrl}?api_key=ws-key-12345678`);
    await viaQuery.close();
  });

  it('multiplexes 20 concurrent requests on one socket, each answered in full under its id', async () => {
    stub.behaviour = { ...stub.behaviour, words: ['alpha', ' beta', ' gamma'], wordDelayMs: 5 };
    const ids = Array.from({ length: 20 }, (_, i) => `req-${i}`);
    for (const id of ids) {
      client.send({
        type: 'chat.completions.create',
        id,
        body: {
          model: 'm',
          messages: [{ role: 'user', content: id }],
          stream_options: { include_usage: true },
        },
      });
    }
    await Promise.all(ids.map((id) => client.next((f) => f.id === id && f.type === 'done')));
    for (const id of ids) {
      const frames = client.of(id);
      expect(textOf(frames)).toBe('alpha beta gamma');
      const chunks = frames.filter((f) => f.type === 'chunk');
      expect((chunks[chunks.length - 1]['data'] as Chunk).usage).toMatchObject({
        total_tokens: 10,
      });
      expect(frames[frames.length - 1].type).toBe('done');
    }
  });

  it('cancels one request mid-stream at the agent, leaving the others alone', async () => {
    stub.behaviour = {
      ...stub.behaviour,
      words: Array.from({ length: 40 }, (_, i) => `w${i} `),
      wordDelayMs: 10,
    };
    const abortedBefore = stub.abortedStreams;
    client.send({
      type: 'chat.completions.create',
      id: 'long',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    });
    client.send({
      type: 'chat.completions.create',
      id: 'other',
      body: { model: 'm', messages: [{ role: 'user', content: 'y' }] },
    });
    await client.next((f) => f.id === 'long' && f.type === 'chunk' && textOf([f]).startsWith('w2'));
    client.send({ type: 'cancel', id: 'long' });
    await client.next((f) => f.id === 'long' && f.type === 'cancelled');
    await client.next((f) => f.id === 'other' && f.type === 'done');
    expect(textOf(client.of('other')).split(' ').filter(Boolean)).toHaveLength(40);
    expect(client.of('long').some((f) => f.type === 'done')).toBe(false);
    await waitFor('the agent to see the cancel', () => stub.abortedStreams === abortedBefore + 1);
  });

  it('closing the socket cancels its running requests at the agent', async () => {
    stub.behaviour = {
      ...stub.behaviour,
      words: Array.from({ length: 40 }, (_, i) => `w${i} `),
      wordDelayMs: 10,
    };
    const abortedBefore = stub.abortedStreams;
    const other = await WsTestClient.connect(wsUrl, { authorization: 'Bearer ws-key-12345678' });
    other.send({
      type: 'chat.completions.create',
      id: 'orphan',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    });
    await other.next(
      (f) => f.id === 'orphan' && f.type === 'chunk' && textOf([f]).startsWith('w1'),
    );
    await other.close();
    await waitFor('the agent to see the cancel', () => stub.abortedStreams === abortedBefore + 1);
  });

  it('answers invalid frames with error frames and keeps the socket open', async () => {
    client.send('not json');
    expect(
      await client.next(
        (f) => f.type === 'error' && (f['error'] as { code: string }).code === 'invalid_frame',
      ),
    ).toBeDefined();
    client.send({ type: 'launch-missiles', id: 'z' });
    expect((await client.next((f) => f.type === 'error' && f.id === 'z'))['error']).toMatchObject({
      param: 'type',
    });
    client.send({
      type: 'chat.completions.create',
      id: 'bad-body',
      body: { model: 'm', messages: [] },
    });
    const err = await client.next((f) => f.type === 'error' && f.id === 'bad-body');
    expect(err['error']).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    client.send({
      type: 'chat.completions.create',
      id: 'no-model',
      body: { model: 'nope', messages: [{ role: 'user', content: 'x' }] },
    });
    expect(
      (await client.next((f) => f.type === 'error' && f.id === 'no-model'))['error'],
    ).toMatchObject({ code: 'model_not_found' });
    client.send({ type: 'cancel', id: 'never-started' });
    expect(
      (await client.next((f) => f.type === 'error' && f.id === 'never-started'))['error'],
    ).toMatchObject({ code: 'unknown_id' });

    stub.behaviour = { ...stub.behaviour, words: ['still', ' alive'], wordDelayMs: 0 };
    client.send({
      type: 'chat.completions.create',
      id: 'after',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    });
    await client.next((f) => f.id === 'after' && f.type === 'done');
    expect(textOf(client.of('after'))).toBe('still alive');
  });

  it('answers ping with pong', async () => {
    client.send({ type: 'ping', id: 'p1' });
    expect(await client.next((f) => f.type === 'pong')).toEqual({ type: 'pong', id: 'p1' });
  });

  it('streams fleet changes to subscribers', async () => {
    client.send({ type: 'subscribe', channel: 'agents' });
    const subscribed = await client.next((f) => f.type === 'subscribed');
    expect((subscribed['agents'] as { id: string }[]).map((a) => a.id)).toEqual(['ws-a']);
  });
});
