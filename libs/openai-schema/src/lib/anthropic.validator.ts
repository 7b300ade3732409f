import {
  DEFAULT_MAX_JSON_DEPTH,
  findJsonDepthViolation,
  type ValidationOptions,
} from './json-limits';
import type { AnthropicMessageRequest } from './anthropic.types';
import { OpenAIRequestError } from './openai.errors';
import { describe, isAbsent, isObject, type JsonObject } from './validation.util';

/*
 * Anthropic names a field by its dotted path (`messages.0.content.1.source`) and words its errors
 * the pydantic way (`max_tokens: Field required`); clients and coding agents show these messages
 * to users, so the validator speaks the same way. The errors are ordinary
 * `OpenAIRequestError`s (400, `param` = the path); the gateway renders them in Anthropic's shape.
 */

/** At most this many messages in one request. */
export const MAX_ANTHROPIC_MESSAGES = 100_000;
/** At most this many tools in one request. */
export const MAX_ANTHROPIC_TOOLS = 128;

const ROLES = ['user', 'assistant'] as const;
const USER_BLOCKS = ['text', 'image', 'document', 'tool_result'] as const;
const ASSISTANT_BLOCKS = ['text', 'tool_use', 'thinking', 'redacted_thinking'] as const;
const TOOL_RESULT_BLOCKS = ['text', 'image'] as const;
const TOOL_CHOICE_TYPES = ['auto', 'any', 'tool', 'none'] as const;
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
/** Block types of Anthropic's server-side tools, which this gateway does not host. */
const SERVER_BLOCKS = new Set([
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'search_result',
]);

function fail(path: string, reason: string, code: string): OpenAIRequestError {
  return new OpenAIRequestError(`${path}: ${reason}`, path, code);
}

/** The depth limit in Anthropic's terms: a dotted path (`messages.1.content.0.input.a`). */
function checkDepth(body: Record<string, unknown>, maxDepth: number): void {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`maxJsonDepth must be an integer >= 1, got ${String(maxDepth)}`);
  }
  const violation = findJsonDepthViolation(body, maxDepth);
  if (!violation) return;
  const path = violation.path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
  throw fail(
    path,
    `JSON nested too deeply: at most ${maxDepth} levels of nested objects and arrays are accepted`,
    'nesting_too_deep',
  );
}

function required(path: string): OpenAIRequestError {
  return fail(path, 'Field required', 'missing_required_parameter');
}

function wrongType(path: string, expected: string, got: unknown): OpenAIRequestError {
  return fail(path, `Input should be ${expected} (got ${describe(got)})`, 'invalid_type');
}

function notOneOf(path: string, value: unknown, allowed: readonly string[]): OpenAIRequestError {
  if (typeof value !== 'string') return wrongType(path, 'a valid string', value);
  return fail(
    path,
    `Input should be ${allowed.map((a) => `'${a}'`).join(', ')} (got '${value}')`,
    'invalid_value',
  );
}

function notServed(path: string, reason: string): OpenAIRequestError {
  return fail(path, reason, 'unsupported_value');
}

function requireStr(o: JsonObject, key: string, path: string): string {
  const v = o[key];
  if (isAbsent(v)) throw required(path);
  if (typeof v !== 'string') throw wrongType(path, 'a valid string', v);
  return v;
}

function optStr(o: JsonObject, key: string, path: string): void {
  const v = o[key];
  if (!isAbsent(v) && typeof v !== 'string') throw wrongType(path, 'a valid string', v);
}

function optBool(o: JsonObject, key: string, path: string): void {
  const v = o[key];
  if (!isAbsent(v) && typeof v !== 'boolean') throw wrongType(path, 'a valid boolean', v);
}

function optNumber(o: JsonObject, key: string, min: number, max: number): void {
  const v = o[key];
  if (isAbsent(v)) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType(key, 'a valid number', v);
  if (v < min) throw fail(key, `Input should be greater than or equal to ${min}`, 'invalid_value');
  if (v > max) throw fail(key, `Input should be less than or equal to ${max}`, 'invalid_value');
}

function int(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(path, 'a valid integer', v);
  if (v < min) throw fail(path, `Input should be greater than or equal to ${min}`, 'invalid_value');
  return v;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw wrongType(path, 'a valid list', v);
  return v;
}

function dict(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw wrongType(path, 'a valid dictionary', v);
  return v;
}

/**
 * Validates a `POST /v1/messages` body with the Messages API's rules and returns it typed (the
 * same object, unknown fields kept). Server tools (`web_search_*`, `bash_*`, `computer_*`, ...)
 * and their blocks, uploaded `file` sources and `mcp_servers` are refused by name.
 *
 * @throws {@link OpenAIRequestError} (400) whose `param` is the dotted path of the field and whose
 *   message reads `path: reason`, as Anthropic's do. The whole body is held to a nesting depth
 *   (`options.maxJsonDepth`, default 64) before any other rule.
 */
