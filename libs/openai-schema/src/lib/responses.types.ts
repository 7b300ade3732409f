/**
 * OpenAI Responses API wire types (`POST /v1/responses`): the request with its input items, the
 * `response` object, its output items and the streamed events, as the official API and the `openai`
 * SDK exchange them. Like the chat types, they name the known fields only (so the SDK's param types
 * stay assignable) while unknown fields are carried along at runtime.
 */

/** An `input_text` content part. */
export interface ResponseInputText {
  type: 'input_text';
  text: string;
}

/** An `input_image` content part: an `https:`/`data:` URL (uploaded `file_id`s are not served). */
export interface ResponseInputImage {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: 'low' | 'high' | 'auto' | null;
}

/** An `input_file` content part with inline `file_data` (a `data:` URL or base64). */
export interface ResponseInputFile {
  type: 'input_file';
  file_data?: string | null;
  file_id?: string | null;
  filename?: string | null;
}

/** A content part of an input (user/system/developer) message. */
export type ResponseInputContent = ResponseInputText | ResponseInputImage | ResponseInputFile;

/** An `output_text` part of an assistant message. */
export interface ResponseOutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

/** A `refusal` part of an assistant message. */
export interface ResponseOutputRefusal {
  type: 'refusal';
  refusal: string;
}

/** Roles an input message may have. */
export const RESPONSE_INPUT_ROLES = ['user', 'assistant', 'system', 'developer'] as const;

/**
 * A message item of `input`: `{ role, content }` (content a string or parts), with or without
 * `type: 'message'`. Assistant messages replayed from an earlier response carry `output_text` parts.
 */
export interface ResponseInputMessage {
  type?: 'message';
  id?: string;
  role: (typeof RESPONSE_INPUT_ROLES)[number];
  content: string | Array<ResponseInputContent | ResponseOutputText | ResponseOutputRefusal>;
  status?: ResponseItemStatus;
}

/** Status of an output item. */
export type ResponseItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** A `function_call` item: the model asked for a function tool to be called. */
export interface ResponseFunctionCall {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  /** The arguments as a JSON text. */
  arguments: string;
  status?: ResponseItemStatus;
}

/** A `function_call_output` item: the caller's result of a function call. */
export interface ResponseFunctionCallOutput {
  type: 'function_call_output';
  id?: string | null;
  call_id: string;
  output: string | Array<ResponseInputText | ResponseInputImage | ResponseInputFile>;
  status?: ResponseItemStatus | null;
}

/** A reference to an item of a stored response, resolved by the gateway's response store. */
export interface ResponseItemReference {
  type: 'item_reference';
  id: string;
}

/**
 * A `reasoning` item replayed by a client (e.g. the Agents SDK). The fleet's models do not take
 * reasoning back as input, so these are accepted and left out of the conversation.
 */
export interface ResponseReasoningItem {
  type: 'reasoning';
  id: string;
  summary: unknown[];
  encrypted_content?: string | null;
}

/** Any item of a request's `input`. */
export type ResponseInputItem =
  | ResponseInputMessage
  | ResponseFunctionCall
  | ResponseFunctionCallOutput
  | ResponseItemReference
  | ResponseReasoningItem;

/** A function tool definition (the Responses form: flat, no `function` wrapper). */
export interface ResponseFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

/** How the model may use tools. */
export type ResponseToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; name: string }
  | {
      type: 'allowed_tools';
      mode: 'auto' | 'required';
      tools: Array<{ type: 'function'; name: string }>;
    };

/** The output text format (`text.format`). */
export type ResponseTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

/** A validated `POST /v1/responses` body (unknown fields kept at runtime). */
export type ResponseCreateRequest = {
  model: string;
  input?: string | ResponseInputItem[] | null;
  instructions?: string | null;
  tools?: ResponseFunctionTool[] | null;
  tool_choice?: ResponseToolChoice | null;
  parallel_tool_calls?: boolean | null;
  max_output_tokens?: number | null;
  max_tool_calls?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  text?: { format?: ResponseTextFormat | null; verbosity?: string | null } | null;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  metadata?: Record<string, string> | null;
  user?: string | null;
  store?: boolean | null;
  background?: boolean | null;
  stream?: boolean | null;
  previous_response_id?: string | null;
  include?: string[] | null;
  truncation?: 'auto' | 'disabled' | null;
  service_tier?: string | null;
  prompt_cache_key?: string | null;
  safety_identifier?: string | null;
};

