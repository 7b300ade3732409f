import { createOpenAI } from '@ai-sdk/openai';
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import { generateText, stepCountIs, streamText, tool as aiTool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/**
 * The Responses API and legacy completions through the clients that call them — the official
 * `openai` SDK, the OpenAI Agents SDK and the Vercel AI SDK — against a real gateway over real
 * simulator agents on DDS.
 */

const DOMAIN = '140';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0'];
/** Answers this long, so `max_output_tokens` below it is a cut. */
const TOKENS = 12;

const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

interface Listing {
  id: string;
  in_flight: number;
}

describe('Responses API and legacy completions over a DDS fleet', () => {
  const sims: SimulatorProcess[] = [];
  let gateway: Gateway;
  let client: OpenAI;
  const common = [
    '--dds-domain',
    DOMAIN,
    '--port',
    '0',
    '--timeout',
    '2',
    '--heartbeat-interval',
    '0.25',
  ];

  async function agents(): Promise<Listing[]> {
    return ((await (await fetch(`${gateway.url}/api/v1/agents`)).json()) as { data: Listing[] })
      .data;
  }

  beforeAll(async () => {
    const track = (started: Promise<SimulatorProcess>) => started.then((s) => (sims.push(s), s));
    await Promise.all(
      [
        SimulatorProcess.start([
          ...common,
          '--id-prefix',
          'a140-',
          '--count',
          '2',
          '--model',
          'phi-4-mini',
          ...FAST,
          '--output-tokens',
          String(TOKENS),
        ]),
        // Slow enough for a background response to be cancelled while the agent generates.
        SimulatorProcess.start([
          ...common,
          '--id-prefix',
          'a140s-',
          '--count',
          '1',
          '--model',
          'slow-model',
          '--ttft-ms',
          '0',
          '--decode-tps',
          '10',
          '--output-tokens',
          '300',
        ]),
      ].map(track),
    );
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: '2',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor('the three agents', async () => (await agents()).length === 3);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  describe('the openai SDK: responses', () => {
    it('create: a completed response with output_text and usage', async () => {
      const r = await client.responses.create({
        model: 'phi-4-mini',
        instructions: 'Be brief.',
        input: 'Olá!',
        metadata: { suite: 'e2e' },
      });
      expect(r).toMatchObject({
        object: 'response',
        status: 'completed',
        model: 'phi-4-mini',
        instructions: 'Be brief.',
        metadata: { suite: 'e2e' },
        error: null,
      });
      expect(r.output).toHaveLength(1);
      expect(r.output[0]).toMatchObject({
        type: 'message',
        role: 'assistant',
        status: 'completed',
      });
      expect(r.output_text.split(' ')).toHaveLength(TOKENS);
      expect(r.usage?.output_tokens).toBe(TOKENS);
      expect(r.usage?.total_tokens).toBe((r.usage?.input_tokens ?? 0) + TOKENS);
    });

    it('max_output_tokens cuts the answer: status incomplete with incomplete_details', async () => {
      const r = await client.responses.create({
        model: 'phi-4-mini',
        input: 'x',
        max_output_tokens: 3,
      });
      expect(r.status).toBe('incomplete');
      expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
      expect(r.usage?.output_tokens).toBe(3);
    });

    it('stream: raw events in the documented order, numbered from 0', async () => {
      const stream = await client.responses.create({
        model: 'phi-4-mini',
        input: 'Conte',
        stream: true,
      });
      const events: Array<{ type: string; sequence_number: number }> = [];
      for await (const ev of stream) events.push(ev);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_e, i) => i));
      const types = events.map((e) => e.type);
      expect(types).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array(TOKENS).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
    });

    it('stream: responses.stream() helpers give the deltas and the final response', async () => {
      const stream = client.responses.stream({ model: 'phi-4-mini', input: 'Conte' });
      let deltas = '';
      stream.on('response.output_text.delta', (ev) => (deltas += ev.delta));
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output_text).toBe(deltas);
      expect(final.usage?.output_tokens).toBe(TOKENS);
      // Stored: retrievable as it streamed.
      const got = await client.responses.retrieve(final.id);
      expect(got.output_text).toBe(deltas);
    });

    it('a function tool round trip: call -> function_call_output -> final answer', async () => {
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
        model: 'phi-4-mini',
        input: 'Use get_weather for Lisbon',
        tools,
      });
      const call = first.output.find((o) => o.type === 'function_call');
      if (call?.type !== 'function_call')
        throw new Error(`no function call: ${JSON.stringify(first.output)}`);
      expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
      expect(JSON.parse(call.arguments)).toHaveProperty('city');
      const second = await client.responses.create({
        model: 'phi-4-mini',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' }],
        tools,
      });
      expect(second.status).toBe('completed');
      expect(second.output.map((o) => o.type)).toEqual(['message']);
      expect(second.output_text.length).toBeGreaterThan(0);
      expect(second.previous_response_id).toBe(first.id);
      // The conversation the agent saw: the user turn, the call, its output.
      const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
      expect(items.data.map((i) => i.type)).toEqual([
        'message',
        'function_call',
        'function_call_output',
      ]);
    });

    it('previous_response_id chains the conversation; the agent sees the earlier turns', async () => {
      const first = await client.responses.create({
        model: 'phi-4-mini',
        input: 'My name is Ana.',
      });
      const second = await client.responses.create({
        model: 'phi-4-mini',
        previous_response_id: first.id,
        input: 'What is my name?',
      });
      // Prompt tokens grow by the earlier turn: input + output of the first response.
      expect(second.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? 0);
      const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
      expect(items.data.map((i) => (i.type === 'message' ? i.role : i.type))).toEqual([
        'user',
        'assistant',
        'user',
      ]);
      await expect(
        client.responses.create({
          model: 'phi-4-mini',
          previous_response_id: 'resp_nope',
          input: 'x',
        }),
      ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
    });

    it('retrieve and delete; a deleted or unknown response is a 404', async () => {
      const r = await client.responses.create({ model: 'phi-4-mini', input: 'keep me' });
      expect((await client.responses.retrieve(r.id)).id).toBe(r.id);
      await client.responses.delete(r.id);
      await expect(client.responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(client.responses.delete(r.id)).rejects.toMatchObject({ status: 404 });
      // store: false is not kept at all.
      const gone = await client.responses.create({ model: 'phi-4-mini', input: 'x', store: false });
      await expect(client.responses.retrieve(gone.id)).rejects.toMatchObject({ status: 404 });
    });

    it('background: queued at once, completes, retrievable', async () => {
      const r = await client.responses.create({
        model: 'phi-4-mini',
        input: 'later',
        background: true,
      });
      expect(r.status).toBe('queued');
      expect(r.background).toBe(true);
      let done = r;
      await waitFor('the background response to complete', async () => {
        done = await client.responses.retrieve(r.id);
        return done.status === 'completed';
      });
      expect(done.output_text.split(' ')).toHaveLength(TOKENS);
    });

    it('background + cancel: cancelled, and the cancel reaches the agent', async () => {
      const r = await client.responses.create({
        model: 'slow-model',
        input: 'a long one',
        background: true,
      });
      await waitFor('the slow agent to be generating', async () =>
        (await agents()).some((a) => a.id.startsWith('a140s-') && a.in_flight === 1),
      );
      expect((await client.responses.retrieve(r.id)).status).toBe('in_progress');
      const cancelled = await client.responses.cancel(r.id);
      expect(cancelled.status).toBe('cancelled');
      await waitFor('the agent to stop', async () =>
        (await agents()).every((a) => !a.id.startsWith('a140s-') || a.in_flight === 0),
      );
      expect((await client.responses.retrieve(r.id)).status).toBe('cancelled');
      // Cancelling again answers the cancelled response; a finished one cannot be cancelled.
      expect((await client.responses.cancel(r.id)).status).toBe('cancelled');
      const plain = await client.responses.create({ model: 'phi-4-mini', input: 'x' });
      await expect(client.responses.cancel(plain.id)).rejects.toMatchObject({ status: 400 });
    });
  });

  describe('the openai SDK: legacy completions', () => {
    it('completions.create: text, finish_reason, usage', async () => {
      const r = await client.completions.create({
        model: 'phi-4-mini',
        prompt: 'Say this is a test',
        max_tokens: 5,
      });
      expect(r.object).toBe('text_completion');
      expect(r.choices).toHaveLength(1);
      expect(r.choices[0]).toMatchObject({ index: 0, finish_reason: 'length', logprobs: null });
      expect(r.usage?.completion_tokens).toBe(5);
    });

    it('several prompts: one choice each; echo prepends the prompt', async () => {
      const r = await client.completions.create({
        model: 'phi-4-mini',
        prompt: ['One', 'Two'],
        echo: true,
      });
      expect(r.choices.map((c) => c.index)).toEqual([0, 1]);
      expect(r.choices[0].text.startsWith('One')).toBe(true);
      expect(r.choices[1].text.startsWith('Two')).toBe(true);
      expect(r.usage?.completion_tokens).toBe(2 * TOKENS);
    });

    it('completions.create streamed, with the usage chunk', async () => {
      const stream = await client.completions.create({
        model: 'phi-4-mini',
        prompt: 'Count',
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      const last = chunks[chunks.length - 1];
      expect(last.choices).toEqual([]);
      expect(last.usage?.completion_tokens).toBe(TOKENS);
      const content = chunks.slice(0, -1);
      expect(
        content
          .map((c) => c.choices[0].text)
          .join('')
          .split(' '),
      ).toHaveLength(TOKENS);
      expect(content[content.length - 1].choices[0].finish_reason).toBe('stop');
    });
  });

  describe('the OpenAI Agents SDK (tracing off)', () => {
    it('an agent with one function tool runs to completion', async () => {
      setTracingDisabled(true);
      setDefaultOpenAIClient(
        new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 }) as never,
      );
      const cities: string[] = [];
      const agent = new Agent({
        name: 'weather',
        instructions: 'Answer with the weather.',
        model: 'phi-4-mini',
        tools: [
          tool({
            name: 'get_weather',
            description: 'Current weather of a city',
            parameters: z.object({ city: z.string() }),
            execute: async ({ city }) => {
              cities.push(city);
              return `clear sky over ${city}`;
            },
          }),
        ],
      });
      const result = await run(agent, 'Use get_weather for Lisbon');
      expect(cities).toHaveLength(1);
      expect(typeof result.finalOutput).toBe('string');
      expect((result.finalOutput as string).split(' ')).toHaveLength(TOKENS);
    });
  });

  describe('the Vercel AI SDK', () => {
    const provider = () => createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none' });

    it('generateText with the default Responses model, and with a tool loop', async () => {
      const out = await generateText({
        model: provider()('phi-4-mini'),
        prompt: 'Olá',
        maxRetries: 0,
      });
      expect(out.text.split(' ')).toHaveLength(TOKENS);
      expect(out.finishReason).toBe('stop');
      expect(out.usage.outputTokens).toBe(TOKENS);

      const cities: string[] = [];
      const looped = await generateText({
        model: provider()('phi-4-mini'),
        prompt: 'Use get_weather for Lisbon',
        tools: {
          get_weather: aiTool({
            description: 'Current weather of a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => {
              cities.push(city);
              return { sky: 'clear' };
            },
          }),
        },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      expect(cities).toHaveLength(1);
      expect(looped.steps).toHaveLength(2);
      expect(looped.text.split(' ')).toHaveLength(TOKENS);
    });

    it('streamText with the default Responses model', async () => {
      const res = streamText({ model: provider()('phi-4-mini'), prompt: 'Conte', maxRetries: 0 });
      let text = '';
      for await (const t of res.textStream) text += t;
      expect(text.split(' ')).toHaveLength(TOKENS);
      expect(await res.finishReason).toBe('stop');
    });

    it('generateText and streamText with .chat()', async () => {
      const out = await generateText({
        model: provider().chat('phi-4-mini'),
        prompt: 'Olá',
        maxRetries: 0,
      });
      expect(out.text.split(' ')).toHaveLength(TOKENS);
      const res = streamText({
        model: provider().chat('phi-4-mini'),
        prompt: 'Conte',
        maxRetries: 0,
      });
      let text = '';
      for await (const t of res.textStream) text += t;
      expect(text.split(' ')).toHaveLength(TOKENS);
    });
  });

  describe('malformed bodies: 400 in OpenAI shape, naming the field', () => {
    it.each([
      [
        'responses',
        { model: 'phi-4-mini', input: 'x', tools: [{ type: 'web_search' }] },
        'tools[0].type',
      ],
      ['responses', { model: 'phi-4-mini', input: [{ role: 'user' }] }, 'input[0].content'],
      [
        'responses',
        { model: 'phi-4-mini', input: 'x', max_output_tokens: 99999999 },
        'max_output_tokens',
      ],
      ['completions', { model: 'phi-4-mini', prompt: 'x', suffix: 'y' }, 'suffix'],
      ['completions', { model: 'phi-4-mini' }, 'prompt'],
    ])('POST /v1/%s %j', async (route, body, param) => {
      const res = await fetch(`${gateway.url}/v1/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const err = (await res.json()) as { error: { type: string; param: string; message: string } };
      expect(err.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(err.error.message.length).toBeGreaterThan(0);
    });

    it('malformed JSON is a 400 OpenAI error body', async () => {
      const res = await fetch(`${gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe(
        'invalid_request_error',
      );
    });
  });

  it('counts each API under its own endpoint in gateway_requests_total', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    for (const endpoint of ['responses', 'completions']) {
      expect(metrics).toMatch(
        new RegExp(
          `gateway_requests_total\\{endpoint="${endpoint}",model="phi-4-mini",agent="a140-[^"]+",status="200"\\} \\d+`,
        ),
      );
    }
  });
});