export function validateAnthropicMessageRequest(
  body: unknown,
  options?: ValidationOptions,
): AnthropicMessageRequest {
  if (!isObject(body)) {
    throw new OpenAIRequestError(
      `Input should be a valid dictionary (got ${describe(body)})`,
      null,
      'invalid_type',
    );
  }
  const o = body;
  checkDepth(o, options?.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  const model = requireStr(o, 'model', 'model');
  if (model.length === 0)
    throw fail('model', 'String should have at least 1 character', 'empty_string');
  if (isAbsent(o.max_tokens)) throw required('max_tokens');
  int(o.max_tokens, 'max_tokens', 1);

  if (isAbsent(o.messages)) throw required('messages');
  const messages = list(o.messages, 'messages');
  if (messages.length === 0)
    throw fail('messages', 'at least one message is required', 'empty_array');
  if (messages.length > MAX_ANTHROPIC_MESSAGES) {
    throw fail(
      'messages',
      `at most ${MAX_ANTHROPIC_MESSAGES} messages are allowed`,
      'array_above_max_length',
    );
  }
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i], i);

  const system = o.system;
  if (!isAbsent(system) && typeof system !== 'string') {
    const blocks = list(system, 'system');
    for (let j = 0; j < blocks.length; j++)
      checkBlock(blocks[j], `system.${j}`, ['text'], 'system');
  }
  const stops = o.stop_sequences;
  if (!isAbsent(stops)) {
    const l = list(stops, 'stop_sequences');
    for (let k = 0; k < l.length; k++) {
      if (typeof l[k] !== 'string') throw wrongType(`stop_sequences.${k}`, 'a valid string', l[k]);
    }
  }
  optBool(o, 'stream', 'stream');
  optNumber(o, 'temperature', 0, 1);
  optNumber(o, 'top_p', 0, 1);
  if (!isAbsent(o.top_k)) int(o.top_k, 'top_k', 0);
  const hasTools = checkTools(o.tools);
  checkToolChoice(o.tool_choice, hasTools);
  if (!isAbsent(o.metadata)) optStr(dict(o.metadata, 'metadata'), 'user_id', 'metadata.user_id');
  if (!isAbsent(o.thinking)) requireStr(dict(o.thinking, 'thinking'), 'type', 'thinking.type');
  optStr(o, 'service_tier', 'service_tier');
  if (Array.isArray(o.mcp_servers) && o.mcp_servers.length > 0) {
    throw notServed(
      'mcp_servers',
      'MCP servers are not supported by this gateway: run MCP tools client-side.',
    );
  }
  return o as unknown as AnthropicMessageRequest;
}

function checkMessage(m: unknown, i: number): void {
  const path = `messages.${i}`;
  const o = dict(m, path);
  if (isAbsent(o.role)) throw required(`${path}.role`);
  if (!ROLES.includes(o.role as 'user')) throw notOneOf(`${path}.role`, o.role, ROLES);
  const content = o.content;
  if (isAbsent(content)) throw required(`${path}.content`);
  if (typeof content === 'string') return;
  const blocks = list(content, `${path}.content`);
  const allowed = o.role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
  for (let j = 0; j < blocks.length; j++) {
    checkBlock(blocks[j], `${path}.content.${j}`, allowed, `${o.role as string} messages`);
  }
}

