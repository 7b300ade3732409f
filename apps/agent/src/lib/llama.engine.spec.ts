import { EngineError } from '@dds/agent';
import { samplingParams, toChatHistory } from './llama.engine';

describe('toChatHistory', () => {
  it('maps OpenAI roles onto the chat history and ends with the turn to generate', () => {
    expect(
      toChatHistory([
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi ' },
            { type: 'text', text: 'there' },
          ],
        },
        { role: 'assistant', content: 'hello' },
        { role: 'tool', content: '42' },
      ]),
    ).toEqual([
      { type: 'system', text: 'be brief' },
      { type: 'user', text: 'hi there' },
      { type: 'model', response: ['hello'] },
      { type: 'user', text: '42' },
      { type: 'model', response: [] },
    ]);
  });

  it('joins consecutive turns of one role: chat templates expect them to alternate', () => {
    expect(
      toChatHistory([
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ]),
    ).toEqual([
      { type: 'user', text: 'a\nb' },
      { type: 'model', response: [] },
    ]);
  });

  it.each([
    [[], 'messages must be a non-empty array'],
    [[{ role: 'wizard', content: 'x' }], 'messages[0].role must be'],
    [[{ role: 'user', content: [{ type: 'image_url' }] }], 'text parts only'],
    [[{ role: 'user', content: 7 }], 'messages[0].content must be a string'],
  ])('refuses %j as a request error', (messages, message) => {
    expect(() => toChatHistory(messages)).toThrow(EngineError);
    expect(() => toChatHistory(messages)).toThrow(message);
    try {
      toChatHistory(messages);
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid_field', retryable: false });
    }
  });
});

describe('samplingParams', () => {
  it('defaults to OpenAI’s temperature 1 and no limit, stop or seed', () => {
    expect(samplingParams({})).toEqual({
      maxTokens: undefined,
      stop: [],
      temperature: 1,
      topP: undefined,
      seed: undefined,
    });
  });

  it('reads max_completion_tokens over max_tokens, stop as string or list, and wraps seeds to 32 bits', () => {
    expect(
      samplingParams({
        max_tokens: 5,
        max_completion_tokens: 7,
        stop: 'END',
        temperature: 0,
        top_p: 0.5,
        seed: -1,
      }),
    ).toEqual({ maxTokens: 7, stop: ['END'], temperature: 0, topP: 0.5, seed: 4294967295 });
    expect(samplingParams({ stop: ['a', ''] }).stop).toEqual(['a']);
  });

  it.each([
    [{ max_tokens: 0 }, 'max_tokens must be an integer >= 1'],
    [{ temperature: 3 }, 'temperature must be a number in [0, 2]'],
    [{ top_p: -1 }, 'top_p must be a number in [0, 1]'],
    [{ stop: [1] }, 'stop must be a string or an array of strings'],
    [{ seed: 1.5 }, 'seed must be an integer'],
  ])('refuses %j', (body, message) => {
    expect(() => samplingParams(body)).toThrow(message);
  });
});
