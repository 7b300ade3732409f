import type {
  AssistantMessage,
  ChatCompletionRequest,
  ChatMessage,
  FunctionTool,
  ResponseFormat,
  TextContentPart,
  ToolCall,
  ToolChoice,
  UserContentPart,
} from './chat.types';
import { OpenAIRequestError } from './openai.errors';
import { randomId } from './response.builders';
import type {
  ResponseCreateRequest,
  ResponseFunctionCallOutput,
  ResponseInputContent,
  ResponseInputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseStoredItem,
  ResponseTextFormat,
  ResponseToolChoice,
} from './responses.types';

/** A fresh response id: `resp_` plus 40 base62 characters. */
export function newResponseId(): string {
  return `resp_${randomId(40)}`;
}

/** A fresh item id with OpenAI's prefix for its kind (`msg_`, `fc_`, `fco_`). */
export function newItemId(kind: 'message' | 'function_call' | 'function_call_output'): string {
  const prefix = kind === 'message' ? 'msg' : kind === 'function_call' ? 'fc' : 'fco';
  return `${prefix}_${randomId(40)}`;
}

/**
 * The ids of the `item_reference` items of a (validated) request, so that a caller with an
 * asynchronous store can fetch them before {@link responseInputItems}.
 */
export function referencedItemIds(req: ResponseCreateRequest): string[] {
  const ids: string[] = [];
  if (Array.isArray(req.input)) {
    for (const item of req.input) if (item.type === 'item_reference') ids.push(item.id);
  }
  return ids;
}

/**
 * A (validated) request's `input` as stored items: every item with an `id` (fresh ones for items
 * that came without), string contents as parts, `item_reference`s replaced by the items they name,
 * `reasoning` items left out (the fleet's models do not take reasoning back).
 *
 * @param resolve Looks up a referenced item (see {@link referencedItemIds}).
 * @throws {@link OpenAIRequestError} (400, `param` `input[i].id`) for a reference to no known item.
 */
export function responseInputItems(
  req: ResponseCreateRequest,
  resolve: (id: string) => ResponseStoredItem | undefined = () => undefined,
): ResponseStoredItem[] {
  const input = req.input;
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') {
    return [
      {
        type: 'message',
        id: newItemId('message'),
        role: 'user',
        content: [{ type: 'input_text', text: input }],
      },
    ];
  }
  const items: ResponseStoredItem[] = [];
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    switch (item.type) {
      case 'reasoning':
        break;
      case 'item_reference': {
        const found = resolve(item.id);
        if (!found) {
          throw new OpenAIRequestError(
            `Item with id '${item.id}' not found.`,
            `input[${i}].id`,
            'item_not_found',
          );
        }
        items.push(found);
        break;
      }
      case 'function_call':
        items.push({ ...item, id: item.id ?? newItemId('function_call'), status: 'completed' });
        break;
      case 'function_call_output':
        items.push({
          ...item,
          id: item.id ?? newItemId('function_call_output'),
          status: 'completed',
        });
        break;
      default:
        items.push(messageItem(item));
    }
  }
  return items;
}

function messageItem(m: ResponseInputMessage): ResponseStoredItem {
  const content =
    typeof m.content === 'string'
      ? [
          m.role === 'assistant'
            ? ({ type: 'output_text', text: m.content, annotations: [] } as ResponseOutputText)
            : ({ type: 'input_text', text: m.content } as ResponseInputContent),
        ]
      : m.content;
  return { ...m, type: 'message', id: m.id ?? newItemId('message'), content };
}

/**
 * The conversation of stored items as chat messages, in order: messages keep their role (text,
 * image and file parts mapped onto chat parts), consecutive `function_call`s become the
 * `tool_calls` of one assistant message (joined to the assistant text just before them), each
 * `function_call_output` a `tool` message. `instructions` go first, as a system message.
 */
export function responseItemsToMessages(
  items: readonly ResponseStoredItem[],
  instructions?: string | null,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (typeof instructions === 'string' && instructions.length > 0) {
    messages.push({ role: 'system', content: instructions });
  }
  for (const item of items) {
    switch (item.type) {
      case 'function_call': {
        const call: ToolCall = {
          id: item.call_id,
          type: 'function',
          function: { name: item.name, arguments: item.arguments },
        };
        const last = messages[messages.length - 1];
        if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        break;
      }
      case 'function_call_output':
        messages.push(toolMessage(item));
        break;
      default:
        messages.push(chatMessage(item));
    }
  }
  return messages;
}

