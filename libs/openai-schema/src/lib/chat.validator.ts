import { CHAT_ROLES, IMAGE_DETAILS, type ChatCompletionRequest } from './chat.types';
import { checkJsonDepth, type ValidationOptions } from './json-limits';
import { OpenAIRequestError } from './openai.errors';
import {
  arrayTooLong,
  checkBool,
  checkEnum,
  checkFunctionName,
  checkInt,
  checkLogitBias,
  checkMetadata,
  checkNumber,
  checkStop,
  checkString,
  emptyArray,
  invalidEnum,
  invalidType,
  invalidValue,
  isAbsent,
  isObject,
  missing,
  requireBody,
  requireString,
  type JsonObject,
} from './validation.util';

/** At most this many tools. */
export const MAX_TOOLS = 128;
/** At most this many choices (`n`). */
export const MAX_N = 128;

const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'file'] as const;
const TEXT_PART_TYPES = ['text'] as const;
const ASSISTANT_PART_TYPES = ['text', 'refusal'] as const;
const AUDIO_FORMATS = ['wav', 'mp3'] as const;
const TOOL_TYPES = ['function', 'custom'] as const;
const TOOL_CHOICE_MODES = ['none', 'auto', 'required'] as const;
const TOOL_CHOICE_TYPES = ['function', 'custom', 'allowed_tools'] as const;
const ALLOWED_TOOLS_MODES = ['auto', 'required'] as const;
const RESPONSE_FORMAT_TYPES = ['text', 'json_object', 'json_schema'] as const;

/**
 * Validates a `POST /v1/chat/completions` body with OpenAI's rules and returns it typed (the same object,
 * unknown fields kept). Fast enough for the gateway's hot path: no copies, no allocations on success.
 *
 * Free-form fields (`tools[].function.parameters`, `response_format.json_schema.schema`, unknown
 * fields) are passed on as they are, so the whole body is also held to a nesting depth
 * (`options.maxJsonDepth`, default 64): nothing downstream may overflow its stack on it.
 *
 * @throws {@link OpenAIRequestError} (400 `invalid_request_error`) naming the offending `param`,
 *   e.g. `messages[2].content`, or `tools[0].function.parameters.a.a` (`nesting_too_deep`).
 */
export function validateChatCompletionRequest(
  body: unknown,
  options?: ValidationOptions,
): ChatCompletionRequest {
  const o = requireBody(body);
  checkJsonDepth(o, options?.maxJsonDepth);
  requireString(o, 'model');
  checkMessages(o.messages);

  checkBool(o, 'stream');
  const so = o.stream_options;
  if (!isAbsent(so)) {
    if (!isObject(so)) throw invalidType('stream_options', 'an object', so);
    checkBool(so, 'include_usage', 'stream_options.include_usage');
    if (o.stream !== true) {
      throw new OpenAIRequestError(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        'invalid_value',
      );
    }
  }

  checkNumber(o, 'temperature', 0, 2);
  checkNumber(o, 'top_p', 0, 1);
  checkNumber(o, 'presence_penalty', -2, 2);
  checkNumber(o, 'frequency_penalty', -2, 2);
  checkInt(o, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  checkInt(o, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER);
  checkInt(o, 'n', 1, MAX_N);
  checkInt(o, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkString(o, 'user');
  checkBool(o, 'parallel_tool_calls');
  checkBool(o, 'logprobs');
  checkInt(o, 'top_logprobs', 0, 20);
  if (!isAbsent(o.top_logprobs) && o.logprobs !== true) {
    throw invalidValue(
      'top_logprobs',
      "'logprobs' must be set to true when 'top_logprobs' is set.",
    );
  }

  checkStop(o.stop, 'stop');
  const hasTools = checkTools(o.tools);
  checkToolChoice(o.tool_choice, hasTools);
  checkResponseFormat(o.response_format);
  checkLogitBias(o.logit_bias);
  checkMetadata(o.metadata);
  return o as unknown as ChatCompletionRequest;
}

function checkMessages(messages: unknown): void {
  if (messages === undefined || messages === null) throw missing('messages');
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array', messages);
  if (messages.length === 0) throw emptyArray('messages');
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i], i);
}

