import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool as aiTool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import type { ChatCompletionRequest, ChatMessage } from './chat.types';
import type { ChatOutputEvent, ChatUsage } from './chat-output.types';
import { validateChatCompletionRequest } from './chat.validator';
import { OpenAIRequestError } from './openai.errors';
import { chatCompletion, usage } from './response.builders';
import {
  completedResponse,
  failedResponse,
  responseObject,
  ResponseStreamRenderer,
} from './responses.renderer';
import {
  responseChatRequest,
  responseInputItems,
  responseItemsToMessages,
} from './responses.translator';
import type { ResponseObject, ResponseStreamEvent } from './responses.types';
import { validateResponseRequest } from './responses.validator';
import { capturingFetch, jsonResponse, sseResponse, type Captured } from './sdk-fetch.fixture';
import { sseEventFrame } from './sse';

/**
 * The Responses API through the clients that call it by default: the official `openai` SDK, the
 * OpenAI Agents SDK and the Vercel AI SDK. Each talks to a `fetch` that runs this library's
 * pipeline in process (validate → input items → chat request → a scripted chat answer → rendered
 * response or events), so the validators meet the SDKs' real bodies and the renderers their real
 * parsers, including full tool round trips.
 */

const BASE_URL = 'http://127.0.0.1:9/v1';
const WEATHER = 'It is sunny in Lisbon.';

/** The scripted model: calls the first tool while none was answered, else says {@link WEATHER}. */
function scriptedAnswer(chat: ChatCompletionRequest): {
  events: ChatOutputEvent[];
  finishReason: string;
  usage: ChatUsage;
} {
  const last = chat.messages[chat.messages.length - 1] as ChatMessage;
  const tool = chat.tools?.[0];
  const u = usage(12, 6);
  if (tool && tool.type === 'function' && last.role !== 'tool') {
    const head = { index: 0, id: 'call_w1', type: 'function' as const };
    return {
      events: [
        {
          type: 'tool-call',
          delta: { ...head, function: { name: tool.function.name, arguments: '' } },
        },
        { type: 'tool-call', delta: { index: 0, function: { arguments: '{"city":' } } },
        { type: 'tool-call', delta: { index: 0, function: { arguments: '"Lisbon"}' } } },
      ],
      finishReason: 'tool_calls',
      usage: u,
    };
  }
  const cap = chat.max_tokens ?? Infinity;
  const words = WEATHER.split(/(?= )/);
  const events: ChatOutputEvent[] = words
    .slice(0, cap)
    .map((text) => ({ type: 'text' as const, text }));
  return { events, finishReason: cap < words.length ? 'length' : 'stop', usage: u };
}

interface Backend {
  readonly fetch: typeof fetch;
  readonly sent: Captured[];
  /** The chat requests the pipeline made of them. */
  readonly chats: ChatCompletionRequest[];
}

/** The in-process pipeline behind `/v1/responses` (and `/v1/chat/completions` for `.chat()`). */
function backend(options: { fail?: boolean } = {}): Backend {
  const chats: ChatCompletionRequest[] = [];
  const { fetch, sent } = capturingFetch((req) => {
    try {
      if (req.url.endsWith('/chat/completions')) {
        const chat = validateChatCompletionRequest(req.body);
        chats.push(chat);
        const a = scriptedAnswer(chat);
        return jsonResponse(
          chatCompletion({
            model: chat.model,
            content: a.events.map((e) => (e.type === 'text' ? e.text : '')).join(''),
            usage: a.usage as ReturnType<typeof usage>,
          }),
        );
      }
      const body = validateResponseRequest(req.body);
      const items = responseInputItems(body);
      const chat = responseChatRequest(body, responseItemsToMessages(items, body.instructions));
      validateChatCompletionRequest(chat);
      chats.push(chat);
      const a = scriptedAnswer(chat);
      const base = responseObject(body);
      if (body.stream !== true) {
        if (options.fail) {
          return jsonResponse(failedResponse(base, { code: 'server_error', message: 'boom' }));
        }
        const text = a.events.map((e) => (e.type === 'text' ? e.text : '')).join('');
        const calls = a.events[0]?.type === 'tool-call' ? [toolCallOf(a.events)] : [];
        return jsonResponse(
          completedResponse(base, { content: text, tool_calls: calls }, a.finishReason, a.usage),
        );
      }
      const r = new ResponseStreamRenderer(base);
      const events: ResponseStreamEvent[] = [...r.start()];
      for (const e of a.events) events.push(...r.output(e));
      events.push(
        ...(options.fail
          ? r.fail({ code: 'server_error', message: 'the agent died' })
          : r.finish(a.finishReason, a.usage)),
      );
      return sseResponse(events.map((e) => sseEventFrame(e.type, e)));
    } catch (err) {
      if (err instanceof OpenAIRequestError) return jsonResponse(err.toBody(), err.status);
      throw err;
    }
  });
  return { fetch, sent, chats };
}

