import { Agent, request, type Dispatcher } from 'undici';
import type { ChatCompletion, ChatCompletionChunk } from './chat.types';
import type { ChatOutputEvent, ChatUsage } from './chat-output.types';
import { decodeEmbeddingBase64 } from './embedding.codec';
import { readSseJson } from './sse.parser';

/** Why an {@link OpenAIHttpClient} call failed. */
export type OpenAIHttpFailure =
  /** The connection failed: refused, reset, DNS, TLS; before or during the answer. */
  | 'unreachable'
  /** The answer did not complete within `timeoutMs`. */
  | 'timeout'
  /** An HTTP status of 400 or above. */
  | 'status'
  /** An error event inside a stream (llama-server, vLLM report failures mid-stream this way). */
  | 'upstream-error'
  /** A 2xx answer that is not the API's shape (not JSON, no choices, no data). */
  | 'bad-answer';

/**
 * A failed call to an OpenAI-compatible server, typed so each caller maps it its own way. The
 * message reads after the server's name (`upstream answered HTTP 503: …`).
 */
export class OpenAIHttpError extends Error {
  override readonly name = 'OpenAIHttpError';

  constructor(
    readonly failure: OpenAIHttpFailure,
    message: string,
    /** The server's `error.message`, when it sent an OpenAI error body or event. */
    readonly upstreamMessage?: string,
    /** The HTTP status (`status` failures only). */
    readonly status?: number,
    /** Whether any text or tool call had been yielded before the failure. */
    readonly outputStarted = false,
  ) {
    super(message);
  }

  /** Another server could succeed: transport failures, 5xx, 429 and mid-stream errors. */
  get retryable(): boolean {
    if (this.failure !== 'status') return this.failure !== 'timeout';
    return (this.status ?? 0) >= 500 || this.status === 429;
  }
}

/** The end of a chat answer. */
export interface ChatFinal {
  readonly type: 'final';
  readonly finishReason: string;
  /** Zeros when the server reported none; `prompt_tokens_details` is kept when it did. */
  readonly usage: ChatUsage;
}

/** What {@link OpenAIHttpClient.chat} yields: the answer's pieces, then one final. */
export type ChatStreamPart = ChatOutputEvent | ChatFinal;

/** Options of one call. */
export interface OpenAICallOptions {
  /** Sent as `Authorization: Bearer …` when set. */
  readonly apiKey?: string;
  readonly signal: AbortSignal;
  /** The whole call's deadline: past it the request is aborted and fails with `timeout`. */
  readonly timeoutMs?: number;
}

/** Options of {@link OpenAIHttpClient}. */
export interface OpenAIHttpClientOptions {
  /** Connections kept per origin. Default 64. */
  readonly connections?: number;
  /** How long an idle connection is kept. Default 30 s. */
  readonly keepAliveTimeoutMs?: number;
}

/** Embeddings in input order, with the usage the server reported. */
export interface EmbeddingsAnswer {
  readonly embeddings: number[][];
  readonly promptTokens: number;
  readonly totalTokens: number;
}

interface EmbeddingsBody {
  data?: { index?: number; embedding?: number[] | string }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

type ErrorChunk = { error?: { message?: string } };

/**
 * The one client for OpenAI-compatible HTTP servers (llama-server, vLLM, SGLang, Ollama, the
 * simulator, OpenAI): `POST {base}/chat/completions` streamed or not and `POST {base}/embeddings`
 * over a pooled undici dispatcher, answers normalised into {@link ChatStreamPart}s and failures
 * into {@link OpenAIHttpError}. An aborted `signal` rejects with the signal's reason. Used by the
 * gateway's HTTP fallback and by the agent's upstream engine alike.
 */
export class OpenAIHttpClient {
  private readonly dispatcher: Dispatcher;

