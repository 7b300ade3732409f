import fc from 'fast-check';
import { validateChatCompletionRequest } from './chat.validator';
import { validateEmbeddingRequest } from './embedding.validator';
import { OpenAIRequestError } from './openai.errors';

/** Either the body comes back unchanged or an OpenAIRequestError is thrown; nothing else may happen. */
function outcome(validate: (b: unknown) => unknown, body: unknown): 'ok' | 'rejected' {
  const before = JSON.stringify(body);
  try {
    expect(validate(body)).toBe(body);
    return 'ok';
  } catch (err) {
    if (!(err instanceof OpenAIRequestError)) throw err;
    expect(err.status).toBe(400);
    expect(err.toBody().error.message.length).toBeGreaterThan(0);
    return 'rejected';
  } finally {
    expect(JSON.stringify(body)).toBe(before);
  }
}

describe('validators on arbitrary JSON', () => {
  it('never crash, never mutate, only accept or reject with an OpenAI error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        outcome(validateChatCompletionRequest, v);
        outcome(validateEmbeddingRequest, v);
      }),
      { numRuns: 500 },
    );
  });

  it('hold up when any field of a valid chat body is replaced by arbitrary JSON', () => {
    const valid = {
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'u' } }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'n' } },
      stop: ['x'],
    };
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        outcome(validateChatCompletionRequest, { ...valid, [key]: value });
      }),
      { numRuns: 500 },
    );
  });

  it('reject deeply nested input cleanly', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 3_000; i++) deep = [deep];
    expect(outcome(validateChatCompletionRequest, { model: 'm', messages: deep })).toBe('rejected');
    expect(outcome(validateEmbeddingRequest, { model: 'e', input: deep })).toBe('rejected');
  });
});
