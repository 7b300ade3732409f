import type { ChatCompletionRequest, ChatMessage } from './chat.types';
import type { EmbeddingRequest } from './embedding.types';

/** True if any message carries an `image_url` content part (the request needs a vision agent). */
export function requiresVision(req: Pick<ChatCompletionRequest, 'messages'>): boolean {
  for (const m of req.messages) {
    if (!Array.isArray(m.content)) continue;
    for (const p of m.content) if (p.type === 'image_url') return true;
  }
  return false;
}

/**
 * True if the request offers tools the model may call (`tools` non-empty and `tool_choice` not
 * `'none'`), so it needs an agent that supports tool calling.
 */
export function requiresTools(req: Pick<ChatCompletionRequest, 'tools' | 'tool_choice'>): boolean {
  return Array.isArray(req.tools) && req.tools.length > 0 && req.tool_choice !== 'none';
}

/**
 * Tells an embeddings body from a chat body before validation (both are routed by path, but agents and
 * tests sometimes see a bare body): it has `input` and no `messages`.
 */
export function isEmbeddingRequest(body: unknown): body is EmbeddingRequest {
  return typeof body === 'object' && body !== null && 'input' in body && !('messages' in body);
}

/** The number of messages in a chat request. */
export function countMessages(req: Pick<ChatCompletionRequest, 'messages'>): number {
  return req.messages.length;
}

/** The text of one message: its string content, or its text (and refusal) parts joined by newlines. */
export function messageText(m: ChatMessage): string {
  const c = m.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  let out = '';
  for (const p of c) {
    const t = p.type === 'text' ? p.text : p.type === 'refusal' ? p.refusal : undefined;
    if (typeof t !== 'string') continue;
    out = out.length === 0 ? t : `${out}\n${t}`;
  }
  return out;
}

/**
 * The prompt as plain text, one `role: text` line group per message, in order; non-text parts
 * (images, audio, files) are left out. Tool calls of assistant turns are included as
 * `name(arguments)`, since they are part of the context the model sees. Stable for identical
 * prefixes, so it suits prefix-affinity hashing and approximate token counting.
 */
export function promptText(req: Pick<ChatCompletionRequest, 'messages'>): string {
  const parts: string[] = [];
  for (const m of req.messages) {
    let text = messageText(m);
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        const [name, input] =
          call.type === 'custom'
            ? [call.custom.name, call.custom.input]
            : [call.function.name, call.function.arguments];
        text += `${text.length ? '\n' : ''}${name}(${input})`;
      }
    }
    parts.push(`${m.role}: ${text}`);
  }
  return parts.join('\n');
}

/** All texts of an embeddings request; token-array inputs are not text and yield none. */
export function embeddingTexts(req: Pick<EmbeddingRequest, 'input'>): string[] {
  const input = req.input;
  if (typeof input === 'string') return [input];
  return input.filter((x): x is string => typeof x === 'string');
}

/** The number of inputs of an embeddings request (one per vector in the response). */
export function countEmbeddingInputs(req: Pick<EmbeddingRequest, 'input'>): number {
  const input = req.input;
  if (typeof input === 'string') return 1;
  if (input.length > 0 && typeof input[0] === 'number') return 1;
  return input.length;
}
