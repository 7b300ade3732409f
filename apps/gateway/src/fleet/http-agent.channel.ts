import {
  decodeEmbeddingBase64,
  readSseJson,
  type ChatCompletion,
  type ChatCompletionChunk,
} from '@dds/openai-schema';
import {
  errorEvent,
  ProtocolError,
  type ProtocolRequest,
  type ResponseEvent,
  type ToolCallDelta,
} from '@dds/protocol';
import { Agent, errors as undiciErrors, request } from 'undici';
import type { AgentChannel, AgentTarget } from './agent-channel';

/** Options of {@link HttpAgentChannel}. */
export interface HttpAgentChannelOptions {
  /** Bearer key per agent id, sent upstream (never logged). */
  readonly apiKeys?: ReadonlyMap<string, string>;
  /** Connections kept per agent origin. */
  readonly connections?: number;
}

interface EmbeddingBody {
  data?: { index?: number; embedding?: number[] | string }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

/**
 * The HTTP fallback: talks to OpenAI-compatible servers (`POST {endpoint}/chat/completions`,
 * `/embeddings`) with undici, streaming when the client streams, and turns their answers into
 * protocol {@link ResponseEvent}s.
 */
export class HttpAgentChannel implements AgentChannel {
  private readonly dispatcher: Agent;

  constructor(private readonly options: HttpAgentChannelOptions = {}) {
    this.dispatcher = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * Encodes the body at once, so that a body that cannot be sent throws a `ProtocolError` at the
   * call (the request's fault, like the DDS channel's), then streams the upstream's answer.
   */
  request(
    target: AgentTarget,
    req: ProtocolRequest,
    signal: AbortSignal,
  ): AsyncIterable<ResponseEvent> {
    const body = req.stream
      ? { ...req.body, stream: true, stream_options: { include_usage: true } }
      : { ...req.body, stream: false, stream_options: undefined };
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (e) {
      throw new ProtocolError('invalid_body', `body cannot be serialised: ${(e as Error).message}`);
    }
    return this.run(target, req, text, signal);
  }

  private async *run(
    target: AgentTarget,
    req: ProtocolRequest,
    text: string,
    signal: AbortSignal,
  ): AsyncGenerator<ResponseEvent> {
    if (!target.httpEndpoint) {
      yield errorEvent('agent_not_found', `agent ${target.id} has no HTTP endpoint`, true, false);
      return;
    }
    const base = target.httpEndpoint.replace(/\/+$/, '');
    const path = req.kind === 'embedding' ? '/embeddings' : '/chat/completions';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = this.options.apiKeys?.get(target.id);
    if (key) headers['authorization'] = `Bearer ${key}`;
    const timeout = req.deadlineMs !== undefined ? Math.max(1, req.deadlineMs) : undefined;
    const signals =
      timeout !== undefined ? AbortSignal.any([signal, AbortSignal.timeout(timeout)]) : signal;

    let res;
    try {
      res = await request(base + path, {
        method: 'POST',
        headers,
        body: text,
        signal: signals,
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      yield this.failure(err, false);
      return;
    }
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => '');
      let message = `agent ${target.id} answered HTTP ${res.statusCode}`;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string } };
        if (parsed.error?.message) message += `: ${parsed.error.message}`;
      } catch {
        // Not JSON: keep the status only; an upstream page must not leak to the client.
      }
      // 4xx means the request itself was refused: another agent would refuse it too.
      yield errorEvent(
        res.statusCode >= 500 || res.statusCode === 429 ? 'engine_error' : 'invalid_field',
        message,
        res.statusCode >= 500 || res.statusCode === 429,
        false,
      );
      return;
    }

    let outputStarted = false;
    try {
      if (req.kind === 'embedding') {
        const parsed = (await res.body.json()) as EmbeddingBody;
        const data = [...(parsed.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        const embeddings = data.map((d) =>
          typeof d.embedding === 'string'
            ? decodeEmbeddingBase64(d.embedding)
            : (d.embedding ?? []),
        );
        yield { type: 'embedding', embeddings };
        const prompt = parsed.usage?.prompt_tokens ?? 0;
        yield {
          type: 'final',
          finishReason: 'stop',
          usage: { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt },
          agentId: target.id,
        };
        return;
      }
      if (!req.stream) {
        const parsed = (await res.body.json()) as ChatCompletion;
        const choice = parsed.choices?.[0];
        const content = choice?.message?.content;
        if (typeof content === 'string' && content.length > 0) {
          yield { type: 'text', text: content };
        }
        for (const [index, call] of (choice?.message?.tool_calls ?? []).entries()) {
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
          finishReason: choice?.finish_reason ?? 'stop',
          usage: normaliseUsage(parsed.usage),
          agentId: target.id,
        };
        return;
      }
      let finishReason = 'stop';
      let usage = normaliseUsage(undefined);
      for await (const chunk of readSseJson<ChatCompletionChunk & { error?: { message?: string } }>(
        res.body,
      )) {
        if (chunk.error) {
          yield errorEvent(
            'engine_error',
            chunk.error.message ?? 'agent error',
            !outputStarted,
            outputStarted,
          );
          return;
        }
        if (chunk.usage) usage = normaliseUsage(chunk.usage);
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.finish_reason) finishReason = choice.finish_reason;
        const delta = choice.delta ?? {};
        if (typeof delta.content === 'string' && delta.content.length > 0) {
          outputStarted = true;
          yield { type: 'text', text: delta.content };
        }
        for (const call of delta.tool_calls ?? []) {
          outputStarted = true;
          yield { type: 'tool-call', delta: call as ToolCallDelta };
        }
      }
      yield { type: 'final', finishReason, usage, agentId: target.id };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      yield this.failure(err, outputStarted);
    } finally {
      // Early exit (client gone): closing the body aborts the upstream request.
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private failure(err: unknown, outputStarted: boolean) {
    const timeout =
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      (err as { name?: string })?.name === 'TimeoutError';
    if (timeout)
      return errorEvent('deadline_exceeded', 'agent did not answer in time', false, outputStarted);
    const message = err instanceof Error ? err.message : String(err);
    return errorEvent('agent_gone', `agent unreachable: ${message}`, !outputStarted, outputStarted);
  }
}

function normaliseUsage(
  u:
    | Partial<{ prompt_tokens: number; completion_tokens: number; total_tokens: number }>
    | null
    | undefined,
) {
  const prompt = u?.prompt_tokens ?? 0;
  const completion = u?.completion_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u?.total_tokens ?? prompt + completion,
  };
}
