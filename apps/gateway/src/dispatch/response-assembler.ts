import {
  chatCompletion,
  chatCompletionChunk,
  embeddingResponse,
  newChatCompletionId,
  unixSeconds,
  usageChunk,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionDelta,
  type EmbeddingResponse,
  type EncodingFormat,
  type FinishReason,
  type ToolCall,
  ToolCallMerger,
} from '@dds/openai-schema';
import type { ResponseEvent, Usage } from '@dds/protocol';
import type { OutputEvent, OutputSink } from './gateway-job';

/** Collects one attempt's output events for a non-streaming answer (the sink that is not live). */
export class ResponseCollector implements OutputSink {
  readonly live = false;
  private text = '';
  private readonly calls = new ToolCallMerger();
  private embeddings: (readonly number[])[] = [];

  /** Drops what a failed attempt produced (its answer is not the client's). */
  reset(): void {
    this.text = '';
    this.calls.clear();
    this.embeddings = [];
  }

  output(ev: OutputEvent): void {
    this.add(ev);
  }

  add(ev: OutputEvent): void {
    if (ev.type === 'text') {
      this.text += ev.text;
    } else if (ev.type === 'tool-call') {
      this.calls.add(ev.delta);
    } else {
      this.embeddings.push(...ev.embeddings);
    }
  }

  /** The collected answer as an assistant message (for conversation history). */
  message(): { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] } {
    const calls = this.calls.calls();
    return calls.length
      ? { role: 'assistant', content: this.text.length ? this.text : null, tool_calls: calls }
      : { role: 'assistant', content: this.text };
  }

  chat(
    model: string,
    finishReason: string,
    usage: Usage,
    id = newChatCompletionId(),
  ): ChatCompletion {
    const calls = this.calls.calls();
    return chatCompletion({
      id,
      model,
      content: this.text.length || calls.length === 0 ? this.text : null,
      toolCalls: calls.length ? calls : undefined,
      finishReason: finishReason as FinishReason,
      usage,
    });
  }

  embedding(
    model: string,
    format: EncodingFormat | null | undefined,
    usage: Usage,
  ): EmbeddingResponse {
    return embeddingResponse({
      model,
      embeddings: this.embeddings,
      encodingFormat: format,
      promptTokens: usage.prompt_tokens,
    });
  }
}

/**
 * Turns one request's events into OpenAI `chat.completion.chunk`s: a first chunk with the
 * assistant role, content / tool-call deltas, a last chunk with `finish_reason`, and (with
 * `include_usage`) a usage chunk with `choices: []`.
 */
export class ChunkBuilder {
  readonly id = newChatCompletionId();
  private readonly created = unixSeconds();
  private started = false;

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** Chunks for one output event (the role chunk comes first, once). */
  output(ev: Extract<ResponseEvent, { type: 'text' | 'tool-call' }>): ChatCompletionChunk[] {
    const out: ChatCompletionChunk[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.chunk({ role: 'assistant', content: '' }));
    }
    if (ev.type === 'text') {
      out.push(this.chunk({ content: ev.text }));
    } else {
      out.push(
        this.chunk({
          tool_calls: [{ ...ev.delta, function: ev.delta.function && { ...ev.delta.function } }],
        }),
      );
    }
    return out;
  }

  /**
   * The closing chunks: finish reason, then usage when asked for. An answer that moved to other
   * agents mid-generation says so on its finish chunk: `x_dds_llm: { resumed: n }`.
   */
  finish(finishReason: string, usage: Usage, resumes = 0): ChatCompletionChunk[] {
    const out: ChatCompletionChunk[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.chunk({ role: 'assistant', content: '' }));
    }
    const last = this.chunk({}, finishReason as FinishReason);
    out.push(resumes > 0 ? Object.assign(last, { x_dds_llm: { resumed: resumes } }) : last);
    if (this.includeUsage) {
      out.push(usageChunk({ id: this.id, model: this.model, created: this.created, usage }));
    }
    return out;
  }

  private chunk(delta: ChatCompletionDelta, finishReason: FinishReason | null = null) {
    return chatCompletionChunk({
      id: this.id,
      model: this.model,
      created: this.created,
      delta,
      finishReason,
      includeUsage: this.includeUsage,
    });
  }
}
