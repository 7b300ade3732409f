import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EngineEvent } from './engine';
import { EngineError } from './engine';
import { OpenAIEngine } from './openai.engine';

/**
 * A minimal, independent OpenAI-compatible server (not the simulator): canned answers, records
 * what it received, and notices when a client goes away mid-stream.
 */
class MiniServer {
  readonly server: Server;
  readonly bodies: Record<string, unknown>[] = [];
  readonly headers: IncomingMessage['headers'][] = [];
  closedEarly = 0;
  private onClosed?: () => void;

  constructor() {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => this.handle(req, res, text));
    });
  }

  whenClientLeaves(): Promise<void> {
    return new Promise((resolve) => (this.onClosed = resolve));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const body = JSON.parse(text) as Record<string, unknown>;
    this.bodies.push(body);
    this.headers.push(req.headers);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (body['model'] === 'bad')
      return reply(400, { error: { message: 'no such thing', type: 'invalid_request_error' } });
    if (body['model'] === 'broken')
      return reply(503, { error: { message: 'overloaded', type: 'server_error' } });
    if (req.url === '/v1/embeddings') {
      return reply(200, {
        object: 'list',
        data: [
          { object: 'embedding', index: 1, embedding: [0, 1] },
          { object: 'embedding', index: 0, embedding: [1, 0] },
        ],
        usage: { prompt_tokens: 4, total_tokens: 4 },
      });
    }
    const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
    if (body['stream'] !== true) {
      return reply(200, {
        id: 'x',
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Hello there',
              tool_calls: body['tools']
                ? [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }]
                : undefined,
            },
            finish_reason: body['tools'] ? 'tool_calls' : 'stop',
          },
        ],
        usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frame = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const chunk = (delta: unknown, finish: string | null = null) =>
      frame({
        id: 'x',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    if (body['model'] === 'endless') {
      res.on('close', () => {
        this.closedEarly++;
        this.onClosed?.();
      });
      let i = 0;
      const timer = setInterval(() => chunk({ content: `t${i++} ` }), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    chunk({ role: 'assistant', content: '' });
    chunk({ content: 'Hel' });
    if (body['model'] === 'fails-mid-stream') {
      // What llama-server sends when it cannot parse its own output.
      frame({
        error: { code: 500, message: 'output does not match the format', type: 'server_error' },
      });
      res.end('data: [DONE]\n\n');
      return;
    }
    // Two SSE events in one TCP write, and one event split across writes: the parser must cope.
    res.write(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] })}\n\ndata: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}]}\n\n`,
    );
    res.write('data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"argu');
    res.write('ments":"{}"}}]},"finish_reason":null}]}\n\n');
    chunk({}, 'tool_calls');
    frame({ id: 'x', object: 'chat.completion.chunk', choices: [], usage });
    res.end('data: [DONE]\n\n');
  }
}

async function collect(it: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

describe('OpenAIEngine against an independent OpenAI-compatible server', () => {
  let mini: MiniServer;
  let engine: OpenAIEngine;
  const signal = new AbortController().signal;
  const messages = [{ role: 'user', content: 'hi' }];

  beforeAll(async () => {
    mini = new MiniServer();
    engine = new OpenAIEngine({
      baseUrl: await mini.listen(),
      apiKey: 'sk-test',
      modelMap: { 'phi-4-mini': 'upstream-phi' },
    });
  });

  afterAll(async () => {
    await engine.close();
    await mini.close();
  });

  it('streams content and tool-call deltas, then finish reason and usage', async () => {
    const events = await collect(
      engine.chat({
        model: 'phi-4-mini',
        body: { model: 'phi-4-mini', messages, stream: true },
        signal,
      }),
    );
    expect(events).toEqual([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      {
        type: 'tool-call',
        delta: { index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } },
      },
      { type: 'tool-call', delta: { index: 0, function: { arguments: '{}' } } },
      {
        type: 'final',
        finishReason: 'tool_calls',
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      },
    ]);
    const sent = mini.bodies.at(-1);
    expect(sent).toMatchObject({
      model: 'upstream-phi',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(mini.headers.at(-1)?.authorization).toBe('Bearer sk-test');
  });

  it('turns a JSON answer into text, complete tool calls and a final', async () => {
    const events = await collect(
      engine.chat({
        model: 'm',
        body: { model: 'm', messages, tools: [{ type: 'function', function: { name: 'f' } }] },
        signal,
      }),
    );
    expect(events).toEqual([
      { type: 'text', text: 'Hello there' },
      {
        type: 'tool-call',
        delta: {
          index: 0,
          id: 'call_1',
          type: 'function',
          function: { name: 'f', arguments: '{}' },
        },
      },
      {
        type: 'final',
        finishReason: 'tool_calls',
        usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
      },
    ]);
  });

  it('returns embeddings in input order', async () => {
    const r = await engine.embed({ model: 'e', body: { model: 'e', input: ['a', 'b'] }, signal });
    expect(r.embeddings).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(r.usage).toEqual({ prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 });
  });

  it('maps upstream 4xx to a non-retryable and 5xx to a retryable EngineError', async () => {
    await expect(
      collect(engine.chat({ model: 'bad', body: { messages }, signal })),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      retryable: false,
      message: 'upstream answered HTTP 400: no such thing',
    });
    await expect(
      engine.embed({ model: 'broken', body: { input: 'x' }, signal }),
    ).rejects.toMatchObject({
      code: 'upstream_error',
      retryable: true,
    });
  });

  it('turns an error event in the upstream stream into an EngineError, not a short answer', async () => {
    const events: EngineEvent[] = [];
    const run = (async () => {
      for await (const ev of engine.chat({
        model: 'fails-mid-stream',
        body: { messages, stream: true },
        signal,
      })) {
        events.push(ev);
      }
    })();
    await expect(run).rejects.toMatchObject({
      name: 'EngineError',
      code: 'upstream_error',
      message: 'upstream failed mid-stream: output does not match the format',
    });
    expect(events).toEqual([{ type: 'text', text: 'Hel' }]);
  });

  it('closes the upstream stream when the job is cancelled', async () => {
    const ac = new AbortController();
    const left = mini.whenClientLeaves();
    let n = 0;
    await expect(
      (async () => {
        for await (const ev of engine.chat({
          model: 'endless',
          body: { messages, stream: true },
          signal: ac.signal,
        })) {
          if (ev.type === 'text' && ++n === 3) ac.abort(new Error('cancelled'));
        }
      })(),
    ).rejects.toThrow('cancelled');
    await left;
    expect(mini.closedEarly).toBe(1);
  });

  it('reports an unreachable upstream and rejects a bad base URL', async () => {
    const dead = new OpenAIEngine({ baseUrl: 'http://127.0.0.1:1/v1' });
    await expect(dead.embed({ model: 'x', body: { input: 'x' }, signal })).rejects.toBeInstanceOf(
      EngineError,
    );
    await dead.close();
    expect(() => new OpenAIEngine({ baseUrl: 'not a url' })).toThrow(TypeError);
    expect(() => new OpenAIEngine({ baseUrl: 'ftp://x/v1' })).toThrow(TypeError);
  });
});
