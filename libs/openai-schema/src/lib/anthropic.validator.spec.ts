import { anthropicErrorBody, anthropicErrorType } from './anthropic.renderer';
import { anthropicChatRequest } from './anthropic.translator';
import { validateAnthropicMessageRequest } from './anthropic.validator';
import {
  AuthenticationError,
  BadGatewayError,
  GatewayTimeoutError,
  ModelNotFoundError,
  OpenAIRequestError,
  QueueFullError,
  RequestTooLargeError,
  ServiceUnavailableError,
} from './openai.errors';

const user = { role: 'user', content: 'hi' };
const base = { model: 'm', max_tokens: 16, messages: [user] };
const tool = { name: 'get_weather', input_schema: { type: 'object' } };

function rejectionOf(body: unknown): OpenAIRequestError {
  try {
    validateAnthropicMessageRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAIRequestError);
    return err as OpenAIRequestError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

describe('validateAnthropicMessageRequest: accepted bodies', () => {
  it.each<[string, Record<string, unknown>]>([
    ['minimal', base],
    [
      'system blocks with cache_control',
      { ...base, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }] },
    ],
    [
      'every block kind',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'AA==' } },
              { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
              {
                type: 'document',
                source: { type: 'base64', media_type: 'application/pdf', data: 'AA==' },
                title: 't',
              },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'd' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 't', signature: 's' },
              { type: 'redacted_thinking', data: 'x' },
              { type: 'text', text: 'b' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'x' } },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_1',
                is_error: false,
                content: [
                  { type: 'text', text: 'ok' },
                  { type: 'image', source: { type: 'url', url: 'https://x/z.png' } },
                ],
              },
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' },
              { type: 'tool_result', tool_use_id: 'toolu_1' },
            ],
          },
        ],
      },
    ],
    [
      'tools and choices',
      {
        ...base,
        tools: [{ ...tool, type: 'custom', description: 'd' }],
        tool_choice: { type: 'any' },
      },
    ],
    ['tool choice none without tools', { ...base, tool_choice: { type: 'none' } }],
    [
      'sampling, stops, metadata, thinking',
      {
        ...base,
        temperature: 1,
        top_p: 0.5,
        top_k: 5,
        stop_sequences: ['a', 'b', 'c', 'd', 'e', 'f'],
        metadata: { user_id: 'u' },
        thinking: { type: 'enabled', budget_tokens: 1024 },
        stream: true,
        service_tier: 'auto',
      },
    ],
    ['empty mcp_servers', { ...base, mcp_servers: [] }],
    ['unknown fields kept', { ...base, context_management: { edits: [] } }],
  ])('%s', (_name, body) => {
    expect(validateAnthropicMessageRequest(body)).toBe(body);
  });
});

