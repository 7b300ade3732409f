import { OpenAIHttpClient, OpenAIHttpError } from '@dds/openai-schema';
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

/**
 * Forwards requests to any OpenAI-compatible HTTP server (llama.cpp server, vLLM, Ollama, the
 * simulator's own port, OpenAI) with undici, streaming included, so a real inference server
 * joins the mesh through a sidecar agent.
 */
export class OpenAIEngine implements Engine {
  readonly name = 'openai';
  private readonly base: string;
  private readonly client: OpenAIHttpClient;

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
    this.base = url.href;
    this.client = new OpenAIHttpClient({ connections: options.connections ?? 64 });
  }

  async *chat(job: ChatJob): AsyncGenerator<EngineEvent> {
    const stream = job.body['stream'] === true;
    const body: Record<string, unknown> = { ...job.body, model: this.upstreamModel(job.model) };
    if (stream) {
      body['stream_options'] = { ...(body['stream_options'] as object), include_usage: true };
    }
    const call = { apiKey: this.options.apiKey, signal: job.signal };
    try {
      yield* this.client.chat(this.base, JSON.stringify(body), stream, call);
    } catch (e) {
      throw engineError(e);
    }
  }

  async embed(job: EmbeddingJob): Promise<EmbeddingResult> {
    const body = { ...job.body, model: this.upstreamModel(job.model), encoding_format: 'float' };
    try {
      const r = await this.client.embeddings(this.base, JSON.stringify(body), {
        apiKey: this.options.apiKey,
        signal: job.signal,
      });
      return {
        embeddings: r.embeddings,
        usage: { prompt_tokens: r.promptTokens, completion_tokens: 0, total_tokens: r.totalTokens },
      };
    } catch (e) {
      throw engineError(e);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private upstreamModel(model: string): string {
    return this.options.modelMap?.[model] ?? model;
  }
}

/**
 * A 4xx is the request's fault (another server would refuse it too); everything else the
 * upstream's. Never a silently short answer: a mid-stream failure is an error too.
 */
function engineError(e: unknown): unknown {
  if (!(e instanceof OpenAIHttpError)) return e;
  const invalid = e.failure === 'status' && !e.retryable;
  return new EngineError(
    `upstream ${e.message}`,
    invalid ? 'invalid_request' : 'upstream_error',
    e.retryable,
  );
}