function checkBlock(b: unknown, path: string, allowed: readonly string[], where: string): void {
  const o = dict(b, path);
  const type = o.type;
  if (isAbsent(type)) throw required(`${path}.type`);
  if (!allowed.includes(type as string)) {
    if (typeof type === 'string' && SERVER_BLOCKS.has(type)) {
      throw notServed(
        `${path}.type`,
        `'${type}' blocks are not supported by this gateway: it serves client tools only.`,
      );
    }
    if (
      typeof type === 'string' &&
      (USER_BLOCKS as readonly string[]).concat(ASSISTANT_BLOCKS).includes(type)
    ) {
      throw fail(`${path}.type`, `'${type}' blocks are not allowed in ${where}`, 'invalid_value');
    }
    throw notOneOf(`${path}.type`, type, allowed);
  }
  switch (type) {
    case 'text':
      requireStr(o, 'text', `${path}.text`);
      return;
    case 'image': {
      if (isAbsent(o.source)) throw required(`${path}.source`);
      const s = dict(o.source, `${path}.source`);
      if (s.type === 'base64') {
        const mt = requireStr(s, 'media_type', `${path}.source.media_type`);
        if (!IMAGE_MEDIA_TYPES.includes(mt as 'image/png')) {
          throw notOneOf(`${path}.source.media_type`, mt, IMAGE_MEDIA_TYPES);
        }
        requireStr(s, 'data', `${path}.source.data`);
      } else if (s.type === 'url') {
        requireStr(s, 'url', `${path}.source.url`);
      } else {
        throw sourceNotServed(s, `${path}.source`, ['base64', 'url']);
      }
      return;
    }
    case 'document': {
      if (isAbsent(o.source)) throw required(`${path}.source`);
      const s = dict(o.source, `${path}.source`);
      if (s.type === 'base64') {
        const mt = requireStr(s, 'media_type', `${path}.source.media_type`);
        if (mt !== 'application/pdf')
          throw notOneOf(`${path}.source.media_type`, mt, ['application/pdf']);
        requireStr(s, 'data', `${path}.source.data`);
      } else if (s.type === 'text') {
        requireStr(s, 'data', `${path}.source.data`);
      } else {
        throw sourceNotServed(s, `${path}.source`, ['base64', 'text']);
      }
      optStr(o, 'title', `${path}.title`);
      return;
    }
    case 'tool_use': {
      requireStr(o, 'id', `${path}.id`);
      requireStr(o, 'name', `${path}.name`);
      if (isAbsent(o.input)) throw required(`${path}.input`);
      dict(o.input, `${path}.input`);
      return;
    }
    case 'tool_result': {
      requireStr(o, 'tool_use_id', `${path}.tool_use_id`);
      optBool(o, 'is_error', `${path}.is_error`);
      const c = o.content;
      if (isAbsent(c) || typeof c === 'string') return;
      const blocks = list(c, `${path}.content`);
      for (let k = 0; k < blocks.length; k++) {
        checkBlock(blocks[k], `${path}.content.${k}`, TOOL_RESULT_BLOCKS, 'tool results');
      }
      return;
    }
    case 'thinking':
      requireStr(o, 'thinking', `${path}.thinking`);
      return;
    case 'redacted_thinking':
      requireStr(o, 'data', `${path}.data`);
      return;
  }
}

function sourceNotServed(
  s: JsonObject,
  path: string,
  served: readonly string[],
): OpenAIRequestError {
  if (s.type === 'file') {
    return notServed(
      `${path}.type`,
      'Uploaded files are not supported by this gateway: send the content inline.',
    );
  }
  if (isAbsent(s.type)) return required(`${path}.type`);
  return notOneOf(`${path}.type`, s.type, served);
}

function checkTools(tools: unknown): boolean {
  if (isAbsent(tools)) return false;
  const l = list(tools, 'tools');
  if (l.length > MAX_ANTHROPIC_TOOLS) {
    throw fail(
      'tools',
      `at most ${MAX_ANTHROPIC_TOOLS} tools are allowed`,
      'array_above_max_length',
    );
  }
  for (let k = 0; k < l.length; k++) {
    const t = dict(l[k], `tools.${k}`);
    if (!isAbsent(t.type) && t.type !== 'custom') {
      if (typeof t.type !== 'string') throw wrongType(`tools.${k}.type`, 'a valid string', t.type);
      throw notServed(
        `tools.${k}.type`,
        `Tools of type '${t.type}' (Anthropic server or built-in tools) are not supported by this gateway: define it as a client tool with name, description and input_schema.`,
      );
    }
    const name = requireStr(t, 'name', `tools.${k}.name`);
    if (!TOOL_NAME.test(name)) {
      throw fail(
        `tools.${k}.name`,
        "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
        'invalid_value',
      );
    }
    optStr(t, 'description', `tools.${k}.description`);
    if (isAbsent(t.input_schema)) throw required(`tools.${k}.input_schema`);
    dict(t.input_schema, `tools.${k}.input_schema`);
  }
  return l.length > 0;
}

function checkToolChoice(choice: unknown, hasTools: boolean): void {
  if (isAbsent(choice)) return;
  const c = dict(choice, 'tool_choice');
  if (isAbsent(c.type)) throw required('tool_choice.type');
  if (!TOOL_CHOICE_TYPES.includes(c.type as 'auto')) {
    throw notOneOf('tool_choice.type', c.type, TOOL_CHOICE_TYPES);
  }
  optBool(c, 'disable_parallel_tool_use', 'tool_choice.disable_parallel_tool_use');
  if (c.type === 'tool') requireStr(c, 'name', 'tool_choice.name');
  if ((c.type === 'tool' || c.type === 'any') && !hasTools) {
    throw fail('tool_choice', `tool_choice '${c.type}' needs tools`, 'invalid_value');
  }
}