  constructor(options: OpenAIHttpClientOptions = {}) {
    this.dispatcher = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      pipelining: 1,
    });
  }

  /**
   * Posts a chat request (`body`: its JSON text; `stream` must match the body's own `stream`)
   * and yields the answer. Leaving the iteration early closes the upstream request.
   */
  async *chat(
    baseUrl: string,
    body: string,
    stream: boolean,
    options: OpenAICallOptions,
  ): AsyncGenerator<ChatStreamPart> {
    const { res, deadline } = await this.post(baseUrl, '/chat/completions', body, options);
    let outputStarted = false;
    try {
      if (!stream) {
        const answer = (await res.body.json()) as ChatCompletion;
        const choice = answer?.choices?.[0];
        if (!choice?.message) {
          throw new OpenAIHttpError('bad-answer', 'sent an answer with no choices');
        }
        const content = choice.message.content;
        if (typeof content === 'string' && content.length > 0)
          yield { type: 'text', text: content };
        for (const [index, call] of (choice.message.tool_calls ?? []).entries()) {
          yield {
            type: 'tool-call',
            delta: {
              index,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: call.function.arguments },
            },
          };
        }
        yield {
          type: 'final',
          finishReason: choice.finish_reason ?? 'stop',
          usage: usage(answer.usage),
        };
        return;
      }
      let finishReason = 'stop';
      let reported: ChatUsage | undefined;
      for await (const chunk of readSseJson<ChatCompletionChunk & ErrorChunk>(res.body)) {
        if (chunk.error) {
          const message = chunk.error.message ?? JSON.stringify(chunk.error);
          throw new OpenAIHttpError(
            'upstream-error',
            `failed mid-stream: ${message}`,
            message,
            undefined,
            outputStarted,
          );
        }
        if (chunk.usage) reported = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const delta = choice.delta;
          if (typeof delta?.content === 'string' && delta.content.length > 0) {
            outputStarted = true;
            yield { type: 'text', text: delta.content };
          }
          for (const call of delta?.tool_calls ?? []) {
            outputStarted = true;
            yield { type: 'tool-call', delta: call };
          }
        }
      }
      yield { type: 'final', finishReason, usage: usage(reported) };
    } catch (err) {
      throw failure(err, options.signal, deadline, outputStarted);
    } finally {
      // Leaving early (the client went away) must free the connection and stop the upstream.
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  /** Posts an embeddings request (`body`: its JSON text); base64 answers are decoded. */
  async embeddings(
    baseUrl: string,
    body: string,
    options: OpenAICallOptions,
  ): Promise<EmbeddingsAnswer> {
    const { res, deadline } = await this.post(baseUrl, '/embeddings', body, options);
    try {
      const answer = (await res.body.json()) as EmbeddingsBody;
      if (!Array.isArray(answer?.data)) {
        throw new OpenAIHttpError('bad-answer', 'sent an answer with no data');
      }
      const data = [...answer.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      const promptTokens = answer.usage?.prompt_tokens ?? 0;
      return {
        embeddings: data.map((d) =>
          typeof d.embedding === 'string'
            ? decodeEmbeddingBase64(d.embedding)
            : (d.embedding ?? []),
        ),
        promptTokens,
        totalTokens: answer.usage?.total_tokens ?? promptTokens,
      };
    } catch (err) {
      throw failure(err, options.signal, deadline, false);
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private async post(
    baseUrl: string,
    path: string,
    body: string,
    options: OpenAICallOptions,
  ): Promise<{ res: Dispatcher.ResponseData; deadline: AbortSignal | undefined }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : AbortSignal.timeout(Math.max(1, options.timeoutMs));
    let res: Dispatcher.ResponseData;
    try {
      res = await request(baseUrl.replace(/\/+$/, '') + path, {
        method: 'POST',
        headers,
        body,
        signal: deadline ? AbortSignal.any([options.signal, deadline]) : options.signal,
        dispatcher: this.dispatcher,
      });
    } catch (err) {
      throw failure(err, options.signal, deadline, false);
    }
    if (res.statusCode < 400) return { res, deadline };
    const text = await res.body.text().catch(() => '');
    let upstreamMessage: string | undefined;
    try {
      upstreamMessage = (JSON.parse(text) as ErrorChunk).error?.message;
    } catch {
      // Not an OpenAI error body (a proxy's page): the status says enough, and the page never
      // reaches a client.
    }
    throw new OpenAIHttpError(
      'status',
      `answered HTTP ${res.statusCode}${upstreamMessage ? `: ${upstreamMessage}` : ''}`,
      upstreamMessage,
      res.statusCode,
    );
  }
}

/** The caller's abort wins (its reason is rethrown as is); everything else is typed. */
function failure(
  err: unknown,
  signal: AbortSignal,
  deadline: AbortSignal | undefined,
  outputStarted: boolean,
): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof OpenAIHttpError) return err;
  if (deadline?.aborted) {
    return new OpenAIHttpError(
      'timeout',
      'did not answer in time',
      undefined,
      undefined,
      outputStarted,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SyntaxError) {
    return new OpenAIHttpError('bad-answer', `sent an answer that is not JSON: ${message}`);
  }
  return new OpenAIHttpError(
    'unreachable',
    outputStarted ? `broke off its answer: ${message}` : `unreachable: ${message}`,
    undefined,
    undefined,
    outputStarted,
  );
}

function usage(u: Partial<ChatUsage> | null | undefined): ChatUsage {
  const prompt = u?.prompt_tokens ?? 0;
  const completion = u?.completion_tokens ?? 0;
  const total = u?.total_tokens ?? prompt + completion;
  const cached = u?.prompt_tokens_details?.cached_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    ...(typeof cached === 'number' ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}
