import { checkJsonDepth, type ValidationOptions } from './json-limits';
import { IMAGE_DETAILS } from './chat.types';
import { MAX_TOOLS } from './chat.validator';
import { OpenAIRequestError } from './openai.errors';
import { RESPONSE_INPUT_ROLES, type ResponseCreateRequest } from './responses.types';
import {
  arrayTooLong,
  checkBool,
  checkEnum,
  checkFunctionName,
  checkInt,
  checkMetadata,
  checkNumber,
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
  unsupported,
  unsupportedParameter,
  type JsonObject,
} from './validation.util';

/** At most this many input items in one request. */
export const MAX_INPUT_ITEMS = 4096;

const ITEM_TYPES = [
  'message',
  'function_call',
  'function_call_output',
  'item_reference',
  'reasoning',
] as const;
/** Item types of the Responses API that need tools this gateway does not host. */
const HOSTED_ITEM_TYPES = new Set([
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'file_search_call',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'tool_search_call',
  'tool_search_output',
  'compaction',
]);
const INPUT_PART_TYPES = ['input_text', 'input_image', 'input_file'] as const;
const TEXT_ONLY_PART_TYPES = ['input_text'] as const;
const ASSISTANT_PART_TYPES = ['output_text', 'refusal'] as const;
const TOOL_CHOICE_MODES = ['none', 'auto', 'required'] as const;
const ALLOWED_TOOLS_MODES = ['auto', 'required'] as const;
const TEXT_FORMAT_TYPES = ['text', 'json_object', 'json_schema'] as const;
const VERBOSITY = ['low', 'medium', 'high'] as const;
const TRUNCATION = ['auto', 'disabled'] as const;

/**
 * Validates a `POST /v1/responses` body with OpenAI's rules and returns it typed (the same object,
 * unknown fields kept). What this gateway cannot serve is refused here, by name: hosted tools
 * (`web_search`, `file_search`, ...), their items and tool choices, uploaded `file_id`s, stored
 * `prompt` templates and `conversation`s, streamed `background` responses. No allocation on success.
 *
 * The whole body is held to a nesting depth (`options.maxJsonDepth`, default 64), before any other
 * rule, so that nothing downstream (translation, `JSON.stringify`, agents) recurses into it.
 *
 * @throws {@link OpenAIRequestError} (400) whose `param` names the field, e.g. `input[2].content[0].text`.
 */
export function validateResponseRequest(
  body: unknown,
  options?: ValidationOptions,
): ResponseCreateRequest {
  const o = requireBody(body);
  checkJsonDepth(o, options?.maxJsonDepth);
  requireString(o, 'model');

  const input = o.input;
  if (isAbsent(input)) {
    if (isAbsent(o.previous_response_id)) throw missing('input');
  } else if (typeof input !== 'string') {
    if (!Array.isArray(input)) {
      throw invalidType('input', 'one of a string or array of input items', input);
    }
    if (input.length > MAX_INPUT_ITEMS) {
      throw arrayTooLong('input', MAX_INPUT_ITEMS, input.length);
    }
    for (let i = 0; i < input.length; i++) checkItem(input[i], i);
  }

  checkString(o, 'instructions');
  const hasTools = checkTools(o.tools);
  checkToolChoice(o.tool_choice, hasTools);
  checkBool(o, 'parallel_tool_calls');
  checkInt(o, 'max_output_tokens', 1, Number.MAX_SAFE_INTEGER);
  checkInt(o, 'max_tool_calls', 1, Number.MAX_SAFE_INTEGER);
  checkNumber(o, 'temperature', 0, 2);
  checkNumber(o, 'top_p', 0, 1);
  checkInt(o, 'top_logprobs', 0, 20);
  checkText(o.text);
  checkReasoning(o.reasoning);
  checkMetadata(o.metadata);
  checkString(o, 'user');
  checkString(o, 'service_tier');
  checkString(o, 'prompt_cache_key');
  checkString(o, 'safety_identifier');
  checkEnum(o, 'truncation', TRUNCATION);
  checkInclude(o.include);

  checkBool(o, 'stream');
  checkBool(o, 'store');
  checkBool(o, 'background');
  if (!isAbsent(o.stream_options)) {
    if (!isObject(o.stream_options)) {
      throw invalidType('stream_options', 'an object', o.stream_options);
    }
    if (o.stream !== true) {
      throw new OpenAIRequestError(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        'invalid_value',
      );
    }
  }
  if (o.background === true) {
    if (o.store === false) {
      throw invalidValue('background', "background responses need 'store' to be true.");
    }
    if (o.stream === true) {
      throw unsupported(
        'background',
        'Streaming a background response is not supported by this gateway: create it with stream false and poll GET /v1/responses/{id}.',
      );
    }
  }
  const prev = o.previous_response_id;
  if (!isAbsent(prev)) {
    if (typeof prev !== 'string') throw invalidType('previous_response_id', 'a string', prev);
    if (prev.length === 0) {
      throw invalidValue('previous_response_id', 'expected a response id, got an empty string.');
    }
  }
  if (!isAbsent(o.conversation)) {
    throw unsupportedParameter(
      'conversation',
      "The Conversations API is not served by this gateway: chain responses with 'previous_response_id' instead.",
    );
  }
  if (!isAbsent(o.prompt)) {
    throw unsupportedParameter(
      'prompt',
      "Stored prompt templates are not served by this gateway: send 'instructions' and 'input'.",
    );
  }
  return o as unknown as ResponseCreateRequest;
}

