import type { ToolCallDelta, Usage } from '@dds/protocol';
import { readSseJson } from '@dds/openai-schema';
import { Agent as HttpAgent, request } from 'undici';
import {
  EngineError,
  type ChatJob,
  type EmbeddingJob,
  type EmbeddingResult,
  type Engine,
  type EngineEvent,
} from './engine';

/** Options of {@link OpenAIEngine}. */
export interface OpenAIEngineOptions {
  /** Base URL of the OpenAI-compatible API, including `/v1` (e.g. `http://127.0.0.1:8080/v1`). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly apiKey?: string;
  /** Renames models on the way upstream (fleet name -> upstream name). */
  readonly modelMap?: Readonly<Record<string, string>>;
  /** Connections kept to the upstream. Default 64. */
  readonly connections?: number;
}

interface ChunkShape {
  choices?: {
    delta?: { content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }[];
  usage?: Usage | null;
  /** Servers (llama-server, vLLM) report a failure mid-stream as an error event. */
  error?: { message?: string; code?: unknown; type?: string };
}

interface CompletionShape {
  choices?: {
    message?: {
      content?: string | null;
      tool_calls?: {
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }[];
    };
    finish_reason?: string;
  }[];
  usage?: Usage;
}

/**
 * Forwards requests to any OpenAI-compatible HTTP server (llama.cpp server, vLLM, Ollama, the
 * simulator's own port, OpenAI) with undici, streaming included, so a real inference server
 * joins the mesh through a sidecar agent.
 */
export class OpenAIEngine implements Engine {
  readonly name = 'openai';
  private readonly base: string;
  private readonly dispatcher: HttpAgent;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: OpenAIEngineOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`OpenAIEngine baseUrl is not a URL: ${String(options?.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`OpenAIEngine baseUrl must be http(s), got ${url.protocol}`);
    }
    this.base = url.href.replace(/\/+$/, '');
    this.dispatcher = new HttpAgent({ connections: options.connections ?? 64 });
    this.headers = {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
  }

  async *chat(job: ChatJob): AsyncGenerator<EngineEvent> {
    const stream = job.body['stream'] === true;
    const body: Record<string, unknown> = { ...job.body, model: this.upstreamModel(job.model) };
    if (stream) {
      body['stream_options'] = { ...(body['stream_options'] as object), include_usage: true };
    }
    const res = await this.post('/chat/completions', body, job.signal);
    if (!stream) {
      const c = (await res.body.json()) as CompletionShape;
      const choice = c.choices?.[0];
      if (!choice?.message)
        throw new EngineError('upstream answer has no choices', 'upstream_error');
      const msg = choice.message;
      if (msg.content) yield { type: 'text', text: msg.content };
      for (const [index, tc] of (msg.tool_calls ?? []).entries()) {
        yield {
          type: 'tool-call',
          delta: { index, id: tc.id, type: 'function', function: tc.function },
        };
      }
      yield {
        type: 'final',
        finishReason: choice.finish_reason ?? 'stop',
        usage: c.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      };
      return;
    }
    let finishReason = 'stop';
    let usage: Usage | undefined;
    try {
      for await (const chunk of readSseJson<ChunkShape>(res.body)) {
        if (chunk.error) {
          // Never a silently truncated answer: the gateway turns this into an error event.
          throw new EngineError(
            `upstream failed mid-stream: ${chunk.error.message ?? JSON.stringify(chunk.error)}`,
            'upstream_error',
          );
        }
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          const d = choice.delta;
          if (d?.content) yield { type: 'text', text: d.content };
          for (const tc of d?.tool_calls ?? []) yield { type: 'tool-call', delta: tc };
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      }
    } catch (e) {
      if (job.signal.aborted) throw job.signal.reason;
      if (e instanceof EngineError) throw e;
      throw new EngineError(`upstream stream failed: ${(e as Error).message}`, 'upstream_error');
    } finally {
      // Leaving early (cancel) must free the connection.
      if (!res.body.destroyed) res.body.destroy();
    }
    yield {
      type: 'final',
      finishReason,
      usage: usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
  }

  async embed(job: EmbeddingJob): Promise<EmbeddingResult> {
    const body = { ...job.body, model: this.upstreamModel(job.model), encoding_format: 'float' };
    const res = await this.post('/embeddings', body, job.signal);
    const r = (await res.body.json()) as {
      data?: { index: number; embedding: number[] }[];
      usage?: { prompt_tokens: number; total_tokens: number };
    };
    if (!Array.isArray(r.data))
      throw new EngineError('upstream answer has no data', 'upstream_error');
    const data = [...r.data].sort((a, b) => a.index - b.index);
    const pt = r.usage?.prompt_tokens ?? 0;
    return {
      embeddings: data.map((d) => d.embedding),
      usage: { prompt_tokens: pt, completion_tokens: 0, total_tokens: r.usage?.total_tokens ?? pt },
    };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private upstreamModel(model: string): string {
    return this.options.modelMap?.[model] ?? model;
  }

  private async post(path: string, body: unknown, signal: AbortSignal) {
    let res;
    try {
      res = await request(this.base + path, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        signal,
        dispatcher: this.dispatcher,
      });
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw new EngineError(`upstream unreachable: ${(e as Error).message}`, 'upstream_error');
    }
    if (res.statusCode >= 400) {
      let message = `upstream answered HTTP ${res.statusCode}`;
      try {
        const err = (await res.body.json()) as { error?: { message?: string } };
        if (err?.error?.message) message += `: ${err.error.message}`;
      } catch {
        // Not an OpenAI error body; the status says enough.
      }
      // 4xx is the request's fault (same answer elsewhere), 5xx/429 the server's.
      const retryable = res.statusCode >= 500 || res.statusCode === 429;
      throw new EngineError(message, retryable ? 'upstream_error' : 'invalid_request', retryable);
    }
    return res;
  }
}
