import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the stub answers; tests change it between requests. */
export interface StubBehaviour {
  /** Words of every chat answer (streamed one per chunk). */
  words: string[];
  /** Delay before each streamed word, ms. */
  wordDelayMs: number;
  /** Answer chat requests with this HTTP status and an error body instead. */
  failWith?: number;
  /** Answer with a tool call when the request offers tools. */
  toolCalls: boolean;
  /** Drop the connection after streaming this many words (an agent dying mid-stream). */
  dieAfterWords?: number;
}

/**
 * A minimal OpenAI-compatible server on loopback, standing in for an HTTP-only agent (any
 * OpenAI-compatible engine). It records what it received so tests can check what the gateway sent.
 */
export class OpenAiStubServer {
  readonly received: {
    path: string;
    body: Record<string, unknown>;
    headers: IncomingMessage['headers'];
  }[] = [];
  /** Streams that ended because the client (the gateway) went away. */
  abortedStreams = 0;
  /** Chat requests answered in full. */
  completed = 0;
  behaviour: StubBehaviour = {
    words: ['Hello', ' from', ' stub'],
    wordDelayMs: 0,
    toolCalls: true,
  };
  private server: Server | undefined;

  constructor(readonly name = 'stub') {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this.baseUrl;
  }

  get baseUrl(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    this.received.push({ path: req.url ?? '', body, headers: req.headers });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method === 'GET' && req.url === '/v1/models') {
      json(200, {
        object: 'list',
        data: [{ id: 'stub-model', object: 'model', created: 0, owned_by: this.name }],
      });
      return;
    }
    if (req.url === '/v1/embeddings') {
      const input = body['input'];
      const n = Array.isArray(input) ? input.length : 1;
      json(200, {
        object: 'list',
        model: body['model'],
        data: Array.from({ length: n }, (_, i) => ({
          object: 'embedding',
          index: i,
          embedding: [i, 0.5, -0.25],
        })),
        usage: { prompt_tokens: 3 * n, total_tokens: 3 * n },
      });
      return;
    }
    if (req.url !== '/v1/chat/completions') {
      json(404, {
        error: { message: 'no route', type: 'invalid_request_error', param: null, code: null },
      });
      return;
    }
    const b = this.behaviour;
    if (b.failWith) {
      json(b.failWith, {
        error: {
          message: `stub failure ${b.failWith}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      });
      return;
    }
    const model = String(body['model']);
    const wantsTool = b.toolCalls && Array.isArray(body['tools']) && body['tools'].length > 0;
    const usage = {
      prompt_tokens: 7,
      completion_tokens: b.words.length,
      total_tokens: 7 + b.words.length,
    };
    const base = { id: 'chatcmpl-stub', created: 1, model };
    if (body['stream'] !== true) {
      if (b.wordDelayMs) await new Promise((r) => setTimeout(r, b.wordDelayMs * b.words.length));
      this.completed++;
      json(200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: wantsTool
              ? {
                  role: 'assistant',
                  content: null,
                  tool_calls: [
                    {
                      id: 'call_1',
                      type: 'function',
                      function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
                    },
                  ],
                }
              : { role: 'assistant', content: b.words.join('') },
            finish_reason: wantsTool ? 'tool_calls' : 'stop',
          },
        ],
        usage,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        this.abortedStreams++;
      }
    });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: unknown, finish: string | null = null) =>
      send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    chunk({ role: 'assistant', content: '' });
    if (wantsTool) {
      chunk({
        tool_calls: [
          {
            index: 0,
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      });
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Lisbon"}' } }] });
    } else {
      for (const [i, w] of b.words.entries()) {
        if (b.dieAfterWords !== undefined && i >= b.dieAfterWords) {
          // Let what was written reach the gateway, then drop the connection like a crash.
          await new Promise<void>((r) => res.write(':\n\n', () => r()));
          res.socket?.destroy();
          return;
        }
        if (b.wordDelayMs) await new Promise((r) => setTimeout(r, b.wordDelayMs));
        if (closed) return;
        chunk({ content: w });
      }
    }
    chunk({}, wantsTool ? 'tool_calls' : 'stop');
    send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    res.end('data: [DONE]\n\n');
    this.completed++;
  }
}
