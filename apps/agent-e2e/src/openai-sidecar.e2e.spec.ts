import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { ensureLlamaModels, ensureLlamaServer } from '@dds/llama-fixtures';
import {
  agentListing,
  freePort,
  LoggedProcess,
  runAgent,
  startAgent,
  startGateway,
  stopAll,
  waitUntil,
} from './support/processes';

/** This suite's DDS domain (the llama range is 125-134). */
const DOMAIN = 128;
const AGENT = 'sidecar-e2e';

/** llama.cpp's own server on the chat fixture: 2 slots, metrics on, 1 thread. */
async function startLlamaServer(port: number): Promise<LoggedProcess> {
  const bin = ensureLlamaServer();
  const { chat } = ensureLlamaModels();
  const child = spawn(
    bin,
    [
      '-m',
      chat,
      '--alias',
      'tiny-llama-upstream',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '-np',
      '2',
      '-c',
      '2048',
      '-t',
      '1',
      '--metrics',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const p = new LoggedProcess('llama-server', child);
  await waitUntil(
    async () => {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      await r.body?.cancel();
      return r.status === 200 ? true : undefined;
    },
    'llama-server healthy',
    60_000,
  );
  return p;
}

describe('gateway + dds-llm-agent --engine openai in front of llama-server (built from the bundle)', () => {
  let port: number;
  let upstream: string;
  let server: LoggedProcess;
  let gateway: LoggedProcess & { url: string };
  let client: OpenAI;
  let upstreamModel: string;

  beforeAll(async () => {
    port = await freePort();
    upstream = `http://127.0.0.1:${port}`;
    server = await startLlamaServer(port);
    const models = (await (await fetch(`${upstream}/v1/models`)).json()) as {
      data: { id: string }[];
    };
    upstreamModel = models.data[0]?.id as string;
    gateway = await startGateway(DOMAIN);
    await startAgent([
      '--engine',
      'openai',
      '--upstream',
      upstream,
      '--id',
      AGENT,
      '--dds-domain',
      String(DOMAIN),
      '--heartbeat-interval',
      '0.2',
      '--timeout',
      '2',
    ]);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await waitUntil(() => agentListing(gateway.url, AGENT), 'the sidecar on the gateway');
  });

  afterAll(() => stopAll());

  it('announces the upstream models, its context size and its slots', async () => {
    const props = (await (await fetch(`${upstream}/props`)).json()) as {
      default_generation_settings: { n_ctx: number };
      total_slots: number;
    };
    const a = await agentListing(gateway.url, AGENT);
    expect(a).toMatchObject({
      models: [upstreamModel],
      max_context_tokens: props.default_generation_settings.n_ctx,
      slots: props.total_slots,
    });
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toContain(upstreamModel);
  });

  it('passes chat JSON and SSE through with the server’s usage', async () => {
    const json = await client.chat.completions.create({
      model: upstreamModel,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 10,
      seed: 4,
    });
    expect(json.usage?.completion_tokens).toBe(10);
    expect(json.usage?.prompt_tokens).toBeGreaterThan(2);
    const stream = await client.chat.completions.create({
      model: upstreamModel,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 10,
      seed: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) chunks++;
      if (c.usage) usage = c.usage;
    }
    expect(chunks).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(10);
  });

  it('publishes the server’s real load, even for work that bypasses the fleet', async () => {
    // Generations sent straight to llama-server, not through the agent, one after another until
    // the agent's status shows one: a single one may end (the tiny model is fast, and llama-server
    // rejects some random-weight output) before the sidecar's next poll of /slots.
    const ac = new AbortController();
    const direct = (async () => {
      while (!ac.signal.aborted) {
        try {
          const r = await fetch(`${upstream}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: upstreamModel,
              messages: [{ role: 'user', content: 'Write a long story.' }],
              max_tokens: 900,
              stream: true,
            }),
            signal: ac.signal,
          });
          for await (const _ of r.body as AsyncIterable<Uint8Array>) {
            // Drain the stream until it ends or is aborted.
          }
        } catch {
          // Aborted (the test is done with it), or ended badly: the loop decides.
        }
      }
    })();
    await waitUntil(
      async () =>
        (await agentListing(gateway.url, AGENT))?.['slots_busy'] === 1 ? true : undefined,
      'the direct request in the agent status',
    );
    ac.abort();
    await direct;
    await waitUntil(
      async () =>
        (await agentListing(gateway.url, AGENT))?.['slots_busy'] === 0 ? true : undefined,
      'the agent idle again',
    );
  });

  it('aborts the upstream request when the client cancels', async () => {
    const predicted = async () => {
      const metrics = await (await fetch(`${upstream}/metrics`)).text();
      return Number(/^llamacpp:tokens_predicted_total (\S+)/m.exec(metrics)?.[1]);
    };
    const before = await predicted();
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: upstreamModel,
        messages: [{ role: 'user', content: 'Go on and on.' }],
        max_tokens: 900,
        stream: true,
      },
      { signal: ac.signal },
    );
    let received = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) received++;
      if (received === 3) ac.abort();
    }
    expect(received).toBe(3);
    await waitUntil(async () => {
      const slots = (await (await fetch(`${upstream}/slots`)).json()) as {
        is_processing: boolean;
      }[];
      return slots.every((x) => !x.is_processing) ? true : undefined;
    }, 'llama-server idle');
    // The server counts the tokens of cancelled requests too: it stopped well short of 900.
    const made = (await predicted()) - before;
    expect(made).toBeGreaterThanOrEqual(3);
    expect(made).toBeLessThan(900);
  });

  it('goes draining when llama-server dies (503, no hang) and comes back with it', async () => {
    await server.stop('SIGKILL');
    await waitUntil(
      async () =>
        (await agentListing(gateway.url, AGENT))?.['state'] === 'draining' ? true : undefined,
      'the agent draining',
      5_000,
    );
    const err = await client.chat.completions
      .create({ model: upstreamModel, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);

    server = await startLlamaServer(port);
    await waitUntil(
      async () =>
        (await agentListing(gateway.url, AGENT))?.['state'] === 'idle' ? true : undefined,
      'the agent back',
      10_000,
    );
    const ok = await client.chat.completions.create({
      model: upstreamModel,
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 4,
      seed: 4,
    });
    expect(ok.usage?.completion_tokens).toBe(4);
  });
});

describe('dds-llm-agent --engine openai refuses an upstream it cannot use', () => {
  let garbage: Server;
  let garbageUrl: string;

  beforeAll(async () => {
    garbage = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello, I am not an inference server');
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => garbage.close(() => r())));

  it('exits 2 when the upstream is unreachable', async () => {
    const port = await freePort();
    const r = await runAgent([
      '--engine',
      'openai',
      '--upstream',
      `http://127.0.0.1:${port}`,
      '--dds-domain',
      String(DOMAIN + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`upstream http://127.0.0.1:${port}/v1 is unreachable`);
  });

  it('exits 2 when the upstream answers something that is not the OpenAI API', async () => {
    const r = await runAgent([
      '--engine',
      'openai',
      '--upstream',
      garbageUrl,
      '--dds-domain',
      String(DOMAIN + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did not answer an OpenAI model list');
  });

  it('exits 2 naming the flag for an upstream that is not a URL', async () => {
    const r = await runAgent([
      '--engine',
      'openai',
      '--upstream',
      'not a url',
      '--dds-domain',
      String(DOMAIN + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--upstream must be an http(s) URL');
  });
});
