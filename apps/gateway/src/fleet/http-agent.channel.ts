import { OpenAIHttpClient, OpenAIHttpError } from '@dds/openai-schema';
import { errorEvent, ProtocolError, type ProtocolRequest, type ResponseEvent } from '@dds/protocol';
import type { AgentChannel, AgentTarget } from './agent-channel';

/** Options of {@link HttpAgentChannel}. */
export interface HttpAgentChannelOptions {
  /** Bearer key per agent id, sent upstream (never logged). */
  readonly apiKeys?: ReadonlyMap<string, string>;
  /** Connections kept per agent origin. */
  readonly connections?: number;
}

/**
 * The HTTP fallback: talks to OpenAI-compatible servers through the shared
 * {@link OpenAIHttpClient}, streaming when the client streams, and turns their answers into
 * protocol {@link ResponseEvent}s (failures into one terminal error event).
 */
export class HttpAgentChannel implements AgentChannel {
  private readonly client: OpenAIHttpClient;

  constructor(private readonly options: HttpAgentChannelOptions = {}) {
    this.client = new OpenAIHttpClient({ connections: options.connections ?? 64 });
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
    const call = {
      apiKey: this.options.apiKeys?.get(target.id),
      signal,
      timeoutMs: req.deadlineMs,
    };
    try {
      if (req.kind === 'embedding') {
        const r = await this.client.embeddings(target.httpEndpoint, text, call);
        yield { type: 'embedding', embeddings: r.embeddings };
        yield {
          type: 'final',
          finishReason: 'stop',
          usage: {
            prompt_tokens: r.promptTokens,
            completion_tokens: 0,
            total_tokens: r.promptTokens,
          },
          agentId: target.id,
        };
        return;
      }
      for await (const part of this.client.chat(target.httpEndpoint, text, req.stream, call)) {
        yield part.type === 'final' ? { ...part, agentId: target.id } : part;
      }
    } catch (err) {
      if (!(err instanceof OpenAIHttpError)) throw err;
      yield failureEvent(target.id, err);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** One terminal event per failure: retryable elsewhere only while nothing reached the client. */
function failureEvent(agentId: string, err: OpenAIHttpError): ResponseEvent {
  const started = err.outputStarted;
  switch (err.failure) {
    case 'timeout':
      return errorEvent('deadline_exceeded', 'agent did not answer in time', false, started);
    case 'unreachable':
      return errorEvent('agent_gone', `agent ${agentId} ${err.message}`, !started, started);
    case 'upstream-error':
      return errorEvent('engine_error', err.upstreamMessage ?? 'agent error', !started, started);
    case 'bad-answer':
      return errorEvent('engine_error', `agent ${agentId} ${err.message}`, true, false);
    case 'status':
      // A 4xx means the request itself was refused: another agent would refuse it too.
      return errorEvent(
        err.retryable ? 'engine_error' : 'invalid_field',
        `agent ${agentId} ${err.message}`,
        err.retryable,
        false,
      );
  }
}
