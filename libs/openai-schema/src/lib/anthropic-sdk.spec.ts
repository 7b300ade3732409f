import Anthropic from '@anthropic-ai/sdk';
import {
  anthropicErrorBody,
  anthropicMessage,
  AnthropicStreamRenderer,
} from './anthropic.renderer';
import { anthropicChatRequest } from './anthropic.translator';
import type { AnthropicStreamEvent } from './anthropic.types';
import { validateAnthropicMessageRequest } from './anthropic.validator';
import type { ChatCompletionRequest } from './chat.types';
import type { ChatOutputEvent } from './chat-output.types';
import { validateChatCompletionRequest } from './chat.validator';
import { OpenAIRequestError, ServiceUnavailableError } from './openai.errors';
import { usage } from './response.builders';
import { capturingFetch, jsonResponse, sseResponse, type Captured } from './sdk-fetch.fixture';
import { sseEventFrame } from './sse';

/**
 * The Messages API through `@anthropic-ai/sdk`: a `fetch` runs this library's pipeline in process
 * (validate → chat request → scripted chat answer → message or events, errors in Anthropic's
 * shape), so the validator meets the SDK's real bodies and the renderers its own parsers and
 * stream accumulator.
 */

const ANSWER = 'It is sunny in Lisbon.';

function script(chat: ChatCompletionRequest): { events: ChatOutputEvent[]; finish: string } {
  const tool = chat.tools?.[0];
  if (tool?.type === 'function' && !chat.messages.some((m) => m.role === 'tool')) {
    return {
      events: [
        {
          type: 'tool-call',
          delta: {
            index: 0,
            id: 'call_a1',
            type: 'function',
            function: { name: tool.function.name },
          },
        },
        { type: 'tool-call', delta: { index: 0, function: { arguments: '{"city":' } } },
        { type: 'tool-call', delta: { index: 0, function: { arguments: '"Lisbon"}' } } },
      ],
      finish: 'tool_calls',
    };
  }
  const words = ANSWER.split(/(?= )/).slice(0, chat.max_tokens ?? Infinity);
  return {
    events: words.map((text) => ({ type: 'text', text })),
    finish: words.length < ANSWER.split(' ').length ? 'length' : 'stop',
  };
}

function answerOf(events: ChatOutputEvent[]) {
  let content = '';
  let name = '';
  let args = '';
  let id = '';
  for (const e of events) {
    if (e.type === 'text') content += e.text;
    else {
      id ||= e.delta.id ?? '';
      name += e.delta.function?.name ?? '';
      args += e.delta.function?.arguments ?? '';
    }
  }
  return {
    content,
    tool_calls: name
      ? [{ id, type: 'function' as const, function: { name, arguments: args } }]
      : [],
  };
}

interface Backend {
  client: Anthropic;
  sent: Captured[];
  chats: ChatCompletionRequest[];
}

