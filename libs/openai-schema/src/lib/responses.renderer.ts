import type { ChatAnswer, ChatOutputEvent, ChatUsage } from './chat-output.types';
import { newToolCallId, unixSeconds } from './response.builders';
import { newItemId, newResponseId } from './responses.translator';
import type {
  ResponseCreateRequest,
  ResponseError,
  ResponseItemStatus,
  ResponseObject,
  ResponseOutputFunctionCall,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseStatus,
  ResponseStreamEvent,
  ResponseUsage,
} from './responses.types';

/** Inputs of {@link responseObject} beyond the request. */
export interface ResponseObjectInit {
  /** Defaults to a fresh {@link newResponseId}. */
  readonly id?: string;
  /** Unix seconds; defaults to now. */
  readonly createdAt?: number;
  /** Defaults to `in_progress` (`queued` for a background response not yet started). */
  readonly status?: ResponseStatus;
}

/**
 * The `response` object for a (validated) request before any output: the request's settings
 * echoed back with OpenAI's defaults filled in, `output: []`, `usage: null`.
 */
export function responseObject(
  req: ResponseCreateRequest,
  init: ResponseObjectInit = {},
): ResponseObject {
  const format = req.text?.format ?? { type: 'text' as const };
  return {
    id: init.id ?? newResponseId(),
    object: 'response',
    created_at: init.createdAt ?? unixSeconds(),
    status: init.status ?? 'in_progress',
    background: req.background === true,
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    max_tool_calls: req.max_tool_calls ?? null,
    model: req.model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    service_tier: req.service_tier ?? 'default',
    store: req.store !== false,
    temperature: req.temperature ?? 1,
    text: { format, verbosity: req.text?.verbosity ?? 'medium' },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_logprobs: (req as { top_logprobs?: number | null }).top_logprobs ?? 0,
    top_p: req.top_p ?? 1,
    truncation: req.truncation ?? 'disabled',
    usage: null,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
    prompt_cache_key: req.prompt_cache_key ?? null,
    safety_identifier: req.safety_identifier ?? null,
  };
}

/** Chat usage as Responses usage (`input_tokens`, `output_tokens`, their details, total). */
export function responseUsage(u: ChatUsage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens,
  };
}

/** How a chat finish reason ends a response: `length` and `content_filter` leave it incomplete. */
function terminal(finishReason: string): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') {
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  }
  if (finishReason === 'content_filter') {
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  }
  return { status: 'completed', incomplete_details: null };
}

/**
 * A finished non-streamed response: `base` (from {@link responseObject}) with the answer as output
 * items (an assistant message with its `output_text` unless the answer is only tool calls, then one
 * `function_call` item per call), its status from the finish reason, and usage.
 */
