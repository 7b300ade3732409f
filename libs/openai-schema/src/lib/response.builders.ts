import { randomFillSync } from 'node:crypto';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionDelta,
  FinishReason,
  ToolCall,
  Usage,
} from './chat.types';
import { encodeEmbeddingBase64 } from './embedding.codec';
import type { EmbeddingResponse, EncodingFormat, Model, ModelList } from './embedding.types';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Random bytes drawn from one pooled buffer, refilled 4 KiB at a time: a `randomBytes` call per id
 * cost a Responses request (three ids) ~5% of the gateway's CPU.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

/** A random base62 string of `length` characters (the tail of every id this library issues). */
export function randomId(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    let b = randomByte();
    // 248 = 4 * 62: rejecting larger bytes keeps the alphabet uniform.
    while (b >= 248) b = randomByte();
    out += ID_ALPHABET[b % 62];
  }
  return out;
}

/** A fresh chat completion id, `chatcmpl-` plus 29 base62 characters, as OpenAI issues. */
export function newChatCompletionId(): string {
  return `chatcmpl-${randomId(29)}`;
}

/** A fresh tool call id, `call_` plus 24 base62 characters. */
export function newToolCallId(): string {
  return `call_${randomId(24)}`;
}

/** Current time in Unix seconds, as the `created` fields carry it. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Builds a {@link Usage} with `total_tokens` summed. */
export function usage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** Inputs of {@link chatCompletion}. */
export interface ChatCompletionInit {
  model: string;
  /** Assistant text; `null` when the turn is only tool calls. */
  content?: string | null;
  toolCalls?: ToolCall[];
  /** Defaults to `tool_calls` when tool calls are given, else `stop`. */
  finishReason?: FinishReason;
  usage?: Usage;
  /** Defaults to a fresh {@link newChatCompletionId}. */
  id?: string;
  /** Unix seconds; defaults to now. */
  created?: number;
  systemFingerprint?: string;
}

/** Builds a non-streaming `chat.completion` body with one choice. */
export function chatCompletion(init: ChatCompletionInit): ChatCompletion {
  const hasCalls = init.toolCalls !== undefined && init.toolCalls.length > 0;
  const body: ChatCompletion = {
    id: init.id ?? newChatCompletionId(),
    object: 'chat.completion',
    created: init.created ?? unixSeconds(),
    model: init.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: init.content ?? null,
          refusal: null,
          ...(hasCalls ? { tool_calls: init.toolCalls } : {}),
        },
        finish_reason: init.finishReason ?? (hasCalls ? 'tool_calls' : 'stop'),
        logprobs: null,
      },
    ],
  };
  if (init.usage !== undefined) body.usage = init.usage;
  if (init.systemFingerprint !== undefined) body.system_fingerprint = init.systemFingerprint;
  return body;
}

/** Inputs of {@link chatCompletionChunk}. All chunks of one stream share `id`, `created` and `model`. */
export interface ChatCompletionChunkInit {
  id: string;
  model: string;
  created: number;
  /** The delta: `{ role: 'assistant', content: '' }` first, then content or tool-call fragments, then `{}`. */
  delta: ChatCompletionDelta;
  /** Set on the last content chunk; `null` before. */
  finishReason?: FinishReason | null;
  /** Choice index; defaults to 0. */
  index?: number;
  /**
   * Pass true when the client asked for `stream_options.include_usage`: OpenAI then sends
   * `usage: null` on every chunk but the final usage chunk.
   */
  includeUsage?: boolean;
}

/** Builds one `chat.completion.chunk` with a single choice. */
export function chatCompletionChunk(init: ChatCompletionChunkInit): ChatCompletionChunk {
  const chunk: ChatCompletionChunk = {
    id: init.id,
    object: 'chat.completion.chunk',
    created: init.created,
    model: init.model,
    choices: [
      {
        index: init.index ?? 0,
        delta: init.delta,
        finish_reason: init.finishReason ?? null,
        logprobs: null,
      },
    ],
  };
  if (init.includeUsage) chunk.usage = null;
  return chunk;
}

/** Inputs of {@link usageChunk}. */
export interface UsageChunkInit {
  id: string;
  model: string;
  created: number;
  usage: Usage;
}

/** Builds the final usage chunk of a stream with `include_usage`: `choices: []` and `usage` set. */
export function usageChunk(init: UsageChunkInit): ChatCompletionChunk {
  return {
    id: init.id,
    object: 'chat.completion.chunk',
    created: init.created,
    model: init.model,
    choices: [],
    usage: init.usage,
  };
}

/** Inputs of {@link embeddingResponse}. */
export interface EmbeddingResponseInit {
  model: string;
  /** One vector per input, in input order. */
  embeddings: ReadonlyArray<ArrayLike<number>>;
  /** `base64` encodes each vector as little-endian float32 bytes. Defaults to `float`. */
  encodingFormat?: EncodingFormat | null;
  promptTokens: number;
}

/** Builds a `POST /v1/embeddings` response body. */
export function embeddingResponse(init: EmbeddingResponseInit): EmbeddingResponse {
  const base64 = init.encodingFormat === 'base64';
  return {
    object: 'list',
    data: init.embeddings.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? encodeEmbeddingBase64(v) : Array.from(v),
    })),
    model: init.model,
    usage: { prompt_tokens: init.promptTokens, total_tokens: init.promptTokens },
  };
}

/** Builds a model object. `created` defaults to now. */
export function modelObject(id: string, ownedBy = 'dds-llm', created = unixSeconds()): Model {
  return { id, object: 'model', created, owned_by: ownedBy };
}

/** Builds a `GET /v1/models` body. */
export function modelList(models: Model[]): ModelList {
  return { object: 'list', data: models };
}