function checkMessage(m: unknown, i: number): void {
  if (!isObject(m)) throw invalidType(`messages[${i}]`, 'an object', m);
  const role = m.role;
  if (role === undefined || role === null) throw missing(`messages[${i}].role`);
  switch (role) {
    case 'system':
    case 'developer':
      checkContent(m.content, i, TEXT_PART_TYPES, true);
      checkString(m, 'name', `messages[${i}].name`);
      return;
    case 'user':
      checkContent(m.content, i, USER_PART_TYPES, true);
      checkString(m, 'name', `messages[${i}].name`);
      return;
    case 'assistant':
      checkAssistant(m, i);
      return;
    case 'tool':
      checkContent(m.content, i, TEXT_PART_TYPES, true);
      requireString(m, 'tool_call_id', `messages[${i}].tool_call_id`);
      return;
    case 'function':
      requireString(m, 'name', `messages[${i}].name`);
      if (!isAbsent(m.content) && typeof m.content !== 'string') {
        throw invalidType(`messages[${i}].content`, 'a string', m.content);
      }
      return;
    default:
      throw invalidEnum(`messages[${i}].role`, role, CHAT_ROLES);
  }
}

function checkAssistant(m: JsonObject, i: number): void {
  checkString(m, 'name', `messages[${i}].name`);
  checkString(m, 'refusal', `messages[${i}].refusal`);
  const calls = m.tool_calls;
  let hasCalls = false;
  if (!isAbsent(calls)) {
    if (!Array.isArray(calls)) throw invalidType(`messages[${i}].tool_calls`, 'an array', calls);
    for (let j = 0; j < calls.length; j++) checkToolCall(calls[j], i, j);
    hasCalls = calls.length > 0;
  }
  if (isAbsent(m.content)) {
    // OpenAI lets an assistant turn carry only tool calls (or a legacy function call, or audio).
    if (!hasCalls && isAbsent(m.function_call) && isAbsent(m.audio)) {
      throw missing(`messages[${i}].content`);
    }
    return;
  }
  checkContent(m.content, i, ASSISTANT_PART_TYPES, false);
}

function checkToolCall(c: unknown, i: number, j: number): void {
  if (!isObject(c)) throw invalidType(`messages[${i}].tool_calls[${j}]`, 'an object', c);
  requireString(c, 'id', `messages[${i}].tool_calls[${j}].id`);
  if (c.type === 'custom') {
    const cu = c.custom;
    if (isAbsent(cu)) throw missing(`messages[${i}].tool_calls[${j}].custom`);
    if (!isObject(cu)) throw invalidType(`messages[${i}].tool_calls[${j}].custom`, 'an object', cu);
    requireString(cu, 'name', `messages[${i}].tool_calls[${j}].custom.name`);
    if (isAbsent(cu.input)) throw missing(`messages[${i}].tool_calls[${j}].custom.input`);
    if (typeof cu.input !== 'string') {
      throw invalidType(`messages[${i}].tool_calls[${j}].custom.input`, 'a string', cu.input);
    }
    return;
  }
  if (c.type !== 'function') {
    if (isAbsent(c.type)) throw missing(`messages[${i}].tool_calls[${j}].type`);
    throw invalidEnum(`messages[${i}].tool_calls[${j}].type`, c.type, TOOL_TYPES);
  }
  const f = c.function;
  if (isAbsent(f)) throw missing(`messages[${i}].tool_calls[${j}].function`);
  if (!isObject(f)) throw invalidType(`messages[${i}].tool_calls[${j}].function`, 'an object', f);
  requireString(f, 'name', `messages[${i}].tool_calls[${j}].function.name`);
  const args = f.arguments;
  if (isAbsent(args)) throw missing(`messages[${i}].tool_calls[${j}].function.arguments`);
  if (typeof args !== 'string') {
    throw invalidType(`messages[${i}].tool_calls[${j}].function.arguments`, 'a string', args);
  }
}

