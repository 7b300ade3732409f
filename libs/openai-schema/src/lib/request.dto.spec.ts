import fc from 'fast-check';
import { CHAT_BAD, CHAT_GOOD } from './chat-cases.fixture';
import { validateChatCompletionRequest } from './chat.validator';
import { EMBEDDING_BAD, EMBEDDING_GOOD } from './embedding-cases.fixture';
import { validateEmbeddingRequest } from './embedding.validator';
import { OpenAIRequestError } from './openai.errors';
import {
  ChatCompletionRequestDto,
  ChatMessageDto,
  EmbeddingRequestDto,
  validateChatCompletionDto,
  validateEmbeddingDto,
} from './request.dto';

/** Accepts (true) or rejects (false) with an OpenAIRequestError; any other throw fails the test. */
function verdict(validate: (b: unknown) => unknown, body: unknown): boolean {
  try {
    validate(body);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAIRequestError);
    return false;
  }
}

describe('class-validator DTOs agree with the fast validators', () => {
  it.each(CHAT_GOOD)('chat accepts %s', (_name, body) => {
    const dto = validateChatCompletionDto(body);
    expect(dto).toBeInstanceOf(ChatCompletionRequestDto);
    expect(dto.messages[0]).toBeInstanceOf(ChatMessageDto);
  });

  it.each(CHAT_BAD)('chat rejects %s', (_name, body, param) => {
    expect(verdict(validateChatCompletionDto, body)).toBe(false);
    try {
      validateChatCompletionDto(body);
    } catch (err) {
      const e = err as OpenAIRequestError;
      expect(e.status).toBe(400);
      // Union rules are checked whole by the DTOs, so they may name a parent of the fast validator's param.
      if (param !== null) expect(param.startsWith(e.param ?? '\0')).toBe(true);
    }
  });

  it.each(EMBEDDING_GOOD)('embedding accepts %s', (_name, body) => {
    expect(validateEmbeddingDto(body)).toBeInstanceOf(EmbeddingRequestDto);
  });

  it.each(EMBEDDING_BAD)('embedding rejects %s', (_name, body) => {
    expect(verdict(validateEmbeddingDto, body)).toBe(false);
  });

  it('keeps unknown fields on the DTO', () => {
    const dto = validateChatCompletionDto({
      model: 'm',
      messages: [{ role: 'user', content: 'x', hint: 1 }],
      new_field: [1],
    });
    expect(dto['new_field']).toEqual([1]);
    expect(dto.messages[0]['hint']).toBe(1);
  });

  it('gives the same verdict on random scalar values in every top-level field', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -200, max: 200 }),
      fc.double({ min: -5, max: 5, noNaN: true }),
      fc.constantFrom('', 'auto', 'none', 'required', 'text', 'END'),
      fc.array(fc.constantFrom('a', 'b', 1), { maxLength: 6 }),
      fc.constantFrom({}, { type: 'text' }, { include_usage: true }, { '1': 5 }, { a: 'b' }),
    );
    const keys = [
      'stream',
      'stream_options',
      'temperature',
      'top_p',
      'max_tokens',
      'max_completion_tokens',
      'stop',
      'n',
      'seed',
      'user',
      'tool_choice',
      'parallel_tool_calls',
      'response_format',
      'presence_penalty',
      'frequency_penalty',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'metadata',
    ];
    fc.assert(
      fc.property(fc.record(Object.fromEntries(keys.map((k) => [k, value]))), (fields) => {
        const body = { model: 'm', messages: [{ role: 'user', content: 'x' }], ...fields };
        expect(verdict(validateChatCompletionDto, body)).toBe(
          verdict(validateChatCompletionRequest, body),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same verdict on random messages', () => {
    const part = fc.oneof(
      fc.record({
        type: fc.constantFrom('text', 'refusal', 'image_url', 'x'),
        text: fc.constantFrom('t', 1),
      }),
      fc.record({
        type: fc.constant('image_url'),
        image_url: fc.oneof(
          fc.constant('u'),
          fc.record({
            url: fc.constantFrom('u', ''),
            detail: fc.constantFrom('low', 'max', undefined),
          }),
        ),
      }),
      fc.record({ type: fc.constant('refusal'), refusal: fc.constantFrom('no', null) }),
    );
    const message = fc.record(
      {
        role: fc.constantFrom(
          'system',
          'developer',
          'user',
          'assistant',
          'tool',
          'function',
          'bot',
        ),
        content: fc.oneof(
          fc.constant(null),
          fc.constantFrom('hi', ''),
          fc.array(part, { maxLength: 3 }),
          fc.integer(),
        ),
        name: fc.constantFrom('n', 1, null),
        tool_call_id: fc.constantFrom('c', 2),
        tool_calls: fc.oneof(
          fc.constant([]),
          fc.constant([{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }]),
          fc.constant([{ id: 'c', type: 'function', function: { name: 'f' } }]),
        ),
      },
      { requiredKeys: ['role'] },
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), (messages) => {
        const body = { model: 'm', messages };
        expect(verdict(validateChatCompletionDto, body)).toBe(
          verdict(validateChatCompletionRequest, body),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same verdict on random embedding inputs', () => {
    const input = fc.oneof(
      fc.constantFrom('', 'a', 5, null),
      fc.array(
        fc.oneof(
          fc.constantFrom('', 'a'),
          fc.integer({ min: -2, max: 9 }),
          fc.double({ min: 0, max: 3, noNaN: true }),
        ),
        { maxLength: 4 },
      ),
      fc.array(fc.array(fc.integer({ min: -1, max: 9 }), { maxLength: 3 }), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(
        input,
        fc.constantFrom(undefined, 'float', 'base64', 'hex'),
        fc.constantFrom(undefined, 0, 8, 1.5),
        (i, enc, dim) => {
          const body = { model: 'e', input: i, encoding_format: enc, dimensions: dim };
          expect(verdict(validateEmbeddingDto, body)).toBe(verdict(validateEmbeddingRequest, body));
        },
      ),
      { numRuns: 300 },
    );
  });
});
