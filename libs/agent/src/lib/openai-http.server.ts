import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './agent';
import { EngineError } from './engine';
import { SlotPoolError } from './slot-pool';
import {
  chatCompletion,
  chatCompletionChunk,
  embeddingResponse,
  InternalServerError,
  ModelNotFoundError,
  modelList,
  modelObject,
  newChatCompletionId,
  NotFoundError,
  OpenAIError,
  OpenAIRequestError,
  parseJsonBody,
  QueueFullError,
  RequestTooLargeError,
  ServiceUnavailableError,
  SSE_DONE_FRAME,
  sseFrame,
  unixSeconds,
  usageChunk,
  validateChatCompletionRequest,
  validateEmbeddingRequest,
  type ToolCall,
  ToolCallMerger,
} from '@dds/openai-schema';

/** Largest request body accepted (images travel inline). */
export const MAX_HTTP_BODY_BYTES = 16 * 1024 * 1024;

/**
 * An agent's own OpenAI-compatible HTTP port (chat JSON + SSE, embeddings, models), for the
 * gateway's HTTP fallback and as the direct baseline in benchmarks. Requests share the agent's
 * slots and queue with DDS traffic. Routes exist under `/v1` and `/api/v1`.
 */
export class OpenAIHttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private agent: Agent) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Serves through another agent object (same id/models), e.g. one that knows its URL. */
  setAgent(agent: Agent): void {
    this.agent = agent;
  }

  /** Listens on `host:port` (port 0 = ephemeral) and returns the bound base URL (`…/v1`). */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.baseUrl);
      });
    });
  }

  /** The bound base URL, e.g. `http://127.0.0.1:8101/v1`. */
  get baseUrl(): string {
    const a = this.server.address() as AddressInfo | null;
    if (!a) throw new Error('server is not listening');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}/v1`;
  }

  /** Stops listening and closes every connection (open streams end). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client disconnected'));
    });
    try {
      const path = (req.url ?? '/').split('?')[0] as string;
      const route = path.replace(/^\/api\/v1\//, '/v1/');
      if (req.method === 'GET' && route === '/v1/models') {
        return json(res, 200, modelList(this.agent.info.models.map((m) => modelObject(m))));
      }
      if (req.method === 'GET' && route.startsWith('/v1/models/')) {
        const id = decodeURIComponent(route.slice('/v1/models/'.length));
        if (!this.agent.info.models.includes(id)) throw new ModelNotFoundError(id);
        return json(res, 200, modelObject(id));
      }
      if (req.method === 'POST' && route === '/v1/chat/completions') {
        return await this.chat(await readJson(req, res), res, ac.signal);
      }
      if (req.method === 'POST' && route === '/v1/embeddings') {
        return await this.embeddings(await readJson(req, res), res, ac.signal);
      }
      throw new NotFoundError(`Invalid URL (${req.method} ${path})`);
    } catch (e) {
      if (ac.signal.aborted) return;
      const err = toHttpError(e);
      if (res.headersSent) {
        // Mid-stream: an error event, then the end, never a silently truncated stream.
        res.end(sseFrame(err.toBody()));
        return;
      }
      json(res, err.status, err.toBody(), retryAfter(err));
    }
  }

  private async chat(raw: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const body = validateChatCompletionRequest(raw);
    if (!this.agent.info.models.includes(body.model)) throw new ModelNotFoundError(body.model);
    const events = this.agent.runChat({
      kind: 'chat',
      model: body.model,
      body: body as Record<string, unknown>,
      signal,
    });
    const id = newChatCompletionId();
    const created = unixSeconds();
    if (body.stream !== true) {
      let text = '';
      const merger = new ToolCallMerger();
      for await (const ev of events) {
        if (ev.type === 'text') text += ev.text;
        else if (ev.type === 'tool-call') merger.add(ev.delta);
        else {
          // The merged fragments, index kept, as this server always answered.
          const calls = merger.deltas();
          return json(
            res,
            200,
            chatCompletion({
              id,
              created,
              model: body.model,
              content: calls.length > 0 && text === '' ? null : text,
              ...(calls.length ? { toolCalls: calls as ToolCall[] } : {}),
              finishReason: ev.finishReason as never,
              usage: ev.usage,
            }),
          );
        }
      }
      throw new InternalServerError('engine ended without a final');
    }
    const includeUsage = body.stream_options?.include_usage === true;
    const base = { id, created, model: body.model, includeUsage };
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(
        sseFrame(chatCompletionChunk({ ...base, delta: { role: 'assistant', content: '' } })),
      );
    };
    for await (const ev of events) {
      start();
      if (ev.type === 'text') {
        res.write(sseFrame(chatCompletionChunk({ ...base, delta: { content: ev.text } })));
      } else if (ev.type === 'tool-call') {
        res.write(sseFrame(chatCompletionChunk({ ...base, delta: { tool_calls: [ev.delta] } })));
      } else {
        res.write(
          sseFrame(
            chatCompletionChunk({ ...base, delta: {}, finishReason: ev.finishReason as never }),
          ),
        );
        if (includeUsage)
          res.write(sseFrame(usageChunk({ id, created, model: body.model, usage: ev.usage })));
        res.end(SSE_DONE_FRAME);
        return;
      }
    }
    throw new InternalServerError('engine ended without a final');
  }

  private async embeddings(raw: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const body = validateEmbeddingRequest(raw);
    if (!this.agent.info.models.includes(body.model)) throw new ModelNotFoundError(body.model);
    const r = await this.agent.runEmbedding({
      kind: 'embedding',
      model: body.model,
      body: body as Record<string, unknown>,
      signal,
    });
    json(
      res,
      200,
      embeddingResponse({
        model: body.model,
        embeddings: r.embeddings,
        encodingFormat: body.encoding_format ?? 'float',
        promptTokens: r.usage.prompt_tokens,
      }),
    );
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > MAX_HTTP_BODY_BYTES) {
        // Destroying the request would reset the socket before the 413 is sent: drop the rest
        // instead, and close the connection once the answer is out.
        tooLarge = true;
        chunks.length = 0;
        res.setHeader('connection', 'close');
        reject(new RequestTooLargeError(MAX_HTTP_BODY_BYTES));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      try {
        resolve(parseJsonBody(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function toHttpError(e: unknown): OpenAIError {
  if (e instanceof OpenAIError) return e;
  if (e instanceof SlotPoolError) {
    return e.code === 'overloaded'
      ? new QueueFullError(1)
      : new ServiceUnavailableError(`This agent is draining: ${e.message}`, 1);
  }
  if (e instanceof EngineError) {
    if (!e.retryable) return new OpenAIRequestError(e.message, null, e.code);
    return new OpenAIError(e.message, 500, 'server_error', null, e.code);
  }
  return new InternalServerError();
}

function retryAfter(err: OpenAIError): Record<string, string> {
  const s = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
  return s !== undefined ? { 'retry-after': String(s) } : {};
}