function checkContent(
  content: unknown,
  i: number,
  partTypes: readonly string[],
  required: boolean,
): void {
  if (typeof content === 'string') return;
  if (isAbsent(content)) {
    if (required) throw missing(`messages[${i}].content`);
    return;
  }
  if (!Array.isArray(content)) {
    throw invalidType(`messages[${i}].content`, 'one of a string or array of objects', content);
  }
  if (content.length === 0) throw emptyArray(`messages[${i}].content`);
  for (let j = 0; j < content.length; j++) checkPart(content[j], i, j, partTypes);
}

function checkPart(p: unknown, i: number, j: number, partTypes: readonly string[]): void {
  if (!isObject(p)) throw invalidType(`messages[${i}].content[${j}]`, 'an object', p);
  const type = p.type;
  if (isAbsent(type)) throw missing(`messages[${i}].content[${j}].type`);
  if (!partTypes.includes(type as string)) {
    throw invalidEnum(`messages[${i}].content[${j}].type`, type, partTypes);
  }
  switch (type) {
    case 'text': {
      const t = p.text;
      if (isAbsent(t)) throw missing(`messages[${i}].content[${j}].text`);
      if (typeof t !== 'string')
        throw invalidType(`messages[${i}].content[${j}].text`, 'a string', t);
      return;
    }
    case 'refusal': {
      const t = p.refusal;
      if (isAbsent(t)) throw missing(`messages[${i}].content[${j}].refusal`);
      if (typeof t !== 'string') {
        throw invalidType(`messages[${i}].content[${j}].refusal`, 'a string', t);
      }
      return;
    }
    case 'image_url': {
      const img = p.image_url;
      if (isAbsent(img)) throw missing(`messages[${i}].content[${j}].image_url`);
      if (!isObject(img)) {
        throw invalidType(`messages[${i}].content[${j}].image_url`, 'an object', img);
      }
      requireString(img, 'url', `messages[${i}].content[${j}].image_url.url`);
      checkEnum(img, 'detail', IMAGE_DETAILS, `messages[${i}].content[${j}].image_url.detail`);
      return;
    }
    case 'input_audio': {
      const a = p.input_audio;
      if (isAbsent(a)) throw missing(`messages[${i}].content[${j}].input_audio`);
      if (!isObject(a)) {
        throw invalidType(`messages[${i}].content[${j}].input_audio`, 'an object', a);
      }
      requireString(a, 'data', `messages[${i}].content[${j}].input_audio.data`);
      if (isAbsent(a.format)) throw missing(`messages[${i}].content[${j}].input_audio.format`);
      checkEnum(a, 'format', AUDIO_FORMATS, `messages[${i}].content[${j}].input_audio.format`);
      return;
    }
    case 'file': {
      const f = p.file;
      if (isAbsent(f)) throw missing(`messages[${i}].content[${j}].file`);
      if (!isObject(f)) throw invalidType(`messages[${i}].content[${j}].file`, 'an object', f);
      checkString(f, 'file_data', `messages[${i}].content[${j}].file.file_data`);
      checkString(f, 'file_id', `messages[${i}].content[${j}].file.file_id`);
      checkString(f, 'filename', `messages[${i}].content[${j}].file.filename`);
      return;
    }
  }
}