function toolCallOf(events: ChatOutputEvent[]) {
  let name = '';
  let args = '';
  let id = '';
  for (const e of events) {
    if (e.type !== 'tool-call') continue;
    id ||= e.delta.id ?? '';
    name += e.delta.function?.name ?? '';
    args += e.delta.function?.arguments ?? '';
  }
  return { id, type: 'function' as const, function: { name, arguments: args } };
}

function openai(b: Backend): OpenAI {
  return new OpenAI({ baseURL: BASE_URL, apiKey: 'sk-test', fetch: b.fetch, maxRetries: 0 });
}

const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

describe('the openai SDK: responses.create', () => {
  it('sends a body the validator accepts as is, and parses the response object', async () => {
    const b = backend();
    const res = await openai(b).responses.create({
      model: 'phi-4-mini',
      instructions: 'Be brief.',
      input: 'Weather in Lisbon?',
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      metadata: { tenant: 'a' },
      user: 'u-1',
      store: true,
    });
    expect(validateResponseRequest(b.sent[0].body)).toBe(b.sent[0].body);
    expect(b.chats[0]).toEqual({
      model: 'phi-4-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Lisbon?' },
      ],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
    });
    expect(res.object).toBe('response');
    expect(res.id).toMatch(/^resp_[A-Za-z0-9]{40}$/);
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe(WEATHER);
    expect(res.output).toHaveLength(1);
    expect(res.output[0]).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
    });
    expect(res.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 6,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 18,
    });
    expect(res.metadata).toEqual({ tenant: 'a' });
    expect(res.instructions).toBe('Be brief.');
  });

  it('runs a function tool round trip: call -> function_call_output -> final answer', async () => {
    const b = backend();
    const client = openai(b);
    const tools = [
      {
        type: 'function' as const,
        name: 'get_weather',
        description: 'Current weather',
        parameters: weatherParams,
        strict: true,
      },
    ];
    const first = await client.responses.create({
      model: 'm',
      input: [{ role: 'user', content: 'Weather in Lisbon?' }],
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: false,
    });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({
      type: 'function_call',
      call_id: 'call_w1',
      name: 'get_weather',
      arguments: '{"city":"Lisbon"}',
      status: 'completed',
    });
    if (call?.type !== 'function_call') throw new Error('no function call');
    const second = await client.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: 'Weather in Lisbon?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' },
      ],
      tools,
    });
    expect(second.output_text).toBe(WEATHER);
    expect(b.chats[1].messages).toEqual([
      { role: 'user', content: 'Weather in Lisbon?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_w1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"sky":"clear"}' },
    ]);
    expect(b.chats[0].tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: weatherParams,
          strict: true,
        },
      },
    ]);
    expect(b.chats[0]).toMatchObject({ tool_choice: 'auto', parallel_tool_calls: false });
  });

  it('accepts images, json_schema text format, reasoning, previous_response_id and background', async () => {
    const b = backend();
    await openai(b).responses.create({
      model: 'm',
      previous_response_id: 'resp_prev',
      background: true,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
          ],
        },
      ],
      text: {
        format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      },
      reasoning: { effort: 'low' },
    });
    const body = validateResponseRequest(b.sent[0].body);
    expect(body.previous_response_id).toBe('resp_prev');
    expect(b.chats[0]).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            {
              type: 'image_url',
              image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
            },
          ],
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      reasoning_effort: 'low',
    });
  });

  it('reads incomplete_details when max_output_tokens cut the answer', async () => {
    const res = await openai(backend()).responses.create({
      model: 'm',
      input: 'hi',
      max_output_tokens: 2,
    });
    expect(res.status).toBe('incomplete');
    expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(res.output_text).toBe('It is');
  });

  it('surfaces a validation failure as BadRequestError naming the param', async () => {
    const call = openai(backend()).responses.create({
      model: 'm',
      input: 'x',
      tools: [{ type: 'web_search' }],
    });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toMatchObject({
      status: 400,
      param: 'tools[0].type',
      code: 'unsupported_value',
    });
  });
});

