import { OpenAIRequestError } from './openai.errors';
import { validateResponseRequest } from './responses.validator';

const base = { model: 'm', input: 'hi' };
const fn = { type: 'function', name: 'get_weather', parameters: { type: 'object' } };

function rejectionOf(body: unknown): OpenAIRequestError {
  try {
    validateResponseRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAIRequestError);
    return err as OpenAIRequestError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

describe('validateResponseRequest: accepted bodies', () => {
  it.each<[string, Record<string, unknown>]>([
    ['string input', base],
    ['empty string input', { model: 'm', input: '' }],
    ['no input with previous_response_id', { model: 'm', previous_response_id: 'resp_1' }],
    [
      'every item kind',
      {
        model: 'm',
        input: [
          { role: 'system', content: 'sys' },
          { role: 'developer', content: [{ type: 'input_text', text: 'dev' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'u' }] },
          {
            role: 'user',
            content: [
              { type: 'input_image', image_url: 'https://x/y.png', detail: 'auto' },
              {
                type: 'input_file',
                file_data: 'data:application/pdf;base64,AA==',
                filename: 'a.pdf',
              },
            ],
          },
          {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [
              { type: 'output_text', text: 'a', annotations: [] },
              { type: 'refusal', refusal: 'no' },
            ],
          },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}', id: 'fc_1' },
          { type: 'function_call_output', call_id: 'c1', output: 'ok' },
          {
            type: 'function_call_output',
            call_id: 'c1',
            output: [{ type: 'input_text', text: 'ok' }],
          },
          { type: 'item_reference', id: 'msg_0' },
        ],
      },
    ],
    [
      'function tools and choices',
      { ...base, tools: [fn], tool_choice: { type: 'function', name: 'get_weather' } },
    ],
    [
      'allowed_tools choice',
      {
        ...base,
        tools: [fn],
        tool_choice: {
          type: 'allowed_tools',
          mode: 'required',
          tools: [{ type: 'function', name: 'get_weather' }],
        },
      },
    ],
    [
      'nulls as absent',
      { ...base, temperature: null, tools: null, text: null, max_output_tokens: null },
    ],
    [
      'json_object format',
      { ...base, text: { format: { type: 'json_object' }, verbosity: 'low' } },
    ],
    [
      'stream with stream_options',
      { ...base, stream: true, stream_options: { include_obfuscation: false } },
    ],
    ['background stored', { ...base, background: true, store: true }],
    [
      'include and truncation',
      { ...base, include: ['reasoning.encrypted_content'], truncation: 'auto' },
    ],
    ['unknown fields kept', { ...base, future: { x: 1 } }],
  ])('%s', (_name, body) => {
    expect(validateResponseRequest(body)).toBe(body);
  });
});