export function completedResponse(
  base: ResponseObject,
  answer: ChatAnswer,
  finishReason: string,
  usage: ChatUsage,
): ResponseObject {
  const end = terminal(finishReason);
  const itemStatus: ResponseItemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
  const output: ResponseOutputItem[] = [];
  const calls = answer.tool_calls ?? [];
  const text = answer.content ?? '';
  if (text.length > 0 || calls.length === 0) {
    output.push({
      type: 'message',
      id: newItemId('message'),
      status: itemStatus,
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  for (const c of calls) {
    output.push({
      type: 'function_call',
      id: newItemId('function_call'),
      call_id: c.id || newToolCallId(),
      name: c.function.name,
      arguments: c.function.arguments,
      status: itemStatus,
    });
  }
  return { ...base, ...end, output, usage: responseUsage(usage) };
}

/** `base` as a failed response with `error` (`code` and `message`). */
export function failedResponse(base: ResponseObject, error: ResponseError): ResponseObject {
  return { ...base, status: 'failed', error: { code: error.code, message: error.message } };
}

interface OpenMessage {
  readonly item: ResponseOutputMessage;
  readonly index: number;
  readonly part: ResponseOutputText;
}

interface OpenCall {
  readonly item: ResponseOutputFunctionCall;
  readonly index: number;
}

/**
 * Renders one streamed chat answer as the Responses API's event sequence, numbered from 0:
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added`,
 * (for text) `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
 * `response.content_part.done`, (for a tool call) `response.function_call_arguments.delta`…,
 * `response.function_call_arguments.done`, then `response.output_item.done`; and last
 * `response.completed`, `response.incomplete` (cut by `max_output_tokens` or a content filter) or
 * `response.failed` with the error. Each call returns the events to send for its input, in order.
 */
export class ResponseStreamRenderer {
  private seq = 0;
  private readonly items: ResponseOutputItem[] = [];
  private message: OpenMessage | undefined;
  /** Open function calls by the chat tool-call index they stream under. */
  private readonly calls = new Map<number, OpenCall>();
  private current: ResponseObject;

  /** @param base The response before output (see {@link responseObject}). */
  constructor(base: ResponseObject) {
    this.current = { ...base, status: 'in_progress', output: this.items };
  }

  /** The response as it stands (its final form once {@link finish} or {@link fail} ran). */
  get response(): ResponseObject {
    return this.current;
  }

  /** `response.created` and `response.in_progress`. */
  start(): ResponseStreamEvent[] {
    return [
      { type: 'response.created', sequence_number: this.seq++, response: this.snapshot() },
      { type: 'response.in_progress', sequence_number: this.seq++, response: this.snapshot() },
    ];
  }

  /** The events for one piece of the answer. */
  output(ev: ChatOutputEvent): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    if (ev.type === 'text') {
      if (ev.text.length === 0) return out;
      const m = this.message ?? this.openMessage(out);
      m.part.text += ev.text;
      out.push({
        type: 'response.output_text.delta',
        sequence_number: this.seq++,
        item_id: m.item.id,
        output_index: m.index,
        content_index: 0,
        delta: ev.text,
        logprobs: [],
      });
      return out;
    }
    const d = ev.delta;
    let call = this.calls.get(d.index);
    if (!call) {
      if (this.message) this.closeMessage(out, 'completed');
      const item: ResponseOutputFunctionCall = {
        type: 'function_call',
        id: newItemId('function_call'),
        call_id: d.id || newToolCallId(),
        name: d.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      call = { item, index: this.items.length };
      this.items.push(item);
      this.calls.set(d.index, call);
      out.push({
        type: 'response.output_item.added',
        sequence_number: this.seq++,
        output_index: call.index,
        item: { ...item },
      });
    } else if (d.function?.name) {
      call.item.name += d.function.name;
    }
    const args = d.function?.arguments;
    if (args) {
      call.item.arguments += args;
      out.push({
        type: 'response.function_call_arguments.delta',
        sequence_number: this.seq++,
        item_id: call.item.id,
        output_index: call.index,
        delta: args,
      });
    }
    return out;
  }

  /** Closes every open item and ends with `response.completed` or `response.incomplete`. */
  finish(finishReason: string, usage: ChatUsage): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    const end = terminal(finishReason);
    const status: ResponseItemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
    if (this.items.length === 0) this.openMessage(out);
    this.closeAll(out, status);
    this.current = { ...this.current, ...end, usage: responseUsage(usage) };
    out.push({
      type: end.status === 'completed' ? 'response.completed' : 'response.incomplete',
      sequence_number: this.seq++,
      response: this.snapshot(),
    });
    return out;
  }

  /** Ends with `response.failed` carrying `error`; open items are left `incomplete`. */
  fail(error: ResponseError): ResponseStreamEvent[] {
    for (const item of this.items) if (item.status === 'in_progress') item.status = 'incomplete';
    this.message = undefined;
    this.calls.clear();
    this.current = failedResponse(this.current, error);
    return [{ type: 'response.failed', sequence_number: this.seq++, response: this.snapshot() }];
  }

  private snapshot(): ResponseObject {
    return { ...this.current, output: this.items.map(copyItem) };
  }

  private openMessage(out: ResponseStreamEvent[]): OpenMessage {
    const part: ResponseOutputText = {
      type: 'output_text',
      text: '',
      annotations: [],
      logprobs: [],
    };
    const item: ResponseOutputMessage = {
      type: 'message',
      id: newItemId('message'),
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    const m: OpenMessage = { item, index: this.items.length, part };
    this.items.push(item);
    this.message = m;
    out.push({
      type: 'response.output_item.added',
      sequence_number: this.seq++,
      output_index: m.index,
      item: copyItem(item),
    });
    item.content.push(part);
    out.push({
      type: 'response.content_part.added',
      sequence_number: this.seq++,
      item_id: item.id,
      output_index: m.index,
      content_index: 0,
      part: { ...part, text: '' },
    });
    return m;
  }

  private closeMessage(out: ResponseStreamEvent[], status: ResponseItemStatus): void {
    const m = this.message;
    if (!m) return;
    this.message = undefined;
    const { item, index, part } = m;
    out.push({
      type: 'response.output_text.done',
      sequence_number: this.seq++,
      item_id: item.id,
      output_index: index,
      content_index: 0,
      text: part.text,
      logprobs: [],
    });
    out.push({
      type: 'response.content_part.done',
      sequence_number: this.seq++,
      item_id: item.id,
      output_index: index,
      content_index: 0,
      part: { ...part },
    });
    item.status = status;
    out.push({
      type: 'response.output_item.done',
      sequence_number: this.seq++,
      output_index: index,
      item: copyItem(item),
    });
  }

  private closeAll(out: ResponseStreamEvent[], status: ResponseItemStatus): void {
    // In output order, so that `output_index`es close as they opened.
    const open: Array<OpenMessage | OpenCall> = [...this.calls.values()];
    if (this.message) open.push(this.message);
    open.sort((a, b) => a.index - b.index);
    for (const o of open) {
      if (o.item.type === 'message') {
        this.closeMessage(out, status);
        continue;
      }
      const item = o.item;
      out.push({
        type: 'response.function_call_arguments.done',
        sequence_number: this.seq++,
        item_id: item.id,
        output_index: o.index,
        name: item.name,
        arguments: item.arguments,
      });
      item.status = status;
      out.push({
        type: 'response.output_item.done',
        sequence_number: this.seq++,
        output_index: o.index,
        item: copyItem(item),
      });
    }
    this.calls.clear();
  }
}

function copyItem<T extends ResponseOutputItem>(item: T): T {
  if (item.type !== 'message') return { ...item };
  return { ...item, content: item.content.map((p) => ({ ...p })) };
}
