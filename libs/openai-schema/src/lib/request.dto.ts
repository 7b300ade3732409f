import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validateSync,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';
import { CHAT_ROLES, IMAGE_DETAILS } from './chat.types';
import { ENCODING_FORMATS } from './embedding.types';
import { OpenAIRequestError } from './openai.errors';
import { requireBody } from './validation.util';

/*
 * class-validator DTOs of the OpenAI requests, for documentation and for NestJS pipes. They state the
 * same rules as the hand-rolled validators (which the gateway uses on its hot path, being over 100x
 * faster); `request.dto.spec.ts` holds both to the same accept/reject answers.
 */

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const nonNull = (v: unknown): boolean => v !== undefined && v !== null;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = { allowNaN: false, allowInfinity: false };

/** A property-level rule from a predicate (class-validator's own decorators cannot express unions). */
function Rule(name: string, message: string, test: (value: unknown, obj: never) => boolean) {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => test(value, args?.object as never),
      defaultMessage: () => message,
    },
  });
}

const USER_PARTS = ['text', 'image_url', 'input_audio', 'file'];
const ASSISTANT_PARTS = ['text', 'refusal'];

function partOk(p: unknown, allowed: string[]): boolean {
  if (!isObj(p) || typeof p.type !== 'string' || !allowed.includes(p.type)) return false;
  const v = p[p.type];
  switch (p.type) {
    case 'text':
    case 'refusal':
      return typeof v === 'string';
    case 'image_url':
      return (
        isObj(v) &&
        typeof v.url === 'string' &&
        v.url.length > 0 &&
        (!nonNull(v.detail) || (IMAGE_DETAILS as readonly unknown[]).includes(v.detail))
      );
    case 'input_audio':
      return (
        isObj(v) &&
        typeof v.data === 'string' &&
        v.data.length > 0 &&
        ['wav', 'mp3'].includes(v.format as string)
      );
    case 'file':
      return (
        isObj(v) &&
        ['file_data', 'file_id', 'filename'].every(
          (k) => !nonNull(v[k]) || typeof v[k] === 'string',
        )
      );
    default:
      return false;
  }
}

function contentOk(c: unknown, allowed: string[]): boolean {
  return (
    typeof c === 'string' ||
    (Array.isArray(c) && c.length > 0 && c.every((p) => partOk(p, allowed)))
  );
}

/** A message's content, by its role. */
function messageContentOk(c: unknown, m: ChatMessageDto): boolean {
  switch (m.role) {
    case 'system':
    case 'developer':
    case 'tool':
      return contentOk(c, ['text']);
    case 'user':
      return contentOk(c, USER_PARTS);
    case 'assistant':
      if (!nonNull(c)) {
        return (
          // A malformed tool_calls is reported by its own rule, not here.
          (nonNull(m.tool_calls) && (!Array.isArray(m.tool_calls) || m.tool_calls.length > 0)) ||
          nonNull(m['function_call']) ||
          nonNull(m['audio'])
        );
      }
      return contentOk(c, ASSISTANT_PARTS);
    case 'function':
      return !nonNull(c) || typeof c === 'string';
    default:
      return true; // the role rule reports it
  }
}

/** The `function` of an assistant's tool call. */
export class FunctionCallDto {
  @IsString() @IsNotEmpty() name!: string;
  @IsString() arguments!: string;
}

/** The `custom` of an assistant's custom tool call. */
export class CustomCallDto {
  @IsString() @IsNotEmpty() name!: string;
  @IsString() input!: string;
}

/** A tool call in an assistant message. */
export class ToolCallDto {
  @IsString() @IsNotEmpty() id!: string;
  @IsIn(['function', 'custom']) type!: 'function' | 'custom';

  @ValidateIf((c: ToolCallDto) => c.type === 'function')
  @IsObject()
  @ValidateNested()
  @Type(() => FunctionCallDto)
  function?: FunctionCallDto;

  @ValidateIf((c: ToolCallDto) => c.type === 'custom')
  @IsObject()
  @ValidateNested()
  @Type(() => CustomCallDto)
  custom?: CustomCallDto;
}

/** One chat message; which fields are required depends on `role`. */
export class ChatMessageDto {
  [extra: string]: unknown;

  @IsIn(CHAT_ROLES) role!: string;

  @Rule('messageContent', 'content is missing or of the wrong type for this role', messageContentOk)
  content?: unknown;

  // A tool message has no `name` in OpenAI's schema: there it is an unknown field, carried along.
  @ValidateIf(
    (m: ChatMessageDto) => m.role === 'function' || (m.role !== 'tool' && nonNull(m.name)),
  )
  @IsString()
  @IsNotEmpty()
  name?: string;

