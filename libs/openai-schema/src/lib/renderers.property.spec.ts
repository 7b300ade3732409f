import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import OpenAI from 'openai';
import { anthropicMessage, AnthropicStreamRenderer } from './anthropic.renderer';
import type { ChatAnswer, ChatOutputEvent } from './chat-output.types';
import type { ToolCall } from './chat.types';
import { usage } from './response.builders';
import { completedResponse, responseObject, ResponseStreamRenderer } from './responses.renderer';
import type { ResponseObject } from './responses.types';
import { capturingFetch, sseResponse } from './sdk-fetch.fixture';
import { sseEventFrame } from './sse';

/**
 * For any chat answer as agents stream it (text deltas, then tool calls whose fragments may
 * interleave across calls), the streamed rendering, read back by the official SDK's own stream
 * accumulator, is the same object as the non-streamed rendering of the collected answer: a client
 * gets one answer whether it streams or not.
 */

interface Case {
  readonly events: ChatOutputEvent[];
  readonly finish: string;
}

const text = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const args = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean()),
  { maxKeys: 3 },
);

/** Splits `s` into 1..4 fragments at random points. */
const fragments = (s: string) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, s.length - 1) }), { maxLength: 3 })
    .map((cuts) => {
      const at = [0, ...cuts.filter((c) => c < s.length).sort((a, b) => a - b), s.length];
      const out: string[] = [];
      for (let i = 1; i < at.length; i++)
        if (at[i] > at[i - 1]) out.push(s.slice(at[i - 1], at[i]));
      return out.length ? out : [s];
    });

const call = (index: number) =>
  fc.tuple(fc.stringMatching(/^[a-z_]{1,10}$/), args).chain(([name, a]) =>
    fragments(JSON.stringify(a)).map((parts): ChatOutputEvent[] => [
      {
        type: 'tool-call',
        delta: { index, id: `call_${index}`, type: 'function', function: { name, arguments: '' } },
      },
      ...parts.map((p): ChatOutputEvent => ({
        type: 'tool-call',
        delta: { index, function: { arguments: p } },
      })),
    ]),
  );

const answer: fc.Arbitrary<Case> = fc
  .tuple(
    fc.array(text, { maxLength: 6 }),
    fc
      .integer({ min: 0, max: 2 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_v, i) => call(i)))),
    fc.boolean(),
  )
  .map(([texts, calls, interleave]) => {
    const head: ChatOutputEvent[] = texts.map((t) => ({ type: 'text', text: t }));
    let tail: ChatOutputEvent[];
    if (interleave && calls.length === 2) {
      // The first fragment of each call opens it; later fragments of both calls alternate.
      const [a, b] = calls as ChatOutputEvent[][];
      tail = [a[0], b[0]];
      for (let i = 1; i < Math.max(a.length, b.length); i++) {
        if (a[i]) tail.push(a[i]);
        if (b[i]) tail.push(b[i]);
      }
    } else {
      tail = (calls as ChatOutputEvent[][]).flat();
    }
    const finish = calls.length > 0 ? 'tool_calls' : texts.length % 2 ? 'length' : 'stop';
    return { events: [...head, ...tail], finish };
  });

function collect(events: readonly ChatOutputEvent[]): ChatAnswer {
  let content = '';
  const calls: ToolCall[] = [];
  for (const e of events) {
    if (e.type === 'text') content += e.text;
    else {
      const c = (calls[e.delta.index] ??= {
        id: '',
        type: 'function',
        function: { name: '', arguments: '' },
      });
      if (e.delta.id) c.id = e.delta.id;
      c.function.name += e.delta.function?.name ?? '';
      c.function.arguments += e.delta.function?.arguments ?? '';
    }
  }
  return { content, tool_calls: calls };
}

/** Item ids are random per rendering; everything else must match. */
function withoutItemIds(r: ResponseObject): unknown {
  return { ...r, output: r.output.map(({ id: _id, ...rest }) => rest) };
}

const u = usage(9, 4);

/** The wire object without the conveniences the SDK's helper adds (`output_text`, `parsed`...). */
function sdkFree(r: object): ResponseObject {
  const { output_text: _t, output_parsed: _p, ...wire } = JSON.parse(JSON.stringify(r));
  for (const item of wire.output) {
    if (item.type === 'message') for (const part of item.content) delete part.parsed;
    else delete item.parsed_arguments;
  }
  return wire;
}

describe('streamed and non-streamed renderings agree, as the SDKs read them', () => {
  it('Responses: responses.stream().finalResponse() equals the non-streamed response object', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ events, finish }) => {
        const base = responseObject({ model: 'm', input: 'x' });
        const r = new ResponseStreamRenderer(base);
        const all = [...r.start()];
        for (const e of events) all.push(...r.output(e));
        all.push(...r.finish(finish, u));
        expect(all.map((e) => e.sequence_number)).toEqual(all.map((_e, i) => i));
        const added = all.filter((e) => e.type === 'response.output_item.added').length;
        expect(all.filter((e) => e.type === 'response.output_item.done')).toHaveLength(added);

        const { fetch } = capturingFetch(() =>
          sseResponse(all.map((e) => sseEventFrame(e.type, e))),
        );
        const client = new OpenAI({
          baseURL: 'http://127.0.0.1:9/v1',
          apiKey: 'k',
          fetch,
          maxRetries: 0,
        });
        const streamed = await client.responses.stream({ model: 'm', input: 'x' }).finalResponse();
        const wire = sdkFree(streamed);
        const whole = completedResponse(base, collect(events), finish, u);
        expect(withoutItemIds(wire)).toEqual(withoutItemIds(whole));
        expect(r.response).toEqual(wire);
      }),
      { numRuns: 40 },
    );
  }, 30_000);

  it('Anthropic: messages.stream().finalMessage() equals the non-streamed message', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async ({ events, finish }) => {
        const r = new AnthropicStreamRenderer('m');
        const all = [...r.start()];
        for (const e of events) all.push(...r.output(e));
        all.push(...r.finish(finish, u));
        const { fetch } = capturingFetch(() =>
          sseResponse(all.map((e) => sseEventFrame(e.type, e))),
        );
        const client = new Anthropic({
          baseURL: 'http://127.0.0.1:9',
          apiKey: 'k',
          fetch,
          maxRetries: 0,
        });
        const streamed = await client.messages
          .stream({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
          .finalMessage();
        const whole = anthropicMessage({
          model: 'm',
          answer: collect(events),
          finishReason: finish,
          usage: u,
        });
        const { parsed_output: _p, ...wire } = JSON.parse(JSON.stringify(streamed));
        expect({ ...wire, id: whole.id }).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  }, 30_000);
});
