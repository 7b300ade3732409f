/**
 * Anthropic Messages API wire types (`POST /v1/messages`), as `@anthropic-ai/sdk` and coding
 * agents that speak it exchange them: the request with its content blocks, the `message` object,
 * the streamed events and the error body. Known fields only; unknown ones are carried along at
 * runtime.
 */

/** Marks a prompt-cache breakpoint; accepted and ignored (agents keep their own prefix caches). */
export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: string;
}

/** A `text` block. */
export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl | null;
  citations?: unknown[] | null;
}

/** An `image` block: inline base64 data or an `https:` URL. */
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl | null;
}

/** A `document` block: an inline base64 PDF or plain text. */
export interface AnthropicDocumentBlock {
  type: 'document';
  source:
    | { type: 'base64'; media_type: 'application/pdf'; data: string }
    | { type: 'text'; media_type: 'text/plain'; data: string };
  title?: string | null;
  context?: string | null;
  cache_control?: AnthropicCacheControl | null;
}

/** A `tool_use` block: the assistant called a tool with an `input` object. */
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: AnthropicCacheControl | null;
}

/** A `tool_result` block: the caller's result of a `tool_use`. */
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock> | null;
  is_error?: boolean | null;
  cache_control?: AnthropicCacheControl | null;
}

/** A `thinking` block replayed by a client; left out of the conversation. */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

/** A `redacted_thinking` block replayed by a client; left out of the conversation. */
export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** Any content block of a request message. */
export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

/** A request message. */
export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/** A client tool. */
export interface AnthropicTool {
  type?: 'custom' | null;
  name: string;
  description?: string | null;
  input_schema: Record<string, unknown>;
  cache_control?: AnthropicCacheControl | null;
}

/** How the model may use tools. */
export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean | null }
  | { type: 'any'; disable_parallel_tool_use?: boolean | null }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean | null }
  | { type: 'none' };

/** A validated `POST /v1/messages` body. */
export type AnthropicMessageRequest = {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[] | null;
  stop_sequences?: string[] | null;
  stream?: boolean | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  tools?: AnthropicTool[] | null;
  tool_choice?: AnthropicToolChoice | null;
  metadata?: { user_id?: string | null } | null;
  /** Accepted and ignored: the fleet's agents do not expose extended thinking. */
  thinking?: { type: string; budget_tokens?: number } | null;
  service_tier?: string | null;
};

/** Why the model stopped. */
export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

/** A content block of a response. */
export type AnthropicResponseBlock =
  | { type: 'text'; text: string; citations?: null }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** Token accounting: `input_tokens` excludes the prompt tokens read from the prefix cache. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
  service_tier?: 'standard' | null;
}

/** The `message` object. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** A streamed event (each is sent as `event: <type>` with the object as `data`). */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | {
      type: 'content_block_start';
      index: number;
      content_block:
        | { type: 'text'; text: ''; citations?: null }
        | { type: 'tool_use'; id: string; name: string; input: Record<string, never> };
    }
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        { type: 'text_delta'; text: string } | { type: 'input_json_delta'; partial_json: string };
    }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      usage: AnthropicUsage;
    }
  | { type: 'message_stop' }
  | AnthropicErrorBody;

/** Anthropic's error types. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

/** Anthropic's error body (HTTP answers and the stream's `error` event). */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}