  @ValidateIf((m: ChatMessageDto) => m.role === 'tool')
  @IsString()
  @IsNotEmpty()
  tool_call_id?: string;

  @ValidateIf((m: ChatMessageDto) => m.role === 'assistant' && nonNull(m.tool_calls))
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ToolCallDto)
  tool_calls?: ToolCallDto[];

  @ValidateIf((m: ChatMessageDto) => m.role === 'assistant')
  @IsOptional()
  @IsString()
  refusal?: string;
}

/** `stream_options`. */
export class StreamOptionsDto {
  @IsOptional() @IsBoolean() include_usage?: boolean;
}

/** A function tool's definition. */
export class FunctionDefinitionDto {
  @IsString() @Matches(NAME) name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsObject() parameters?: Record<string, unknown>;
  @IsOptional() @IsBoolean() strict?: boolean;
}

/** A custom tool's definition. */
export class CustomToolDefinitionDto {
  @IsString() @Matches(NAME) name!: string;
  @IsOptional() @IsString() description?: string;
}

/** A tool. */
export class ToolDto {
  @IsIn(['function', 'custom']) type!: string;

  @ValidateIf((t: ToolDto) => t.type === 'function')
  @IsObject()
  @ValidateNested()
  @Type(() => FunctionDefinitionDto)
  function?: FunctionDefinitionDto;

  @ValidateIf((t: ToolDto) => t.type === 'custom')
  @IsObject()
  @ValidateNested()
  @Type(() => CustomToolDefinitionDto)
  custom?: CustomToolDefinitionDto;
}

/** `response_format.json_schema`. */
export class JsonSchemaFormatDto {
  @IsString() @Matches(NAME) name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsObject() schema?: Record<string, unknown>;
  @IsOptional() @IsBoolean() strict?: boolean;
}

/** `response_format`. */
export class ResponseFormatDto {
  @IsIn(['text', 'json_object', 'json_schema']) type!: string;

  @ValidateIf((r: ResponseFormatDto) => r.type === 'json_schema')
  @IsObject()
  @ValidateNested()
  @Type(() => JsonSchemaFormatDto)
  json_schema?: JsonSchemaFormatDto;
}

function toolChoiceOk(v: unknown, o: ChatCompletionRequestDto): boolean {
  if (!nonNull(v) || v === 'none' || v === 'auto') return true;
  const hasTools = Array.isArray(o.tools) && o.tools.length > 0;
  if (v === 'required') return hasTools;
  if (!isObj(v)) return false;
  if (v.type === 'function' || v.type === 'custom') {
    const f = v[v.type];
    return hasTools && isObj(f) && typeof f.name === 'string' && f.name.length > 0;
  }
  if (v.type === 'allowed_tools') {
    const a = v.allowed_tools;
    return (
      hasTools &&
      isObj(a) &&
      ['auto', 'required'].includes(a.mode as string) &&
      Array.isArray(a.tools)
    );
  }
  return false;
}

function stopOk(v: unknown): boolean {
  return (
    !nonNull(v) ||
    typeof v === 'string' ||
    (Array.isArray(v) && v.length <= 4 && v.every((s) => typeof s === 'string'))
  );
}

function logitBiasOk(v: unknown): boolean {
  if (!nonNull(v)) return true;
  if (!isObj(v)) return false;
  return Object.entries(v).every(
    ([k, b]) =>
      /^\d+$/.test(k) && typeof b === 'number' && Number.isFinite(b) && b >= -100 && b <= 100,
  );
}

function metadataOk(v: unknown): boolean {
  if (!nonNull(v)) return true;
  if (!isObj(v)) return false;
  const entries = Object.entries(v);
  return (
    entries.length <= 16 &&
    entries.every(([k, s]) => k.length <= 64 && typeof s === 'string' && s.length <= 512)
  );
}

/** `POST /v1/chat/completions` body. Unknown fields are kept. */
export class ChatCompletionRequestDto {
  [extra: string]: unknown;

  @IsString() @IsNotEmpty() model!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @IsOptional() @IsBoolean() stream?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  @Rule(
    'streamOnly',
    "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    (_v, o: ChatCompletionRequestDto) => o.stream === true,
  )
  stream_options?: StreamOptionsDto;

