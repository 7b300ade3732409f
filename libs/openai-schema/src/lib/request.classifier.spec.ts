import type { ChatCompletionRequest } from './chat.types';
import {
  countEmbeddingInputs,
  countMessages,
  embeddingTexts,
  isEmbeddingRequest,
  messageText,
  promptText,
  requiresTools,
  requiresVision,
} from './request.classifier';

const req = (extra: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('requiresVision', () => {
  it('is true only when some message has an image part', () => {
    expect(requiresVision(req({}))).toBe(false);
    expect(
      requiresVision(req({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }] }] })),
    ).toBe(false);
    expect(
      requiresVision(
        req({
          messages: [
            { role: 'system', content: 's' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'a' },
                { type: 'image_url', image_url: { url: 'u' } },
              ],
            },
          ],
        }),
      ),
    ).toBe(true);
  });
});

describe('requiresTools', () => {
  const tools = [{ type: 'function' as const, function: { name: 'f' } }];
  it.each<[Partial<ChatCompletionRequest>, boolean]>([
    [{}, false],
    [{ tools: [] }, false],
    [{ tools: null }, false],
    [{ tools }, true],
    [{ tools, tool_choice: 'auto' }, true],
    [{ tools, tool_choice: 'none' }, false],
  ])('%j -> %s', (extra, expected) => {
    expect(requiresTools(req(extra))).toBe(expected);
  });
});

describe('isEmbeddingRequest', () => {
  it.each<[unknown, boolean]>([
    [{ model: 'e', input: 'a' }, true],
    [{ model: 'm', messages: [] }, false],
    [{ model: 'm', messages: [], input: 'a' }, false],
    [null, false],
    ['input', false],
  ])('%j -> %s', (body, expected) => {
    expect(isEmbeddingRequest(body)).toBe(expected);
  });
});

describe('prompt text', () => {
  const r = req({
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'u' } },
          { type: 'text', text: 'what is it?' },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c', type: 'function', function: { name: 'see', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c', content: 'a cat' },
    ],
  });

  it('joins roles and text, skipping non-text parts and keeping tool calls', () => {
    expect(promptText(r)).toBe(
      'system: Be brief.\nuser: Look:\nwhat is it?\nassistant: see({"x":1})\ntool: a cat',
    );
  });

  it('is prefix-stable: appending a message only appends text', () => {
    const longer = { ...r, messages: [...r.messages, { role: 'user' as const, content: 'more' }] };
    expect(promptText(longer).startsWith(promptText(r))).toBe(true);
  });

  it('extracts one message text and counts messages', () => {
    expect(messageText({ role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] })).toBe(
      'no',
    );
    expect(messageText({ role: 'function', name: 'f', content: null })).toBe('');
    expect(countMessages(r)).toBe(4);
  });
});

describe('embedding inputs', () => {
  it.each<[unknown, string[], number]>([
    ['a', ['a'], 1],
    [['a', 'b'], ['a', 'b'], 2],
    [[1, 2, 3], [], 1],
    [[[1], [2]], [], 2],
  ])('%j', (input, texts, count) => {
    const r = { input: input as string };
    expect(embeddingTexts(r)).toEqual(texts);
    expect(countEmbeddingInputs(r)).toBe(count);
  });
});
