import { validateChatCompletionRequest } from './chat.validator';
import { OpenAIRequestError } from './openai.errors';
import { CHAT_BAD, CHAT_GOOD } from './chat-cases.fixture';

const user = { role: 'user', content: 'hi' };
const base = { model: 'm', messages: [user] };

/** Runs the validator and returns the error it threw (fails the test when it threw none). */
function rejectionOf(body: unknown): OpenAIRequestError {
  try {
    validateChatCompletionRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAIRequestError);
    return err as OpenAIRequestError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

describe('validateChatCompletionRequest: accepted bodies', () => {
  it.each(CHAT_GOOD)('%s', (_name, body) => {
    expect(validateChatCompletionRequest(body)).toBe(body);
  });

  it('keeps unknown fields, top-level and nested, untouched', () => {
    const body = {
      ...base,
      reasoning_effort: 'low',
      future_field: { nested: [1, 2] },
      messages: [{ role: 'user', content: 'x', cache_hint: 'y' }],
    };
    const copy = structuredClone(body);
    const req = validateChatCompletionRequest(body);
    expect(req).toEqual(copy);
    expect((req as Record<string, unknown>)['future_field']).toEqual({ nested: [1, 2] });
  });
});

describe('validateChatCompletionRequest: rejected bodies name the param', () => {
  it.each(CHAT_BAD)('%s', (_name, body, param, code) => {
    const err = rejectionOf(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
  });

  it.each([
    [
      { ...base, temperature: 3 },
      "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
    ],
    [
      { model: 'm', messages: [] },
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    ],
    [
      { model: 'm', messages: [{ role: 'bot', content: 'x' }] },
      "Invalid value: 'bot'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
    ],
    [
      { model: 'm', messages: [{ role: 'user', content: 5 }] },
      "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.",
    ],
    [{ messages: [user] }, "Missing required parameter: 'model'."],
    [
      { ...base, max_tokens: 0 },
      "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.",
    ],
  ])('reads like OpenAI: %j', (body, message) => {
    const err = rejectionOf(body);
    expect(err.message).toBe(message);
    expect(err.toBody()).toEqual({
      error: { message, type: 'invalid_request_error', param: err.param, code: err.code },
    });
  });

  it('reports the first offending message in order', () => {
    const body = {
      model: 'm',
      messages: [user, { role: 'user', content: 1 }, { role: 'nobody', content: 'x' }],
    };
    expect(rejectionOf(body).param).toBe('messages[1].content');
  });
});