/** The lifecycle of a response; `queued` only for `background` responses. */
export type ResponseStatus =
  'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

/** An assistant message output item. */
export interface ResponseOutputMessage {
  type: 'message';
  id: string;
  status: ResponseItemStatus;
  role: 'assistant';
  content: Array<ResponseOutputText | ResponseOutputRefusal>;
}

/** A function call output item. */
export interface ResponseOutputFunctionCall {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ResponseItemStatus;
}

/** Any item of a response's `output`. */
export type ResponseOutputItem = ResponseOutputMessage | ResponseOutputFunctionCall;

/**
 * An item as the store keeps it and `GET /responses/{id}/input_items` lists it: every input or
 * output item with its `id`.
 */
export type ResponseStoredItem =
  | (ResponseInputMessage & { id: string; type: 'message' })
  | ResponseOutputMessage
  | (ResponseFunctionCall & { id: string })
  | (ResponseFunctionCallOutput & { id: string });

/** Token accounting of a response. */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Why a response stopped before completing. */
export interface ResponseIncompleteDetails {
  reason: 'max_output_tokens' | 'content_filter';
}

/** Why a response failed. */
export interface ResponseError {
  code: string;
  message: string;
}

/** The `response` object (`POST /v1/responses`, `GET /v1/responses/{id}`, stream events). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  error: ResponseError | null;
  incomplete_details: ResponseIncompleteDetails | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: ResponseOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  service_tier: string;
  store: boolean;
  temperature: number;
  text: { format: ResponseTextFormat; verbosity: string };
  tool_choice: ResponseToolChoice;
  tools: ResponseFunctionTool[];
  top_logprobs: number;
  top_p: number;
  truncation: 'auto' | 'disabled';
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  prompt_cache_key: string | null;
  safety_identifier: string | null;
}

/** A page of `GET /v1/responses/{id}/input_items`. */
export interface ResponseItemList {
  object: 'list';
  data: ResponseStoredItem[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `DELETE /v1/responses/{id}`. */
export interface ResponseDeleted {
  id: string;
  object: 'response';
  deleted: true;
}

/** A streamed Responses event: every event carries `type` and a `sequence_number` from 0. */
export type ResponseStreamEvent =
  | { type: 'response.created'; sequence_number: number; response: ResponseObject }
  | { type: 'response.in_progress'; sequence_number: number; response: ResponseObject }
  | { type: 'response.completed'; sequence_number: number; response: ResponseObject }
  | { type: 'response.incomplete'; sequence_number: number; response: ResponseObject }
  | { type: 'response.failed'; sequence_number: number; response: ResponseObject }
  | {
      type: 'response.output_item.added' | 'response.output_item.done';
      sequence_number: number;
      output_index: number;
      item: ResponseOutputItem;
    }
  | {
      type: 'response.content_part.added' | 'response.content_part.done';
      sequence_number: number;
      item_id: string;
      output_index: number;
      content_index: number;
      part: ResponseOutputText;
    }
  | {
      type: 'response.output_text.delta';
      sequence_number: number;
      item_id: string;
      output_index: number;
      content_index: number;
      delta: string;
      logprobs: unknown[];
    }
  | {
      type: 'response.output_text.done';
      sequence_number: number;
      item_id: string;
      output_index: number;
      content_index: number;
      text: string;
      logprobs: unknown[];
    }
  | {
      type: 'response.function_call_arguments.delta';
      sequence_number: number;
      item_id: string;
      output_index: number;
      delta: string;
    }
  | {
      type: 'response.function_call_arguments.done';
      sequence_number: number;
      item_id: string;
      output_index: number;
      name: string;
      arguments: string;
    };
