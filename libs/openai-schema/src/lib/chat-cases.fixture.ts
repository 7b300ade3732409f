/**
 * Chat request cases shared by the fast validator's tests and the DTO equivalence tests: bodies that
 * must be accepted, and bodies that must be rejected with the given `param` and `code`.
 */

const user = { role: 'user', content: 'hi' };
const base = { model: 'm', messages: [user] };

export const CHAT_GOOD: Array<[string, Record<string, unknown>]> = [
  ['minimal', base],
  [
    'every role',
    {
      model: 'm',
      messages: [
        { role: 'system', content: 's', name: 'sys' },
        { role: 'developer', content: [{ type: 'text', text: 'd' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'high' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'ok' }] },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
        { role: 'function', name: 'f', content: null },
      ],
    },
  ],
  [
    'assistant with a custom tool call',
    {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'g', input: 'x' } }],
        },
      ],
    },
  ],
  [
    'assistant with only a legacy function_call',
    {
      model: 'm',
      messages: [{ role: 'assistant', function_call: { name: 'f', arguments: '{}' } }],
    },
  ],
  [
    'nulls mean absent',
    {
      ...base,
      temperature: null,
      top_p: null,
      max_tokens: null,
      max_completion_tokens: null,
      stop: null,
      n: null,
      seed: null,
      user: null,
      tools: null,
      tool_choice: null,
      parallel_tool_calls: null,
      response_format: null,
      presence_penalty: null,
      frequency_penalty: null,
      logit_bias: null,
      logprobs: null,
      top_logprobs: null,
      metadata: null,
      stream: null,
      stream_options: null,
    },
  ],
  [
    'range edges',
    {
      ...base,
      temperature: 0,
      top_p: 1,
      presence_penalty: -2,
      frequency_penalty: 2,
      max_tokens: 1,
      max_completion_tokens: 1,
      n: 128,
      seed: -1,
      top_logprobs: 20,
      logprobs: true,
    },
  ],
  ['temperature 2 and top_p 0', { ...base, temperature: 2, top_p: 0 }],
  ['stop string', { ...base, stop: 'END' }],
  ['stop four strings', { ...base, stop: ['a', 'b', 'c', 'd'] }],
  ['stream with include_usage', { ...base, stream: true, stream_options: { include_usage: true } }],
  [
    'tool_choice modes',
    {
      ...base,
      tools: [{ type: 'function', function: { name: 'get-weather_2' } }],
      tool_choice: 'required',
    },
  ],
  ['tool_choice none without tools', { ...base, tool_choice: 'none' }],
  ['tool_choice auto without tools', { ...base, tool_choice: 'auto' }],
  [
    'custom tool and allowed_tools choice',
    {
      ...base,
      tools: [{ type: 'custom', custom: { name: 'grammar' } }],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
    },
  ],
  ['response_format text', { ...base, response_format: { type: 'text' } }],
  ['logit_bias edges', { ...base, logit_bias: { '0': -100, '42': 100 } }],
  ['metadata', { ...base, metadata: { a: 'b', c: '' } }],
  ['empty string content', { model: 'm', messages: [{ role: 'user', content: '' }] }],
];

