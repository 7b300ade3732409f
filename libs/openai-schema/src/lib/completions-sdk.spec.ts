import OpenAI from 'openai';
import type { ChatCompletionRequest } from './chat.types';
import { validateChatCompletionRequest } from './chat.validator';
import {
  CompletionChunkBuilder,
  completionChatRequest,
  completionPrompts,
  DEFAULT_COMPLETION_MAX_TOKENS,
  sumUsage,
  textCompletion,
} from './completions.translator';
import { validateCompletionRequest } from './completions.validator';
import { OpenAIRequestError } from './openai.errors';
import { usage } from './response.builders';
import { capturingFetch, jsonResponse, sseResponse } from './sdk-fetch.fixture';
import { SSE_DONE_FRAME, sseFrame } from './sse';

/**
 * Legacy completions through the official SDK's `completions.create`, against this library's
 * pipeline in process: one chat request per prompt, the answers rendered back as a
 * `text_completion` (or its chunks), `echo` prepending the prompt.
 */

function words(prompt: string, max: number): { text: string[]; finish: string } {
  const all = `Answer to ${prompt}.`.split(/(?= )/);
  return { text: all.slice(0, max), finish: all.length > max ? 'length' : 'stop' };
}

function backend() {
  const chats: ChatCompletionRequest[] = [];
  const { fetch, sent } = capturingFetch((req) => {
    try {
      const body = validateCompletionRequest(req.body);
      const prompts = completionPrompts(body);
      const answers = prompts.map((p) => {
        const chat = completionChatRequest(body, p);
        validateChatCompletionRequest(chat);
        chats.push(chat);
        return { prompt: p, ...words(p, chat.max_tokens as number), usage: usage(3, 2) };
      });
      const echo = (a: { prompt: string }) => (body.echo ? a.prompt : '');
      const total = sumUsage(answers.map((a) => a.usage));
      if (body.stream !== true) {
        return jsonResponse(
          textCompletion({
            model: body.model,
            choices: answers.map((a) => ({
              text: echo(a) + a.text.join(''),
              finishReason: a.finish,
            })),
            usage: total,
          }),
        );
      }
      const c = new CompletionChunkBuilder(body.model, body.stream_options?.include_usage === true);
      const frames: string[] = [];
      answers.forEach((a, i) => {
        if (body.echo) frames.push(sseFrame(c.text(i, a.prompt)));
        for (const t of a.text) frames.push(sseFrame(c.text(i, t)));
        frames.push(sseFrame(c.finish(i, a.finish)));
      });
      if (body.stream_options?.include_usage) frames.push(sseFrame(c.usage(total)));
      return sseResponse([...frames, SSE_DONE_FRAME]);
    } catch (err) {
      const e = err as OpenAIRequestError;
      return jsonResponse(e.toBody(), e.status);
    }
  });
  const client = new OpenAI({
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'k',
    fetch,
    maxRetries: 0,
  });
  return { client, sent, chats };
}

describe('the openai SDK: completions.create', () => {
  it('plain: one prompt as one user message, OpenAI default max_tokens, usage', async () => {
    const b = backend();
    const res = await b.client.completions.create({
      model: 'phi-4-mini',
      prompt: 'Say hi',
      stop: ['\n'],
      temperature: 0.3,
      seed: 7,
    });
    expect(validateCompletionRequest(b.sent[0].body)).toBe(b.sent[0].body);
    expect(b.chats[0]).toEqual({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: DEFAULT_COMPLETION_MAX_TOKENS,
      stop: ['\n'],
      temperature: 0.3,
      seed: 7,
    });
    expect(res.object).toBe('text_completion');
    expect(res.id).toMatch(/^cmpl-[A-Za-z0-9]{29}$/);
    expect(res.choices).toEqual([
      { text: 'Answer to Say hi.', index: 0, logprobs: null, finish_reason: 'stop' },
    ]);
    expect(res.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('several prompts give one choice each, in order; echo prepends the prompt', async () => {
    const b = backend();
    const res = await b.client.completions.create({
      model: 'm',
      prompt: ['One', 'Two'],
      echo: true,
      max_tokens: 2,
    });
    expect(res.choices.map((c) => [c.index, c.text, c.finish_reason])).toEqual([
      [0, 'OneAnswer to', 'length'],
      [1, 'TwoAnswer to', 'length'],
    ]);
    expect(res.usage?.total_tokens).toBe(10);
    expect(b.chats.map((c) => c.messages[0].content)).toEqual(['One', 'Two']);
  });

  it('streamed: text chunks per choice, finish_reason last, usage chunk with include_usage', async () => {
    const stream = await backend().client.completions.create({
      model: 'm',
      prompt: 'Count',
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    const content = chunks.slice(0, -1);
    expect(content.map((c) => c.choices[0].text).join('')).toBe('Answer to Count.');
    expect(content.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    expect(content.every((c) => c.usage === null && c.object === 'text_completion')).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it.each([
    ['suffix', { suffix: 'end' }, 'suffix', 'unsupported_value'],
    ['token-id prompt', { prompt: [1, 2, 3] }, 'prompt', 'unsupported_value'],
    ['token-id prompts', { prompt: [[1, 2]] }, 'prompt[0]', 'unsupported_value'],
    ['n above 1', { n: 2 }, 'n', 'unsupported_value'],
    ['best_of above 1', { best_of: 3 }, 'best_of', 'unsupported_value'],
    ['logprobs', { logprobs: 2 }, 'logprobs', 'unsupported_value'],
    ['no prompt', { prompt: undefined }, 'prompt', 'missing_required_parameter'],
    ['empty prompt list', { prompt: [] }, 'prompt', 'empty_array'],
    ['too many prompts', { prompt: Array(17).fill('x') }, 'prompt', 'array_above_max_length'],
    ['bad max_tokens', { max_tokens: 0 }, 'max_tokens', 'integer_below_min_value'],
    ['five stops', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'array_above_max_length'],
    [
      'stream_options without stream',
      { stream_options: { include_usage: true } },
      'stream_options',
      'invalid_value',
    ],
  ])('refuses %s clearly, naming the param', async (_name, extra, param, code) => {
    const call = backend().client.completions.create({
      model: 'm',
      prompt: 'p',
      ...extra,
    } as never);
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toMatchObject({ status: 400, param, code });
  });
});