function checkItem(item: unknown, i: number): void {
  if (!isObject(item)) throw invalidType(`input[${i}]`, 'an object', item);
  const type = item.type;
  if (isAbsent(type) || type === 'message') {
    checkMessage(item, i);
    return;
  }
  switch (type) {
    case 'function_call':
      requireString(item, 'call_id', `input[${i}].call_id`);
      requireString(item, 'name', `input[${i}].name`);
      if (isAbsent(item.arguments)) throw missing(`input[${i}].arguments`);
      if (typeof item.arguments !== 'string') {
        throw invalidType(`input[${i}].arguments`, 'a string', item.arguments);
      }
      checkString(item, 'id', `input[${i}].id`);
      return;
    case 'function_call_output': {
      requireString(item, 'call_id', `input[${i}].call_id`);
      const out = item.output;
      if (isAbsent(out)) throw missing(`input[${i}].output`);
      if (typeof out === 'string') return;
      if (!Array.isArray(out)) {
        throw invalidType(`input[${i}].output`, 'one of a string or array of objects', out);
      }
      for (let j = 0; j < out.length; j++) {
        checkPart(out[j], `input[${i}].output[${j}]`, TEXT_ONLY_PART_TYPES, 'function_call_output');
      }
      return;
    }
    case 'item_reference':
      requireString(item, 'id', `input[${i}].id`);
      return;
    case 'reasoning':
      if (!isAbsent(item.summary) && !Array.isArray(item.summary)) {
        throw invalidType(`input[${i}].summary`, 'an array', item.summary);
      }
      return;
    default:
      if (typeof type === 'string' && HOSTED_ITEM_TYPES.has(type)) {
        throw unsupported(
          `input[${i}].type`,
          `Input items of type '${type}' are not supported by this gateway: it serves function tools only.`,
        );
      }
      throw invalidEnum(`input[${i}].type`, type, ITEM_TYPES);
  }
}

function checkMessage(m: JsonObject, i: number): void {
  const role = m.role;
  if (isAbsent(role)) throw missing(`input[${i}].role`);
  if (!RESPONSE_INPUT_ROLES.includes(role as 'user')) {
    throw invalidEnum(`input[${i}].role`, role, RESPONSE_INPUT_ROLES);
  }
  const content = m.content;
  if (isAbsent(content)) throw missing(`input[${i}].content`);
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) {
    throw invalidType(`input[${i}].content`, 'one of a string or array of objects', content);
  }
  if (content.length === 0) throw emptyArray(`input[${i}].content`);
  const types =
    role === 'assistant'
      ? ASSISTANT_PART_TYPES
      : role === 'user'
        ? INPUT_PART_TYPES
        : TEXT_ONLY_PART_TYPES;
  for (let j = 0; j < content.length; j++) {
    checkPart(content[j], `input[${i}].content[${j}]`, types, `${role as string} messages`);
  }
}