export const CHAT_BAD: Array<[string, unknown, string | null, string]> = [
  ['body not an object', [], null, 'invalid_type'],
  ['body null', null, null, 'invalid_type'],
  ['missing model', { messages: [user] }, 'model', 'missing_required_parameter'],
  ['model not a string', { ...base, model: 7 }, 'model', 'invalid_type'],
  ['empty model', { ...base, model: '' }, 'model', 'empty_string'],
  ['missing messages', { model: 'm' }, 'messages', 'missing_required_parameter'],
  ['messages not an array', { model: 'm', messages: 'hi' }, 'messages', 'invalid_type'],
  ['empty messages', { model: 'm', messages: [] }, 'messages', 'empty_array'],
  ['message not an object', { model: 'm', messages: [user, 'x'] }, 'messages[1]', 'invalid_type'],
  [
    'missing role',
    { model: 'm', messages: [{ content: 'x' }] },
    'messages[0].role',
    'missing_required_parameter',
  ],
  [
    'bad role',
    { model: 'm', messages: [user, user, { role: 'bot', content: 'x' }] },
    'messages[2].role',
    'invalid_value',
  ],
  [
    'role not a string',
    { model: 'm', messages: [{ role: 1, content: 'x' }] },
    'messages[0].role',
    'invalid_type',
  ],
  [
    'user content missing',
    { model: 'm', messages: [user, user, { role: 'user' }] },
    'messages[2].content',
    'missing_required_parameter',
  ],
  [
    'user content a number',
    { model: 'm', messages: [{ role: 'user', content: 5 }] },
    'messages[0].content',
    'invalid_type',
  ],
  [
    'user content empty parts',
    { model: 'm', messages: [{ role: 'user', content: [] }] },
    'messages[0].content',
    'empty_array',
  ],
  [
    'part not an object',
    { model: 'm', messages: [{ role: 'user', content: ['x'] }] },
    'messages[0].content[0]',
    'invalid_type',
  ],
  [
    'part without type',
    { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] },
    'messages[0].content[0].type',
    'missing_required_parameter',
  ],
  [
    'unknown part type',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] },
    'messages[0].content[0].type',
    'invalid_value',
  ],
  [
    'image part in a system message',
    {
      model: 'm',
      messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'u' } }] }],
    },
    'messages[0].content[0].type',
    'invalid_value',
  ],
  [
    'text part without text',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    'messages[0].content[0].text',
    'missing_required_parameter',
  ],
  [
    'text part text a number',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 1 }] }] },
    'messages[0].content[0].text',
    'invalid_type',
  ],
  [
    'image part without image_url',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
    'messages[0].content[0].image_url',
    'missing_required_parameter',
  ],
  [
    'image_url a string',
    {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'u' }] }],
    },
    'messages[0].content[0].image_url',
    'invalid_type',
  ],
  [
    'image without url',
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: {} },
          ],
        },
      ],
    },
    'messages[0].content[1].image_url.url',
    'missing_required_parameter',
  ],
  [
    'image bad detail',
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'u', detail: 'max' } }],
        },
      ],
    },
    'messages[0].content[0].image_url.detail',
    'invalid_value',
  ],
  [
    'audio bad format',
    {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: 'A', format: 'ogg' } }],
        },
      ],
    },
    'messages[0].content[0].input_audio.format',
    'invalid_value',
  ],
  [
    'audio without format',
    {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'A' } }] }],
    },
    'messages[0].content[0].input_audio.format',
    'missing_required_parameter',
  ],
  [
    'file not an object',
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: 'x' }] }] },
    'messages[0].content[0].file',
    'invalid_type',
  ],
  [
    'assistant without content or tool calls',
    { model: 'm', messages: [user, { role: 'assistant' }] },
    'messages[1].content',
    'missing_required_parameter',
  ],
  [
    'assistant with empty tool_calls and no content',
    { model: 'm', messages: [{ role: 'assistant', tool_calls: [] }] },
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'assistant content image part',
    {
      model: 'm',
      messages: [{ role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'u' } }] }],
    },
    'messages[0].content[0].type',
    'invalid_value',
  ],
  [
    'assistant tool_calls not an array',
    { model: 'm', messages: [{ role: 'assistant', tool_calls: {} }] },
    'messages[0].tool_calls',
    'invalid_type',
  ],
  [
    'tool call without id',
    {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ type: 'function', function: { name: 'f', arguments: '' } }],
        },
      ],
    },
    'messages[0].tool_calls[0].id',
    'missing_required_parameter',
  ],
  [
    'tool call bad type',
    {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'fn', function: { name: 'f', arguments: '' } }],
        },
      ],
    },
    'messages[0].tool_calls[0].type',
    'invalid_value',
  ],
  [
    'custom tool call without input',
    {
      model: 'm',
      messages: [
        { role: 'assistant', tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'g' } }] },
      ],
    },
    'messages[0].tool_calls[0].custom.input',
    'missing_required_parameter',
  ],
  [
    'tool call arguments an object',
    {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }],
        },
      ],
    },
    'messages[0].tool_calls[0].function.arguments',
    'invalid_type',
  ],
  [
    'tool message without tool_call_id',
    { model: 'm', messages: [{ role: 'tool', content: 'r' }] },
    'messages[0].tool_call_id',
    'missing_required_parameter',
  ],
  [
    'tool message without content',
    { model: 'm', messages: [{ role: 'tool', tool_call_id: 'c' }] },
    'messages[0].content',
    'missing_required_parameter',
  ],
  [
    'function message without name',
    { model: 'm', messages: [{ role: 'function', content: 'r' }] },
    'messages[0].name',
    'missing_required_parameter',
  ],
  [
    'name not a string',
    { model: 'm', messages: [{ role: 'user', content: 'x', name: 3 }] },
    'messages[0].name',
    'invalid_type',
  ],
  ['stream not a boolean', { ...base, stream: 'yes' }, 'stream', 'invalid_type'],
  [
    'stream_options without stream',
    { ...base, stream_options: { include_usage: true } },
    'stream_options',
    'invalid_value',
  ],
  [
    'stream_options not an object',
    { ...base, stream: true, stream_options: true },
    'stream_options',
    'invalid_type',
  ],
  [
    'include_usage not a boolean',
    { ...base, stream: true, stream_options: { include_usage: 1 } },
    'stream_options.include_usage',
    'invalid_type',
  ],
  ['temperature above 2', { ...base, temperature: 2.5 }, 'temperature', 'decimal_above_max_value'],
  ['temperature below 0', { ...base, temperature: -0.1 }, 'temperature', 'decimal_below_min_value'],
  ['temperature a string', { ...base, temperature: '1' }, 'temperature', 'invalid_type'],
  ['top_p above 1', { ...base, top_p: 1.01 }, 'top_p', 'decimal_above_max_value'],
  [
    'presence_penalty below -2',
    { ...base, presence_penalty: -3 },
    'presence_penalty',
    'decimal_below_min_value',
  ],
  [
    'frequency_penalty above 2',
    { ...base, frequency_penalty: 2.1 },
    'frequency_penalty',
    'decimal_above_max_value',
  ],
  ['max_tokens zero', { ...base, max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
  ['max_tokens decimal', { ...base, max_tokens: 1.5 }, 'max_tokens', 'invalid_type'],
  [
    'max_completion_tokens negative',
    { ...base, max_completion_tokens: -1 },
    'max_completion_tokens',
    'integer_below_min_value',
  ],
  ['n zero', { ...base, n: 0 }, 'n', 'integer_below_min_value'],
  ['n above 128', { ...base, n: 129 }, 'n', 'integer_above_max_value'],
  ['seed decimal', { ...base, seed: 0.5 }, 'seed', 'invalid_type'],
  ['user a number', { ...base, user: 1 }, 'user', 'invalid_type'],
  [
    'stop five strings',
    { ...base, stop: ['a', 'b', 'c', 'd', 'e'] },
    'stop',
    'array_above_max_length',
  ],
  ['stop with a number', { ...base, stop: ['a', 1] }, 'stop[1]', 'invalid_type'],
  ['stop a number', { ...base, stop: 1 }, 'stop', 'invalid_type'],
  ['tools not an array', { ...base, tools: {} }, 'tools', 'invalid_type'],
  [
    'tool without type',
    { ...base, tools: [{ function: { name: 'f' } }] },
    'tools[0].type',
    'missing_required_parameter',
  ],
  [
    'tool bad type',
    { ...base, tools: [{ type: 'web', web: {} }] },
    'tools[0].type',
    'invalid_value',
  ],
  [
    'tool without function',
    { ...base, tools: [{ type: 'function' }] },
    'tools[0].function',
    'missing_required_parameter',
  ],
  [
    'tool without name',
    { ...base, tools: [{ type: 'function', function: { description: 'd' } }] },
    'tools[0].function.name',
    'missing_required_parameter',
  ],
  [
    'tool name with spaces',
    { ...base, tools: [{ type: 'function', function: { name: 'get weather' } }] },
    'tools[0].function.name',
    'invalid_value',
  ],
  [
    'tool name too long',
    { ...base, tools: [{ type: 'function', function: { name: 'x'.repeat(65) } }] },
    'tools[0].function.name',
    'invalid_value',
  ],
  [
    'tool parameters an array',
    { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] },
    'tools[0].function.parameters',
    'invalid_type',
  ],
  [
    'tool strict a string',
    { ...base, tools: [{ type: 'function', function: { name: 'f', strict: 'yes' } }] },
    'tools[0].function.strict',
    'invalid_type',
  ],
  [
    'too many tools',
    {
      ...base,
      tools: Array.from({ length: 129 }, () => ({ type: 'function', function: { name: 'f' } })),
    },
    'tools',
    'array_above_max_length',
  ],
  [
    'tool_choice unknown mode',
    { ...base, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'always' },
    'tool_choice',
    'invalid_value',
  ],
  ['tool_choice a number', { ...base, tool_choice: 1 }, 'tool_choice', 'invalid_type'],
  [
    'tool_choice without tools',
    { ...base, tool_choice: 'required' },
    'tool_choice',
    'invalid_value',
  ],
  [
    'tool_choice function without name',
    {
      ...base,
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: { type: 'function', function: {} },
    },
    'tool_choice.function.name',
    'missing_required_parameter',
  ],
  [
    'tool_choice bad type',
    {
      ...base,
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: { type: 'tool' },
    },
    'tool_choice.type',
    'invalid_value',
  ],
  [
    'response_format a string',
    { ...base, response_format: 'json' },
    'response_format',
    'invalid_type',
  ],
  [
    'response_format bad type',
    { ...base, response_format: { type: 'xml' } },
    'response_format.type',
    'invalid_value',
  ],
  [
    'json_schema missing',
    { ...base, response_format: { type: 'json_schema' } },
    'response_format.json_schema',
    'missing_required_parameter',
  ],
  [
    'json_schema without name',
    { ...base, response_format: { type: 'json_schema', json_schema: { schema: {} } } },
    'response_format.json_schema.name',
    'missing_required_parameter',
  ],
  [
    'json_schema schema a string',
    {
      ...base,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema: '{}' } },
    },
    'response_format.json_schema.schema',
    'invalid_type',
  ],
  ['logit_bias an array', { ...base, logit_bias: [1] }, 'logit_bias', 'invalid_type'],
  ['logit_bias non-token key', { ...base, logit_bias: { foo: 1 } }, 'logit_bias', 'invalid_value'],
  [
    'logit_bias value out of range',
    { ...base, logit_bias: { '1': 101 } },
    'logit_bias',
    'invalid_value',
  ],
  [
    'logit_bias value a string',
    { ...base, logit_bias: { '1': '5' } },
    'logit_bias.1',
    'invalid_type',
  ],
  ['logprobs a string', { ...base, logprobs: 'true' }, 'logprobs', 'invalid_type'],
  [
    'top_logprobs above 20',
    { ...base, logprobs: true, top_logprobs: 21 },
    'top_logprobs',
    'integer_above_max_value',
  ],
  ['top_logprobs without logprobs', { ...base, top_logprobs: 2 }, 'top_logprobs', 'invalid_value'],
  [
    'parallel_tool_calls a string',
    { ...base, parallel_tool_calls: 'no' },
    'parallel_tool_calls',
    'invalid_type',
  ],
  ['metadata value a number', { ...base, metadata: { a: 1 } }, 'metadata.a', 'invalid_type'],
  [
    'metadata too many keys',
    {
      ...base,
      metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
    },
    'metadata',
    'object_above_max_properties',
  ],
  [
    'metadata value too long',
    { ...base, metadata: { a: 'x'.repeat(513) } },
    'metadata.a',
    'string_above_max_length',
  ],
];