function toolMessage(item: ResponseFunctionCallOutput): ChatMessage {
  const out = item.output;
  let content = '';
  if (typeof out === 'string') content = out;
  else for (const p of out) if (p.type === 'input_text') content += p.text;
  return { role: 'tool', tool_call_id: item.call_id, content };
}

function chatMessage(item: ResponseInputMessage): ChatMessage {
  const content = item.content;
  if (item.role === 'assistant') {
    let text = '';
    let refusal: string | undefined;
    if (typeof content === 'string') text = content;
    else {
      for (const p of content as Array<ResponseOutputText | ResponseOutputRefusal>) {
        if (p.type === 'output_text') text += p.text;
        else if (p.type === 'refusal') refusal = (refusal ?? '') + p.refusal;
      }
    }
    const m: AssistantMessage = { role: 'assistant', content: text };
    if (refusal !== undefined) m.refusal = refusal;
    return m;
  }
  if (typeof content === 'string') return { role: item.role, content };
  const parts = content as ResponseInputContent[];
  if (parts.length === 1 && parts[0].type === 'input_text') {
    return { role: item.role, content: parts[0].text };
  }
  if (item.role === 'user') return { role: 'user', content: parts.map(userPart) };
  const text: TextContentPart[] = [];
  for (const p of parts) if (p.type === 'input_text') text.push({ type: 'text', text: p.text });
  return { role: item.role, content: text };
}

function userPart(p: ResponseInputContent): UserContentPart {
  switch (p.type) {
    case 'input_text':
      return { type: 'text', text: p.text };
    case 'input_image':
      return {
        type: 'image_url',
        image_url: { url: p.image_url as string, ...(p.detail ? { detail: p.detail } : {}) },
      };
    case 'input_file':
      return {
        type: 'file',
        file: {
          file_data: p.file_data as string,
          ...(typeof p.filename === 'string' ? { filename: p.filename } : {}),
        },
      };
  }
}

/**
 * The chat-shaped agent request for a (validated) Responses request over `messages` (from
 * {@link responseItemsToMessages}): `max_output_tokens` → `max_tokens`, flat function tools →
 * chat tools, `tool_choice` and `text.format` → their chat forms (`response_format`),
 * `safety_identifier` → `user` when `user` is absent, `reasoning.effort` → `reasoning_effort`.
 */
export function responseChatRequest(
  req: ResponseCreateRequest,
  messages: ChatMessage[],
): ChatCompletionRequest {
  const chat: ChatCompletionRequest & Record<string, unknown> = { model: req.model, messages };
  if (req.stream === true) chat.stream = true;
  if (typeof req.max_output_tokens === 'number') chat.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.parallel_tool_calls === 'boolean') {
    chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    chat.tools = req.tools.map((t): FunctionTool => ({
      type: 'function',
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        ...(t.parameters ? { parameters: t.parameters } : {}),
        ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
      },
    }));
    if (req.tool_choice !== undefined && req.tool_choice !== null) {
      chat.tool_choice = chatToolChoice(req.tool_choice);
    }
  }
  const format = req.text?.format;
  if (format && format.type !== 'text') chat.response_format = chatResponseFormat(format);
  const user = req.user ?? req.safety_identifier;
  if (typeof user === 'string') chat.user = user;
  if (typeof req.reasoning?.effort === 'string') chat.reasoning_effort = req.reasoning.effort;
  return chat;
}

function chatToolChoice(choice: ResponseToolChoice): ToolChoice {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: choice.name } };
  return {
    type: 'allowed_tools',
    allowed_tools: {
      mode: choice.mode,
      tools: choice.tools.map((t) => ({ type: 'function', function: { name: t.name } })),
    },
  };
}

function chatResponseFormat(format: Exclude<ResponseTextFormat, { type: 'text' }>): ResponseFormat {
  if (format.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(typeof format.description === 'string' ? { description: format.description } : {}),
      ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
    },
  };
}