describe('the openai SDK: streamed responses', () => {
  it('raw events arrive in the documented order with increasing sequence numbers', async () => {
    const stream = await openai(backend()).responses.create({
      model: 'm',
      input: 'hi',
      stream: true,
    });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const ev of stream) events.push(ev);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(4, -4).every((t) => t === 'response.output_text.delta')).toBe(true);
    expect(types.slice(4, -4)).toHaveLength(WEATHER.split(' ').length);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_e, i) => i));
  });

  it('responses.stream() helpers: text deltas with snapshots, finalResponse()', async () => {
    const stream = openai(backend()).responses.stream({ model: 'm', input: 'hi' });
    const snapshots: string[] = [];
    stream.on('response.output_text.delta', (ev) => snapshots.push(ev.snapshot));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(WEATHER);
    expect(final.status).toBe('completed');
    expect(final.usage?.total_tokens).toBe(18);
    expect(snapshots[snapshots.length - 1]).toBe(WEATHER);
    expect(snapshots[0]).toBe('It');
  });

  it('streams a function call: arguments deltas and done, accumulated by the helper', async () => {
    const stream = openai(backend()).responses.stream({
      model: 'm',
      input: 'Weather?',
      tools: [{ type: 'function', name: 'get_weather', parameters: weatherParams, strict: true }],
    });
    const deltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (ev) => deltas.push(ev.delta));
    // openai 7's type for this event has no `name`, but the API sends it (and so do we).
    let done: unknown;
    stream.on('response.function_call_arguments.done', (ev) => (done = ev));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['{"city":', '"Lisbon"}']);
    expect(done).toMatchObject({ name: 'get_weather', arguments: '{"city":"Lisbon"}' });
    expect(final.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_w1',
        name: 'get_weather',
        arguments: '{"city":"Lisbon"}',
        status: 'completed',
      }),
    ]);
  });

  it('ends a failed stream with response.failed carrying the error (never a silent end)', async () => {
    const stream = openai(backend({ fail: true })).responses.stream({ model: 'm', input: 'hi' });
    const final = await stream.finalResponse();
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'server_error', message: 'the agent died' });
    expect(final.output[0]).toMatchObject({ type: 'message', status: 'incomplete' });
  });
});