describe('validateAnthropicMessageRequest: rejected bodies name the field, the Anthropic way', () => {
  it.each<[string, unknown, string | null, string]>([
    ['not an object', 'x', null, 'Input should be a valid dictionary (got a string)'],
    ['no model', { max_tokens: 1, messages: [user] }, 'model', 'model: Field required'],
    ['no max_tokens', { model: 'm', messages: [user] }, 'max_tokens', 'max_tokens: Field required'],
    [
      'max_tokens 0',
      { ...base, max_tokens: 0 },
      'max_tokens',
      'max_tokens: Input should be greater than or equal to 1',
    ],
    [
      'max_tokens decimal',
      { ...base, max_tokens: 1.5 },
      'max_tokens',
      'max_tokens: Input should be a valid integer (got a decimal number)',
    ],
    ['no messages', { model: 'm', max_tokens: 1 }, 'messages', 'messages: Field required'],
    [
      'empty messages',
      { ...base, messages: [] },
      'messages',
      'messages: at least one message is required',
    ],
    [
      'message not an object',
      { ...base, messages: [1] },
      'messages.0',
      'messages.0: Input should be a valid dictionary (got an integer)',
    ],
    [
      'system role',
      { ...base, messages: [{ role: 'system', content: 'x' }] },
      'messages.0.role',
      "messages.0.role: Input should be 'user', 'assistant' (got 'system')",
    ],
    [
      'no content',
      { ...base, messages: [{ role: 'user' }] },
      'messages.0.content',
      'messages.0.content: Field required',
    ],
    [
      'content a number',
      { ...base, messages: [{ role: 'user', content: 3 }] },
      'messages.0.content',
      'messages.0.content: Input should be a valid list (got an integer)',
    ],
    [
      'block without type',
      { ...base, messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      'messages.0.content.0.type',
      'messages.0.content.0.type: Field required',
    ],
    [
      'text without text',
      { ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages.0.content.0.text',
      'messages.0.content.0.text: Field required',
    ],
    [
      'tool_use in a user message',
      {
        ...base,
        messages: [
          { role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] },
        ],
      },
      'messages.0.content.0.type',
      "messages.0.content.0.type: 'tool_use' blocks are not allowed in user messages",
    ],
    [
      'image media type',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } },
            ],
          },
        ],
      },
      'messages.0.content.0.source.media_type',
      "messages.0.content.0.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif', 'image/webp' (got 'image/bmp')",
    ],
    [
      'uploaded image',
      {
        ...base,
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] },
        ],
      },
      'messages.0.content.0.source.type',
      'messages.0.content.0.source.type: Uploaded files are not supported by this gateway: send the content inline.',
    ],
    [
      'tool_use input a string',
      {
        ...base,
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: '{}' }] },
        ],
      },
      'messages.0.content.0.input',
      'messages.0.content.0.input: Input should be a valid dictionary (got a string)',
    ],
    [
      'tool_result without id',
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] },
      'messages.0.content.0.tool_use_id',
      'messages.0.content.0.tool_use_id: Field required',
    ],
    [
      'server tool block',
      {
        ...base,
        messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'x' }] }],
      },
      'messages.0.content.0.type',
      "messages.0.content.0.type: 'server_tool_use' blocks are not supported by this gateway: it serves client tools only.",
    ],
    [
      'system a number',
      { ...base, system: 5 },
      'system',
      'system: Input should be a valid list (got an integer)',
    ],
    [
      'temperature above 1',
      { ...base, temperature: 1.5 },
      'temperature',
      'temperature: Input should be less than or equal to 1',
    ],
    [
      'stop sequence a number',
      { ...base, stop_sequences: ['a', 2] },
      'stop_sequences.1',
      'stop_sequences.1: Input should be a valid string (got an integer)',
    ],
    [
      'server tool',
      { ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
      'tools.0.type',
      "tools.0.type: Tools of type 'web_search_20250305' (Anthropic server or built-in tools) are not supported by this gateway: define it as a client tool with name, description and input_schema.",
    ],
    [
      'tool without schema',
      { ...base, tools: [{ name: 'f' }] },
      'tools.0.input_schema',
      'tools.0.input_schema: Field required',
    ],
    [
      'tool name',
      { ...base, tools: [{ ...tool, name: 'a.b' }] },
      'tools.0.name',
      "tools.0.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    ],
    [
      'tool choice type',
      { ...base, tools: [tool], tool_choice: { type: 'some' } },
      'tool_choice.type',
      "tool_choice.type: Input should be 'auto', 'any', 'tool', 'none' (got 'some')",
    ],
    [
      'tool choice without name',
      { ...base, tools: [tool], tool_choice: { type: 'tool' } },
      'tool_choice.name',
      'tool_choice.name: Field required',
    ],
    [
      'tool choice without tools',
      { ...base, tool_choice: { type: 'any' } },
      'tool_choice',
      "tool_choice: tool_choice 'any' needs tools",
    ],
    [
      'metadata user_id',
      { ...base, metadata: { user_id: 1 } },
      'metadata.user_id',
      'metadata.user_id: Input should be a valid string (got an integer)',
    ],
    [
      'mcp servers',
      { ...base, mcp_servers: [{ type: 'url', url: 'https://x' }] },
      'mcp_servers',
      'mcp_servers: MCP servers are not supported by this gateway: run MCP tools client-side.',
    ],
  ])('%s', (_name, body, param, message) => {
    const err = rejectionOf(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toBe(message);
  });
});

describe('Anthropic error shape', () => {
  it.each([
    [new OpenAIRequestError('x: Field required', 'x'), 400, 'invalid_request_error'],
    [new AuthenticationError(), 401, 'authentication_error'],
    [new ModelNotFoundError('m'), 404, 'not_found_error'],
    [new RequestTooLargeError(10), 413, 'request_too_large'],
    [new QueueFullError(1), 429, 'rate_limit_error'],
    [new BadGatewayError(), 502, 'api_error'],
    [new ServiceUnavailableError(), 503, 'overloaded_error'],
    [new GatewayTimeoutError(), 504, 'timeout_error'],
  ])('%s -> %s %s', (err, status, type) => {
    expect(err.status).toBe(status);
    expect(anthropicErrorType(status)).toBe(type);
    expect(anthropicErrorBody(err, 'req_9')).toEqual({
      type: 'error',
      error: { type, message: err.message },
      request_id: 'req_9',
    });
  });

  it('an unexpected error is a 500 api_error that leaks nothing', () => {
    expect(anthropicErrorBody(new Error('secret stack detail'))).toEqual({
      type: 'error',
      error: {
        type: 'api_error',
        message: 'The server had an error while processing your request. Sorry about that!',
      },
    });
  });
});

describe('anthropicChatRequest: sampling fields older clients send', () => {
  it('passes temperature, top_p and top_k through', () => {
    const body = validateAnthropicMessageRequest({
      ...base,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
    });
    expect(anthropicChatRequest(body)).toMatchObject({ temperature: 0.5, top_p: 0.9, top_k: 40 });
  });
});
