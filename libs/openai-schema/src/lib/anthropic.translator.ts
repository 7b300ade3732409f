import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicMessageRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
} from './anthropic.types';
import type {
  ChatCompletionRequest,
  ChatMessage,
  TextContentPart,
  ToolCall,
  ToolChoice,
  UserContentPart,
} from './chat.types';

/**
 * The chat-shaped agent request for a (validated) Messages request: `system` first, then each
 * message in order, with `tool_result` blocks as `tool` messages (ahead of the rest of their user
 * turn, as chat requires them right after the assistant's tool calls), `tool_use` blocks as the
 * assistant's `tool_calls` (the `input` object as JSON arguments), images as `image_url` parts
 * (`data:` URLs for base64), PDF documents as `file` parts and text documents as text; thinking
 * blocks are left out. Tools become function tools, `tool_choice` `any` → `required`,
 * `disable_parallel_tool_use` → `parallel_tool_calls: false`, `stop_sequences` → `stop`,
 * `metadata.user_id` → `user`; `top_k` passes through (vLLM, llama-server and SGLang take it).
 */
export function anthropicChatRequest(req: AnthropicMessageRequest): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  const system = req.system;
  if (typeof system === 'string') {
    if (system.length > 0) messages.push({ role: 'system', content: system });
  } else if (Array.isArray(system) && system.length > 0) {
    messages.push({ role: 'system', content: textContent(system) });
  }
  for (const m of req.messages) {
    if (m.role === 'user') userMessages(m, messages);
    else messages.push(assistantMessage(m));
  }
  const chat: ChatCompletionRequest & Record<string, unknown> = {
    model: req.model,
    messages,
    max_tokens: req.max_tokens,
  };
  if (req.stream === true) chat.stream = true;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) {
    chat.stop = req.stop_sequences;
  }
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.top_k === 'number') chat.top_k = req.top_k;
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    chat.tools = req.tools.map((t) => ({
      type: 'function' as const,
      function: {
        name: t.name,
        ...(typeof t.description === 'string' ? { description: t.description } : {}),
        parameters: t.input_schema,
      },
    }));
  }
  const choice = req.tool_choice;
  if (choice) {
    // Without tools, chat refuses any tool_choice: `none` and `auto` then mean what no tools mean.
    if (chat.tools) chat.tool_choice = chatToolChoice(choice);
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) {
      chat.parallel_tool_calls = false;
    }
  }
  const user = req.metadata?.user_id;
  if (typeof user === 'string') chat.user = user;
  return chat;
}

function chatToolChoice(choice: AnthropicToolChoice): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

function textContent(blocks: readonly AnthropicTextBlock[]): string | TextContentPart[] {
  if (blocks.length === 1) return blocks[0].text;
  return blocks.map((b) => ({ type: 'text', text: b.text }));
}

/** One user turn: its tool results as `tool` messages, then the rest as one user message. */
function userMessages(m: AnthropicMessageParam, out: ChatMessage[]): void {
  if (typeof m.content === 'string') {
    out.push({ role: 'user', content: m.content });
    return;
  }
  const parts: UserContentPart[] = [];
  for (const b of m.content) {
    if (b.type === 'tool_result') {
      let text = '';
      if (typeof b.content === 'string') text = b.content;
      else if (Array.isArray(b.content)) {
        for (const c of b.content) {
          if (c.type === 'text') text += c.text;
          // A tool's images go to the model as parts of the user turn that follows its result.
          else parts.push(imagePart(c));
        }
      }
      out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: text });
    } else {
      const part = userPart(b);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return;
  out.push({
    role: 'user',
    content: parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts,
  });
}

function imagePart(b: AnthropicImageBlock): UserContentPart {
  const url =
    b.source.type === 'url' ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}`;
  return { type: 'image_url', image_url: { url } };
}

function userPart(b: AnthropicContentBlock): UserContentPart | undefined {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: b.text };
    case 'image':
      return imagePart(b);
    case 'document':
      if (b.source.type === 'text') return { type: 'text', text: b.source.data };
      return {
        type: 'file',
        file: {
          file_data: `data:application/pdf;base64,${b.source.data}`,
          filename: typeof b.title === 'string' ? b.title : 'document.pdf',
        },
      };
    default:
      return undefined;
  }
}

function assistantMessage(m: AnthropicMessageParam): ChatMessage {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content };
  let text = '';
  const calls: ToolCall[] = [];
  for (const b of m.content) {
    if (b.type === 'text') text += b.text;
    else if (b.type === 'tool_use') {
      calls.push({
        id: b.id,
        type: 'function',
        function: { name: b.name, arguments: JSON.stringify(b.input) },
      });
    }
  }
  if (calls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text.length > 0 ? text : null, tool_calls: calls };
}