function backend(options: { failMidStream?: boolean; cached?: number } = {}): Backend {
  const chats: ChatCompletionRequest[] = [];
  const u = {
    ...usage(20, 6),
    ...(options.cached ? { prompt_tokens_details: { cached_tokens: options.cached } } : {}),
  };
  const { fetch, sent } = capturingFetch((req) => {
    let body;
    try {
      body = validateAnthropicMessageRequest(req.body);
    } catch (err) {
      return jsonResponse(anthropicErrorBody(err, 'req_1'), (err as OpenAIRequestError).status);
    }
    const chat = anthropicChatRequest(body);
    validateChatCompletionRequest(chat);
    chats.push(chat);
    const a = script(chat);
    if (body.stream !== true) {
      return jsonResponse(
        anthropicMessage({
          model: body.model,
          answer: answerOf(a.events),
          finishReason: a.finish,
          usage: u,
        }),
      );
    }
    const r = new AnthropicStreamRenderer(body.model);
    const events: AnthropicStreamEvent[] = [...r.start()];
    for (const [k, e] of a.events.entries()) {
      if (options.failMidStream && k === 2) {
        events.push(...r.fail(new ServiceUnavailableError('the agent died')));
        break;
      }
      events.push(...r.output(e));
    }
    if (!options.failMidStream) events.push(...r.finish(a.finish, u));
    return sseResponse(events.map((e) => sseEventFrame(e.type, e)));
  });
  const client = new Anthropic({
    baseURL: 'http://127.0.0.1:9',
    apiKey: 'sk-ant',
    fetch,
    maxRetries: 0,
  });
  return { client, sent, chats };
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

describe('@anthropic-ai/sdk: messages.create', () => {
  it('sends its key and anthropic-version, a body the validator accepts, and parses the message', async () => {
    const b = backend({ cached: 8 });
    const msg = await b.client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 64,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Weather in Lisbon?' },
      ],
      stop_sequences: ['\n\nHuman:'],
      metadata: { user_id: 'u-1' },
    });
    expect(b.sent[0].url).toBe('http://127.0.0.1:9/v1/messages');
    // SDK 1.x sends the key as a bearer token; curl and older SDKs use x-api-key (the gateway takes both).
    expect(b.sent[0].headers['authorization']).toBe('Bearer sk-ant');
    expect(b.sent[0].headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(validateAnthropicMessageRequest(b.sent[0].body)).toBe(b.sent[0].body);
    expect(b.chats[0]).toEqual({
      model: 'phi-4-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Weather in Lisbon?' },
      ],
      max_tokens: 64,
      stop: ['\n\nHuman:'],
      user: 'u-1',
    });
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'phi-4-mini',
      content: [{ type: 'text', text: ANSWER }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 6, cache_read_input_tokens: 8 },
    });
    expect(msg.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
  });

  it('runs a tool round trip: tool_use -> tool_result -> final answer', async () => {
    const b = backend();
    const first = await b.client.messages.create({
      model: 'm',
      max_tokens: 64,
      tools: [weatherTool],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      { type: 'tool_use', id: 'call_a1', name: 'get_weather', input: { city: 'Lisbon' } },
    ]);
    const second = await b.client.messages.create({
      model: 'm',
      max_tokens: 64,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Lisbon?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'call_a1',
              content: [{ type: 'text', text: 'clear' }],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: ANSWER }]);
    expect(b.chats[0]).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather of a city',
            parameters: weatherTool.input_schema,
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    expect(b.chats[1].messages).toEqual([
      { role: 'user', content: 'Weather in Lisbon?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_a1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a1', content: 'clear' },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  it('maps images, documents, system blocks and tool choice, and drops thinking blocks', async () => {
    const b = backend();
    await b.client.messages.create({
      model: 'm',
      max_tokens: 8,
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in English.' },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
            },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
            },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes' } },
            { type: 'text', text: 'Describe.' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'text', text: 'Sure.' },
          ],
        },
        { role: 'user', content: 'Go on.' },
      ],
    });
    expect(validateAnthropicMessageRequest(b.sent[0].body)).toBe(b.sent[0].body);
    expect(b.chats[0].messages).toEqual([
      {
        role: 'system',
        content: [
          { type: 'text', text: 'You are terse.' },
          { type: 'text', text: 'Answer in English.' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
          {
            type: 'file',
            file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'document.pdf' },
          },
          { type: 'text', text: 'notes' },
          { type: 'text', text: 'Describe.' },
        ],
      },
      { role: 'assistant', content: 'Sure.' },
      { role: 'user', content: 'Go on.' },
    ]);
    expect(b.chats[0].tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
  });

  it('reports max_tokens as the stop reason when the answer was cut', async () => {
    const msg = await backend().client.messages.create({
      model: 'm',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content).toEqual([{ type: 'text', text: 'It is' }]);
  });

  it('a malformed body is a BadRequestError in Anthropic shape, naming the field', async () => {
    const b = backend();
    const call = b.client.messages.create({
      model: 'm',
      max_tokens: 8,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }],
    } as never);
    await expect(call).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(call).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      error: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'messages.0.content.0.source.media_type: Field required',
        },
        request_id: 'req_1',
      },
    });
  });
});

describe('@anthropic-ai/sdk: streaming', () => {
  it('messages.stream(): text events, the final message and its usage', async () => {
    const stream = backend({ cached: 4 }).client.messages.stream({
      model: 'm',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts.join('')).toBe(ANSWER);
    expect(final.content).toEqual([{ type: 'text', text: ANSWER }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({
      input_tokens: 16,
      output_tokens: 6,
      cache_read_input_tokens: 4,
    });
  });

  it('raw events follow the documented sequence', async () => {
    const stream = await backend().client.messages.create({
      model: 'm',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    const n = ANSWER.split(' ').length;
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(n).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('streams a tool_use block whose input_json_delta the SDK assembles into the input object', async () => {
    const stream = backend().client.messages.stream({
      model: 'm',
      max_tokens: 64,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const partial: string[] = [];
    stream.on('inputJson', (delta) => partial.push(delta));
    const final = await stream.finalMessage();
    expect(partial).toEqual(['{"city":', '"Lisbon"}']);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_a1', name: 'get_weather', input: { city: 'Lisbon' } },
    ]);
  });

  it('an error event mid-stream is thrown by the SDK with its Anthropic error type', async () => {
    const stream = backend({ failMidStream: true }).client.messages.stream({
      model: 'm',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err).toMatchObject({
      type: 'overloaded_error',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'the agent died' } },
    });
    expect(texts.join('')).toBe('It is');
  });
});
