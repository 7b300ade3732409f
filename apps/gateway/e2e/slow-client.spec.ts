import { once } from 'node:events';
import { request } from 'node:http';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { OpenAiStubServer } from './support/openai-stub-server';
import { waitFor } from './support/wait-for';
import { WsTestClient } from './support/ws-client';

/** A client that stops reading must be dropped, and its request cancelled at the agent. */
describe('stalled streaming clients', () => {
  const stub = new OpenAiStubServer('bulk');
  let gateway: Gateway;

  beforeAll(async () => {
    const url = await stub.start();
    // ~48 MB of output per answer, paced so the agent is still writing when the gateway gives
    // up: far beyond the 64 KiB the gateway buffers per client plus the kernel's socket buffers.
    stub.behaviour = {
      ...stub.behaviour,
      words: Array.from({ length: 3000 }, () => 'x'.repeat(16384)),
      wordDelayMs: 1,
    };
    gateway = await startTestGateway(
      { DDS_LLM_DDS_ENABLED: 'false', DDS_LLM_SERVER_MAX_BUFFERED_BYTES: '65536' },
      ['agents:', '  http:', `    - { id: bulk, url: "${url}", models: [m], slots: 8 }`].join('\n'),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await stub.stop();
  });

  it('SSE: drops a reader that stopped reading and cancels upstream', async () => {
    const before = stub.abortedStreams;
    const { port } = new URL(gateway.url);
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.end(
      JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.statusCode).toBe(200);
    res.pause();
    // The gateway cuts the connection: the response ends in an error ("aborted"), then closes.
    res.on('error', () => undefined);
    const closed = new Promise((resolve) => res.once('close', resolve));
    await waitFor(
      'the agent to see its stream cancelled',
      () => stub.abortedStreams === before + 1,
    );
    res.resume();
    await closed;
    expect(res.complete).toBe(false);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('WebSocket: drops a socket that stopped reading and cancels its requests', async () => {
    const before = stub.abortedStreams;
    const client = await WsTestClient.connect(`${gateway.url.replace('http', 'ws')}/api/v1/ws`);
    const closed = once(client.ws, 'close');
    client.send({
      type: 'chat.completions.create',
      id: 'bulk',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    });
    client.ws.pause();
    await waitFor(
      'the agent to see its stream cancelled',
      () => stub.abortedStreams === before + 1,
    );
    client.ws.resume();
    await closed;
    expect(client.frames.some((f) => f.type === 'done')).toBe(false);
  });
});
