/**
 * OpenAI Chat Completions wire types (request, response, streaming chunk), as the official API and the
 * `openai` SDK exchange them (the SDK's own param and response types are assignable to these). Unknown
 * fields sent by newer SDKs are accepted and carried along untouched at runtime; the types name only the
 * known ones, so that the SDK's interfaces stay assignable.
 */

/** Roles a chat message may have (`function` is OpenAI's deprecated predecessor of `tool`). */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
/** A chat message role. */
export type ChatRole = (typeof CHAT_ROLES)[number];

/** A text content part. */
export interface TextContentPart {
  type: 'text';
  text: string;
}

/** Image detail levels accepted in an `image_url` part (`original`: openai SDK 7). */
export const IMAGE_DETAILS = ['auto', 'low', 'high', 'original'] as const;

/** An image content part: an `https:` URL or a `data:` URL with base64 image bytes. */
export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: (typeof IMAGE_DETAILS)[number] };
}

/** An audio input content part (base64 data). */
export interface InputAudioContentPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

/** A file content part (inline base64 `file_data` or an uploaded `file_id`). */
export interface FileContentPart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

/** A refusal content part (assistant messages only). */
export interface RefusalContentPart {
  type: 'refusal';
  refusal: string;
}

/** Any content part a user message may carry. */
export type UserContentPart =
  TextContentPart | ImageContentPart | InputAudioContentPart | FileContentPart;

/** A tool call made by the assistant (in a request's history or in a response). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A call of a custom tool in an assistant message of the history. */
export interface CustomToolCall {
  id: string;
  type: 'custom';
  custom: { name: string; input: string };
}

/** A `system` message. */
export interface SystemMessage {
  role: 'system';
  content: string | TextContentPart[];
  name?: string;
}

/** A `developer` message (replaces `system` for reasoning models). */
export interface DeveloperMessage {
  role: 'developer';
  content: string | TextContentPart[];
  name?: string;
}

/** A `user` message: text or multimodal parts. */
export interface UserMessage {
  role: 'user';
  content: string | UserContentPart[];
  name?: string;
}

/** An `assistant` message from the history: content and/or tool calls. */
export interface AssistantMessage {
  role: 'assistant';
  content?: string | Array<TextContentPart | RefusalContentPart> | null;
  refusal?: string | null;
  tool_calls?: Array<ToolCall | CustomToolCall>;
  name?: string;
}

/** A `tool` message: the result of one tool call. */
export interface ToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

/** A deprecated `function` message. */
export interface FunctionMessage {
  role: 'function';
  content: string | null;
  name: string;
}

/** Any chat message. */
export type ChatMessage =
  SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage;

/** A function tool definition. */
export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** A JSON Schema object describing the arguments. */
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

/** A custom (free-form input) tool definition, as newer SDKs send. */
export interface CustomTool {
  type: 'custom';
  custom: { name: string; description?: string };
}

/** Any tool definition. */
export type Tool = FunctionTool | CustomTool;

/** How the model may use tools. */
export type ToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } }
  | { type: 'custom'; custom: { name: string } }
  | { type: 'allowed_tools'; allowed_tools: { mode: 'auto' | 'required'; tools: unknown[] } };

/** The output format requested from the model. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema?: Record<string, unknown>;
        strict?: boolean | null;
      };
    };

/** Streaming options (valid only with `stream: true`). */
export interface StreamOptions {
  /** When true, a last chunk with `choices: []` and `usage` precedes `[DONE]`. */
  include_usage?: boolean | null;
}

/**
 * A validated `POST /v1/chat/completions` body. Optional fields may also be `null` (OpenAI treats null
 * as absent); unknown fields are kept at runtime. A type alias rather than an interface so that it is
 * assignable to `Record<string, unknown>` (to read or forward extra fields) while the SDK's
 * `ChatCompletionCreateParams` stays assignable to it.
 */
export type ChatCompletionRequest = {
  model: string;
  messages: ChatMessage[];
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  /** 0..2 */
  temperature?: number | null;
  /** 0..1 */
  top_p?: number | null;
  /** Positive integer (deprecated by OpenAI in favour of `max_completion_tokens`). */
  max_tokens?: number | null;
  /** Positive integer. */
  max_completion_tokens?: number | null;
  /** Up to 4 stop sequences. */
  stop?: string | string[] | null;
  /** Positive integer, at most 128. */
  n?: number | null;
  seed?: number | null;
  user?: string | null;
  tools?: Tool[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
  response_format?: ResponseFormat | null;
  /** -2..2 */
  presence_penalty?: number | null;
  /** -2..2 */
  frequency_penalty?: number | null;
  /** Token id (as a string key) to bias in -100..100. */
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  /** 0..20, requires `logprobs: true`. */
  top_logprobs?: number | null;
  /** Up to 16 string key/value pairs. */
  metadata?: Record<string, string> | null;
};

/** Processing tiers OpenAI reports in responses. */
export type ServiceTier = 'auto' | 'default' | 'flex' | 'scale' | 'priority';

/** Why the model stopped generating. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** Token accounting for one request. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** The assistant message of a non-streaming response choice. */
export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: ToolCall[];
}

/** Log probability of one token. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

/** Log probabilities of a choice (when `logprobs: true` was requested). */
export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: TokenLogprob[] | null;
}

/** One choice of a non-streaming response. */
export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason;
  logprobs: ChoiceLogprobs | null;
}

/** A `chat.completion` response body. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: Usage;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
}

/** A tool-call fragment in a streaming delta; `index` ties fragments of the same call together. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** The incremental message of a streaming choice. */
export interface ChatCompletionDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ToolCallDelta[];
}

/** One choice of a streaming chunk. */
export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: FinishReason | null;
  logprobs?: ChoiceLogprobs | null;
}

/**
 * A `chat.completion.chunk` streaming event. The final usage chunk (with
 * `stream_options.include_usage`) has `choices: []` and `usage` set; other chunks have `usage: null`
 * when usage was requested, and no `usage` otherwise.
 */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string;
  service_tier?: ServiceTier | null;
}
