import type {
  AnthropicErrorBody,
  AnthropicErrorType,
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
} from './anthropic.types';
import type { ChatAnswer, ChatOutputEvent, ChatUsage } from './chat-output.types';
import { BadGatewayError, OpenAIError, toOpenAIError } from './openai.errors';
import { newToolCallId, randomId } from './response.builders';

/** A fresh message id, `msg_` plus 24 base62 characters, as Anthropic issues. */
export function newAnthropicMessageId(): string {
  return `msg_${randomId(24)}`;
}

/** Chat usage in Anthropic's terms: `input_tokens` exclude the prompt tokens read from cache. */
export function anthropicUsage(u: ChatUsage): AnthropicUsage {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(0, u.prompt_tokens - cached),
    output_tokens: u.completion_tokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    service_tier: 'standard',
  };
}

/**
 * A chat finish reason as Anthropic's `stop_reason`. An agent does not say whether a stop sequence
 * or the end of turn stopped it, so `stop` is always `end_turn`.
 */
export function anthropicStopReason(finishReason: string): AnthropicStopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/**
 * A tool call's JSON arguments as the `input` object Anthropic clients require.
 *
 * @throws {@link BadGatewayError} when the agent's arguments are not a JSON object.
 */
function toolInput(args: string, name: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BadGatewayError(
      `The agent called tool '${name}' with arguments that are not a JSON object.`,
    );
  }
  return v as Record<string, unknown>;
}

/** Inputs of {@link anthropicMessage}. */
export interface AnthropicMessageInit {
  readonly model: string;
  readonly answer: ChatAnswer;
  readonly finishReason: string;
  readonly usage: ChatUsage;
  /** Defaults to a fresh {@link newAnthropicMessageId}. */
  readonly id?: string;
}

/**
 * A non-streamed `message`: a `text` block with the answer's text (none when it has no text),
 * then one `tool_use` block per call.
 *
 * @throws {@link BadGatewayError} when a tool call's arguments are not a JSON object.
 */
export function anthropicMessage(init: AnthropicMessageInit): AnthropicMessage {
  const content: AnthropicResponseBlock[] = [];
  const calls = init.answer.tool_calls ?? [];
  const text = init.answer.content ?? '';
  // As streamed: no empty text block (an empty answer has no content blocks at all).
  if (text.length > 0) content.push({ type: 'text', text });
  for (const c of calls) {
    content.push({
      type: 'tool_use',
      id: c.id || newToolCallId(),
      name: c.function.name,
      input: toolInput(c.function.arguments, c.function.name),
    });
  }
  return {
    id: init.id ?? newAnthropicMessageId(),
    type: 'message',
    role: 'assistant',
    model: init.model,
    content,
    stop_reason: anthropicStopReason(init.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(init.usage),
  };
}

/**
 * Renders one streamed chat answer as the Messages API's event sequence: `message_start`, per
 * content block `content_block_start`, `content_block_delta`s (`text_delta` or `input_json_delta`)
 * and `content_block_stop`, then `message_delta` (with `stop_reason` and usage) and
 * `message_stop`; or an `error` event on failure. Usage is only known at the end, so
 * `message_start` carries zeros and `message_delta` the totals (the SDK's stream accumulator
 * takes both).
 *
 * A text block closes when a tool call starts. Tool-call blocks stay open until the end: agents may
 * interleave the fragments of parallel calls, and each fragment goes to its own block `index`
 * (a closed block could not take late fragments).
 */
export class AnthropicStreamRenderer {
  readonly id = newAnthropicMessageId();
  private blocks = 0;
  /** The open text block's index. */
  private text: number | undefined;
  /** Open tool-use blocks: block index by chat tool-call index. */
  private readonly tools = new Map<number, number>();

  constructor(private readonly model: string) {}

  /** `message_start`. */
  start(): AnthropicStreamEvent[] {
    return [
      {
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: anthropicUsage({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }),
        },
      },
    ];
  }

  /** The events for one piece of the answer. */
  output(ev: ChatOutputEvent): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = [];
    if (ev.type === 'text') {
      if (ev.text.length === 0) return out;
      if (this.text === undefined) {
        this.text = this.blocks++;
        out.push({
          type: 'content_block_start',
          index: this.text,
          content_block: { type: 'text', text: '' },
        });
      }
      out.push({
        type: 'content_block_delta',
        index: this.text,
        delta: { type: 'text_delta', text: ev.text },
      });
      return out;
    }
    const d = ev.delta;
    let index = this.tools.get(d.index);
    if (index === undefined) {
      this.closeText(out);
      index = this.blocks++;
      this.tools.set(d.index, index);
      out.push({
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: d.id || newToolCallId(),
          name: d.function?.name ?? '',
          input: {},
        },
      });
    }
    const args = d.function?.arguments;
    if (args) {
      out.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: args },
      });
    }
    return out;
  }

  /** Closes the open blocks, then `message_delta` and `message_stop`. */
  finish(finishReason: string, usage: ChatUsage): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = [];
    this.closeText(out);
    for (const index of [...this.tools.values()].sort((a, b) => a - b)) {
      out.push({ type: 'content_block_stop', index });
    }
    this.tools.clear();
    out.push({
      type: 'message_delta',
      delta: { stop_reason: anthropicStopReason(finishReason), stop_sequence: null },
      usage: anthropicUsage(usage),
    });
    out.push({ type: 'message_stop' });
    return out;
  }

  /** The `error` event that ends a failed stream. */
  fail(err: unknown): AnthropicStreamEvent[] {
    return [anthropicErrorBody(err)];
  }

  private closeText(out: AnthropicStreamEvent[]): void {
    if (this.text === undefined) return;
    out.push({ type: 'content_block_stop', index: this.text });
    this.text = undefined;
  }
}

/** The Anthropic error type for an HTTP status (529 and 503 are `overloaded_error`). */
export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/**
 * Anything thrown as Anthropic's error body `{ type: 'error', error: { type, message } }`
 * (see {@link toOpenAIError}: unknown errors become a 500 that leaks nothing).
 */
export function anthropicErrorBody(err: unknown, requestId?: string): AnthropicErrorBody {
  const e: OpenAIError = toOpenAIError(err);
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(e.status), message: e.message },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}