function checkPart(p: unknown, param: string, types: readonly string[], where: string): void {
  if (!isObject(p)) throw invalidType(param, 'an object', p);
  const type = p.type;
  if (isAbsent(type)) throw missing(`${param}.type`);
  if (!types.includes(type as string)) {
    if (typeof type === 'string' && INPUT_PART_TYPES.includes(type as 'input_text')) {
      throw unsupported(
        `${param}.type`,
        `'${type}' parts are not supported in ${where} by this gateway; supported: ${types.join(', ')}.`,
      );
    }
    throw invalidEnum(`${param}.type`, type, types);
  }
  switch (type) {
    case 'input_text':
    case 'output_text':
      if (isAbsent(p.text)) throw missing(`${param}.text`);
      if (typeof p.text !== 'string') throw invalidType(`${param}.text`, 'a string', p.text);
      return;
    case 'refusal':
      if (isAbsent(p.refusal)) throw missing(`${param}.refusal`);
      if (typeof p.refusal !== 'string') {
        throw invalidType(`${param}.refusal`, 'a string', p.refusal);
      }
      return;
    case 'input_image':
      if (!isAbsent(p.file_id)) {
        throw unsupported(
          `${param}.file_id`,
          'Uploaded files are not served by this gateway: send the image as image_url (an https: or data: URL).',
        );
      }
      requireString(p, 'image_url', `${param}.image_url`);
      checkEnum(p, 'detail', IMAGE_DETAILS, `${param}.detail`);
      return;
    case 'input_file':
      if (!isAbsent(p.file_id) || !isAbsent(p.file_url)) {
        throw unsupported(
          `${param}.${isAbsent(p.file_id) ? 'file_url' : 'file_id'}`,
          'Uploaded and linked files are not served by this gateway: send the file inline as file_data.',
        );
      }
      requireString(p, 'file_data', `${param}.file_data`);
      checkString(p, 'filename', `${param}.filename`);
      return;
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
    if (t.type !== 'function') {
      if (typeof t.type !== 'string') throw invalidType(`tools[${k}].type`, 'a string', t.type);
      throw unsupported(
        `tools[${k}].type`,
        `Tools of type '${t.type}' are not supported by this gateway: only 'function' tools are.`,
      );
    }
    checkFunctionName(t, `tools[${k}].name`);
    checkString(t, 'description', `tools[${k}].description`);
    if (!isAbsent(t.parameters) && !isObject(t.parameters)) {
      throw invalidType(`tools[${k}].parameters`, 'an object', t.parameters);
    }
    checkBool(t, 'strict', `tools[${k}].strict`);
  }
  return tools.length > 0;
}

function checkToolChoice(choice: unknown, hasTools: boolean): void {
  if (isAbsent(choice) || choice === 'none' || choice === 'auto') return;
  if (typeof choice === 'string') {
    if (!TOOL_CHOICE_MODES.includes(choice as 'auto')) {
      throw invalidEnum('tool_choice', choice, TOOL_CHOICE_MODES);
    }
  } else if (isObject(choice)) {
    const type = choice.type;
    if (isAbsent(type)) throw missing('tool_choice.type');
    if (type === 'function') {
      requireString(choice, 'name', 'tool_choice.name');
    } else if (type === 'allowed_tools') {
      if (isAbsent(choice.mode)) throw missing('tool_choice.mode');
      checkEnum(choice, 'mode', ALLOWED_TOOLS_MODES, 'tool_choice.mode');
      const list = choice.tools;
      if (isAbsent(list)) throw missing('tool_choice.tools');
      if (!Array.isArray(list)) throw invalidType('tool_choice.tools', 'an array', list);
      for (let k = 0; k < list.length; k++) {
        const t: unknown = list[k];
        if (!isObject(t)) throw invalidType(`tool_choice.tools[${k}]`, 'an object', t);
        if (t.type !== 'function') {
          throw unsupported(
            `tool_choice.tools[${k}].type`,
            `Tools of type '${String(t.type)}' are not supported by this gateway: only 'function' tools are.`,
          );
        }
        requireString(t, 'name', `tool_choice.tools[${k}].name`);
      }
    } else {
      if (typeof type !== 'string') throw invalidType('tool_choice.type', 'a string', type);
      throw unsupported(
        'tool_choice.type',
        `Tool choice of type '${type}' is not supported by this gateway: only function tools are.`,
      );
    }
  } else {
    throw invalidType('tool_choice', 'one of a string or object', choice);
  }
  if (!hasTools) {
    throw invalidValue('tool_choice', "'tool_choice' is only allowed when 'tools' are specified.");
  }
}

function checkText(text: unknown): void {
  if (isAbsent(text)) return;
  if (!isObject(text)) throw invalidType('text', 'an object', text);
  checkEnum(text, 'verbosity', VERBOSITY, 'text.verbosity');
  const f = text.format;
  if (isAbsent(f)) return;
  if (!isObject(f)) throw invalidType('text.format', 'an object', f);
  if (isAbsent(f.type)) throw missing('text.format.type');
  checkEnum(f, 'type', TEXT_FORMAT_TYPES, 'text.format.type');
  if (f.type !== 'json_schema') return;
  checkFunctionName(f, 'text.format.name');
  if (isAbsent(f.schema)) throw missing('text.format.schema');
  if (!isObject(f.schema)) throw invalidType('text.format.schema', 'an object', f.schema);
  checkString(f, 'description', 'text.format.description');
  checkBool(f, 'strict', 'text.format.strict');
}

function checkReasoning(r: unknown): void {
  if (isAbsent(r)) return;
  if (!isObject(r)) throw invalidType('reasoning', 'an object', r);
  checkString(r, 'effort', 'reasoning.effort');
  checkString(r, 'summary', 'reasoning.summary');
}

function checkInclude(include: unknown): void {
  if (isAbsent(include)) return;
  if (!Array.isArray(include)) throw invalidType('include', 'an array', include);
  for (let k = 0; k < include.length; k++) {
    if (typeof include[k] !== 'string') throw invalidType(`include[${k}]`, 'a string', include[k]);
  }
}