/** Returns whether at least one tool is defined. */
function checkTools(tools: unknown): boolean {
  if (isAbsent(tools)) return false;
  if (!Array.isArray(tools)) throw invalidType('tools', 'an array', tools);
  if (tools.length > MAX_TOOLS) throw arrayTooLong('tools', MAX_TOOLS, tools.length);
  for (let k = 0; k < tools.length; k++) {
    const t: unknown = tools[k];
    if (!isObject(t)) throw invalidType(`tools[${k}]`, 'an object', t);
    if (isAbsent(t.type)) throw missing(`tools[${k}].type`);
    if (t.type === 'function') {
      const f = t.function;
      if (isAbsent(f)) throw missing(`tools[${k}].function`);
      if (!isObject(f)) throw invalidType(`tools[${k}].function`, 'an object', f);
      checkFunctionName(f, `tools[${k}].function.name`);
      checkString(f, 'description', `tools[${k}].function.description`);
      if (!isAbsent(f.parameters) && !isObject(f.parameters)) {
        throw invalidType(`tools[${k}].function.parameters`, 'an object', f.parameters);
      }
      checkBool(f, 'strict', `tools[${k}].function.strict`);
    } else if (t.type === 'custom') {
      const c = t.custom;
      if (isAbsent(c)) throw missing(`tools[${k}].custom`);
      if (!isObject(c)) throw invalidType(`tools[${k}].custom`, 'an object', c);
      checkFunctionName(c, `tools[${k}].custom.name`);
      checkString(c, 'description', `tools[${k}].custom.description`);
    } else {
      throw invalidEnum(`tools[${k}].type`, t.type, TOOL_TYPES);
    }
  }
  return tools.length > 0;
}

function checkToolChoice(choice: unknown, hasTools: boolean): void {
  // 'none' and 'auto' are satisfiable without tools; only forcing a call needs some to exist.
  if (isAbsent(choice) || choice === 'none' || choice === 'auto') return;
  if (typeof choice === 'string') {
    if (!TOOL_CHOICE_MODES.includes(choice as 'auto')) {
      throw invalidEnum('tool_choice', choice, TOOL_CHOICE_MODES);
    }
  } else if (isObject(choice)) {
    const type = choice.type;
    if (isAbsent(type)) throw missing('tool_choice.type');
    if (type === 'function' || type === 'custom') {
      const f = choice[type];
      if (isAbsent(f)) throw missing(`tool_choice.${type}`);
      if (!isObject(f)) throw invalidType(`tool_choice.${type}`, 'an object', f);
      requireString(f, 'name', `tool_choice.${type}.name`);
    } else if (type === 'allowed_tools') {
      const a = choice.allowed_tools;
      if (isAbsent(a)) throw missing('tool_choice.allowed_tools');
      if (!isObject(a)) throw invalidType('tool_choice.allowed_tools', 'an object', a);
      if (isAbsent(a.mode)) throw missing('tool_choice.allowed_tools.mode');
      checkEnum(a, 'mode', ALLOWED_TOOLS_MODES, 'tool_choice.allowed_tools.mode');
      if (!Array.isArray(a.tools)) {
        if (isAbsent(a.tools)) throw missing('tool_choice.allowed_tools.tools');
        throw invalidType('tool_choice.allowed_tools.tools', 'an array', a.tools);
      }
    } else {
      throw invalidEnum('tool_choice.type', type, TOOL_CHOICE_TYPES);
    }
  } else {
    throw invalidType('tool_choice', 'one of a string or object', choice);
  }
  if (!hasTools) {
    throw invalidValue('tool_choice', "'tool_choice' is only allowed when 'tools' are specified.");
  }
}

function checkResponseFormat(rf: unknown): void {
  if (isAbsent(rf)) return;
  if (!isObject(rf)) throw invalidType('response_format', 'an object', rf);
  if (isAbsent(rf.type)) throw missing('response_format.type');
  checkEnum(rf, 'type', RESPONSE_FORMAT_TYPES, 'response_format.type');
  if (rf.type !== 'json_schema') return;
  const js = rf.json_schema;
  if (isAbsent(js)) throw missing('response_format.json_schema');
  if (!isObject(js)) throw invalidType('response_format.json_schema', 'an object', js);
  checkFunctionName(js, 'response_format.json_schema.name');
  checkString(js, 'description', 'response_format.json_schema.description');
  if (!isAbsent(js.schema) && !isObject(js.schema)) {
    throw invalidType('response_format.json_schema.schema', 'an object', js.schema);
  }
  checkBool(js, 'strict', 'response_format.json_schema.strict');
}