describe('validateResponseRequest: rejected bodies name the param', () => {
  it.each<[string, unknown, string | null, string]>([
    ['not an object', [1], null, 'invalid_type'],
    ['no model', { input: 'x' }, 'model', 'missing_required_parameter'],
    ['no input', { model: 'm' }, 'input', 'missing_required_parameter'],
    ['input a number', { model: 'm', input: 5 }, 'input', 'invalid_type'],
    ['item not an object', { model: 'm', input: ['x'] }, 'input[0]', 'invalid_type'],
    [
      'message without role',
      { model: 'm', input: [{ content: 'x' }] },
      'input[0].role',
      'missing_required_parameter',
    ],
    [
      'bad role',
      { model: 'm', input: [{ role: 'tool', content: 'x' }] },
      'input[0].role',
      'invalid_value',
    ],
    [
      'no content',
      { model: 'm', input: [{ role: 'user' }] },
      'input[0].content',
      'missing_required_parameter',
    ],
    [
      'empty content',
      { model: 'm', input: [{ role: 'user', content: [] }] },
      'input[0].content',
      'empty_array',
    ],
    [
      'part without text',
      { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text' }] }] },
      'input[0].content[0].text',
      'missing_required_parameter',
    ],
    [
      'output_text in a user message',
      { model: 'm', input: [{ role: 'user', content: [{ type: 'output_text', text: 'x' }] }] },
      'input[0].content[0].type',
      'invalid_value',
    ],
    [
      'image in a system message',
      {
        model: 'm',
        input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://x' }] }],
      },
      'input[0].content[0].type',
      'unsupported_value',
    ],
    [
      'uploaded image',
      {
        model: 'm',
        input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }],
      },
      'input[0].content[0].file_id',
      'unsupported_value',
    ],
    [
      'image detail',
      {
        model: 'm',
        input: [
          {
            role: 'user',
            content: [{ type: 'input_image', image_url: 'https://x', detail: 'max' }],
          },
        ],
      },
      'input[0].content[0].detail',
      'invalid_value',
    ],
    [
      'linked file',
      {
        model: 'm',
        input: [{ role: 'user', content: [{ type: 'input_file', file_url: 'https://x/a.pdf' }] }],
      },
      'input[0].content[0].file_url',
      'unsupported_value',
    ],
    [
      'function_call without call_id',
      { model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
      'input[0].call_id',
      'missing_required_parameter',
    ],
    [
      'function_call arguments as an object',
      { model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] },
      'input[0].arguments',
      'invalid_type',
    ],
    [
      'function_call_output without output',
      { model: 'm', input: [{ type: 'function_call_output', call_id: 'c' }] },
      'input[0].output',
      'missing_required_parameter',
    ],
    [
      'item_reference without id',
      { model: 'm', input: [{ type: 'item_reference' }] },
      'input[0].id',
      'missing_required_parameter',
    ],
    [
      'hosted item type',
      { model: 'm', input: [{ type: 'web_search_call', id: 'ws' }] },
      'input[0].type',
      'unsupported_value',
    ],
    [
      'unknown item type',
      { model: 'm', input: [{ type: 'telepathy' }] },
      'input[0].type',
      'invalid_value',
    ],
    [
      'hosted tool',
      { ...base, tools: [{ type: 'file_search' }] },
      'tools[0].type',
      'unsupported_value',
    ],
    [
      'custom tool',
      { ...base, tools: [fn, { type: 'custom', name: 'x' }] },
      'tools[1].type',
      'unsupported_value',
    ],
    [
      'tool without type',
      { ...base, tools: [{ name: 'f' }] },
      'tools[0].type',
      'missing_required_parameter',
    ],
    [
      'bad tool name',
      { ...base, tools: [{ type: 'function', name: 'a b' }] },
      'tools[0].name',
      'invalid_value',
    ],
    [
      'tool parameters',
      { ...base, tools: [{ ...fn, parameters: 'x' }] },
      'tools[0].parameters',
      'invalid_type',
    ],
    [
      'tool_choice without tools',
      { ...base, tool_choice: 'required' },
      'tool_choice',
      'invalid_value',
    ],
    [
      'tool_choice mode',
      { ...base, tools: [fn], tool_choice: 'sometimes' },
      'tool_choice',
      'invalid_value',
    ],
    [
      'hosted tool_choice',
      { ...base, tools: [fn], tool_choice: { type: 'web_search_preview' } },
      'tool_choice.type',
      'unsupported_value',
    ],
    [
      'function choice without name',
      { ...base, tools: [fn], tool_choice: { type: 'function' } },
      'tool_choice.name',
      'missing_required_parameter',
    ],
    [
      'max_output_tokens 0',
      { ...base, max_output_tokens: 0 },
      'max_output_tokens',
      'integer_below_min_value',
    ],
    ['temperature 3', { ...base, temperature: 3 }, 'temperature', 'decimal_above_max_value'],
    ['top_p a string', { ...base, top_p: '1' }, 'top_p', 'invalid_type'],
    [
      'text.format type',
      { ...base, text: { format: { type: 'yaml' } } },
      'text.format.type',
      'invalid_value',
    ],
    [
      'json_schema without schema',
      { ...base, text: { format: { type: 'json_schema', name: 'n' } } },
      'text.format.schema',
      'missing_required_parameter',
    ],
    [
      'json_schema without name',
      { ...base, text: { format: { type: 'json_schema', schema: {} } } },
      'text.format.name',
      'missing_required_parameter',
    ],
    ['verbosity', { ...base, text: { verbosity: 'loud' } }, 'text.verbosity', 'invalid_value'],
    ['metadata value', { ...base, metadata: { a: 1 } }, 'metadata.a', 'invalid_type'],
    ['store a string', { ...base, store: 'yes' }, 'store', 'invalid_type'],
    [
      'stream_options without stream',
      { ...base, stream_options: {} },
      'stream_options',
      'invalid_value',
    ],
    [
      'background without store',
      { ...base, background: true, store: false },
      'background',
      'invalid_value',
    ],
    [
      'background streamed',
      { ...base, background: true, stream: true },
      'background',
      'unsupported_value',
    ],
    [
      'empty previous_response_id',
      { ...base, previous_response_id: '' },
      'previous_response_id',
      'invalid_value',
    ],
    ['conversation', { ...base, conversation: 'conv_1' }, 'conversation', 'unsupported_parameter'],
    ['prompt template', { ...base, prompt: { id: 'pmpt_1' } }, 'prompt', 'unsupported_parameter'],
    ['include entry', { ...base, include: [1] }, 'include[0]', 'invalid_type'],
    ['truncation', { ...base, truncation: 'middle' }, 'truncation', 'invalid_value'],
  ])('%s', (_name, body, param, code) => {
    const err = rejectionOf(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
  });

  it('says plainly which tool type is not served', () => {
    expect(rejectionOf({ ...base, tools: [{ type: 'code_interpreter' }] }).message).toBe(
      "Tools of type 'code_interpreter' are not supported by this gateway: only 'function' tools are.",
    );
  });
});