describe('the OpenAI Agents SDK (tracing off)', () => {
  beforeAll(() => setTracingDisabled(true));

  /** A runner whose default (Responses) model talks to `b`. */
  function runner(b: Backend): Runner {
    const openAIClient = new OpenAI({
      baseURL: BASE_URL,
      apiKey: 'k',
      fetch: b.fetch,
      maxRetries: 0,
    });
    return new Runner({
      modelProvider: new OpenAIProvider({ openAIClient: openAIClient as never }),
    });
  }

  function agentWithWeather(calls: string[]): Agent {
    const getWeather = tool({
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return `clear sky over ${city}`;
      },
    });
    return new Agent({
      name: 'weather',
      instructions: 'Answer with the weather.',
      model: 'phi-4-mini',
      tools: [getWeather],
    });
  }

  it('runs an agent with one function tool to completion', async () => {
    const b = backend();
    const calls: string[] = [];
    const result = await runner(b).run(agentWithWeather(calls), 'Weather in Lisbon?');
    expect(result.finalOutput).toBe(WEATHER);
    expect(calls).toEqual(['Lisbon']);
    expect(b.sent).toHaveLength(2);
    for (const s of b.sent) expect(validateResponseRequest(s.body)).toBe(s.body);
    expect(b.chats[1].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
  });

  it('runs the same agent streamed', async () => {
    const b = backend();
    const calls: string[] = [];
    const result = await runner(b).run(agentWithWeather(calls), 'Weather in Lisbon?', {
      stream: true,
    });
    for await (const _ev of result) {
      // drained
    }
    await result.completed;
    expect(result.finalOutput).toBe(WEATHER);
    expect(calls).toEqual(['Lisbon']);
    expect(b.sent.map((s) => (s.body as { stream: boolean }).stream)).toEqual([true, true]);
  });
});

describe('the Vercel AI SDK (@ai-sdk/openai)', () => {
  function provider(b: Backend) {
    return createOpenAI({ baseURL: BASE_URL, apiKey: 'sk-test', fetch: b.fetch });
  }
  const weather = (calls: string[]) =>
    aiTool({
      description: 'Current weather of a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return { sky: 'clear' };
      },
    });

  it('generateText with the default Responses model', async () => {
    const b = backend();
    const out = await generateText({
      model: provider(b)('phi-4-mini'),
      system: 'Be brief.',
      prompt: 'Hi',
      maxRetries: 0,
    });
    expect(out.text).toBe(WEATHER);
    expect(out.finishReason).toBe('stop');
    expect(out.usage.inputTokens).toBe(12);
    expect(out.usage.outputTokens).toBe(6);
    expect(b.sent[0].url).toBe(`${BASE_URL}/responses`);
    expect(validateResponseRequest(b.sent[0].body)).toBe(b.sent[0].body);
  });

  it('generateText with a tool: two steps through function_call_output', async () => {
    const b = backend();
    const calls: string[] = [];
    const out = await generateText({
      model: provider(b)('phi-4-mini'),
      prompt: 'Weather in Lisbon?',
      tools: { get_weather: weather(calls) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(calls).toEqual(['Lisbon']);
    expect(out.text).toBe(WEATHER);
    expect(out.steps).toHaveLength(2);
    expect(b.chats[1].messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('streamText with the default Responses model, and a failed stream surfaces its error', async () => {
    const b = backend();
    const res = streamText({ model: provider(b)('phi-4-mini'), prompt: 'Hi', maxRetries: 0 });
    let text = '';
    for await (const t of res.textStream) text += t;
    expect(text).toBe(WEATHER);
    expect(await res.finishReason).toBe('stop');
    expect((b.sent[0].body as { stream: boolean }).stream).toBe(true);

    const errors: unknown[] = [];
    const failed = streamText({
      model: provider(backend({ fail: true }))('phi-4-mini'),
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    for await (const _t of failed.textStream) {
      // drained
    }
    expect(await failed.finishReason).toBe('error');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('generateText with .chat() goes to /chat/completions', async () => {
    const b = backend();
    const out = await generateText({ model: provider(b).chat('phi-4-mini'), prompt: 'Hi' });
    expect(out.text).toBe(WEATHER);
    expect(b.sent[0].url).toBe(`${BASE_URL}/chat/completions`);
  });
});

describe('responseObject', () => {
  it('fills OpenAI defaults for what the request left out', () => {
    const r: ResponseObject = responseObject(validateResponseRequest({ model: 'm', input: 'x' }));
    expect(r).toMatchObject({
      object: 'response',
      status: 'in_progress',
      background: false,
      parallel_tool_calls: true,
      store: true,
      temperature: 1,
      top_p: 1,
      tool_choice: 'auto',
      tools: [],
      text: { format: { type: 'text' }, verbosity: 'medium' },
      truncation: 'disabled',
      usage: null,
      metadata: {},
      previous_response_id: null,
    });
  });
});