  @IsOptional() @IsNumber(optional) @Min(0) @Max(2) temperature?: number;
  @IsOptional() @IsNumber(optional) @Min(0) @Max(1) top_p?: number;
  @IsOptional() @IsNumber(optional) @Min(-2) @Max(2) presence_penalty?: number;
  @IsOptional() @IsNumber(optional) @Min(-2) @Max(2) frequency_penalty?: number;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) max_tokens?: number;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) max_completion_tokens?: number;
  @IsOptional() @IsInt() @Min(1) @Max(128) n?: number;
  @IsOptional() @IsInt() @Min(Number.MIN_SAFE_INTEGER) @Max(Number.MAX_SAFE_INTEGER) seed?: number;
  @IsOptional() @IsString() user?: string;

  @Rule('stop', 'stop must be a string or an array of at most 4 strings', stopOk)
  stop?: string | string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(128)
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  tools?: ToolDto[];

  @Rule('toolChoice', 'tool_choice is invalid or given without tools', toolChoiceOk)
  tool_choice?: unknown;

  @IsOptional() @IsBoolean() parallel_tool_calls?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  response_format?: ResponseFormatDto;

  @Rule('logitBias', 'logit_bias maps token ids to numbers in -100..100', logitBiasOk)
  logit_bias?: Record<string, number>;

  @IsOptional() @IsBoolean() logprobs?: boolean;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  @Rule(
    'topLogprobs',
    "'logprobs' must be set to true when 'top_logprobs' is set.",
    (_v, o: ChatCompletionRequestDto) => o.logprobs === true,
  )
  top_logprobs?: number;

  @Rule('metadata', 'metadata holds at most 16 string values', metadataOk)
  metadata?: Record<string, string>;
}

function tokensOk(t: unknown[]): boolean {
  return t.every(
    (x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER,
  );
}

function embeddingInputOk(v: unknown): boolean {
  if (typeof v === 'string') return v.length > 0;
  if (!Array.isArray(v) || v.length === 0) return false;
  if (typeof v[0] === 'number') return tokensOk(v);
  if (v.length > 2048) return false;
  if (typeof v[0] === 'string') return v.every((s) => typeof s === 'string' && s.length > 0);
  return v.every((t) => Array.isArray(t) && t.length > 0 && tokensOk(t));
}

/** `POST /v1/embeddings` body. Unknown fields are kept. */
export class EmbeddingRequestDto {
  [extra: string]: unknown;

  @IsString() @IsNotEmpty() model!: string;

  @Rule(
    'embeddingInput',
    'input must be a non-empty string, strings, token array or token arrays',
    embeddingInputOk,
  )
  input!: string | string[] | number[] | number[][];

  @IsOptional() @IsIn(ENCODING_FORMATS) encoding_format?: string;
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) dimensions?: number;
  @IsOptional() @IsString() user?: string;
}

/** The first failing property as an OpenAI `param` (`messages.2.content` becomes `messages[2].content`). */
function firstFailure(
  errors: ValidationError[],
  prefix = '',
): { param: string; message: string } | undefined {
  for (const e of errors) {
    const param = /^\d+$/.test(e.property)
      ? `${prefix}[${e.property}]`
      : prefix
        ? `${prefix}.${e.property}`
        : e.property;
    if (e.constraints) {
      const message = Object.values(e.constraints)[0];
      return { param, message };
    }
    const nested = firstFailure(e.children ?? [], param);
    if (nested) return nested;
  }
  return undefined;
}

function validateDto<T extends object>(cls: new () => T, body: unknown): T {
  const instance = plainToInstance(cls, requireBody(body));
  const failure = firstFailure(validateSync(instance, { forbidUnknownValues: false }));
  if (failure) {
    throw new OpenAIRequestError(
      `Invalid '${failure.param}': ${failure.message}.`,
      failure.param,
      'invalid_value',
    );
  }
  return instance;
}

/**
 * Validates a chat completion body with the class-validator DTOs (slow path, for NestJS pipes and
 * documentation; prefer {@link validateChatCompletionRequest}). Returns a DTO instance with unknown
 * fields kept.
 *
 * @throws {@link OpenAIRequestError} naming the first failing `param` (messages are class-validator's).
 */
export function validateChatCompletionDto(body: unknown): ChatCompletionRequestDto {
  return validateDto(ChatCompletionRequestDto, body);
}

/**
 * Validates an embeddings body with the class-validator DTOs (slow path; prefer
 * {@link validateEmbeddingRequest}).
 *
 * @throws {@link OpenAIRequestError} naming the first failing `param`.
 */
export function validateEmbeddingDto(body: unknown): EmbeddingRequestDto {
  return validateDto(EmbeddingRequestDto, body);
}
