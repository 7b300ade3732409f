import {
  AuthenticationError,
  BadGatewayError,
  ContextLengthExceededError,
  GatewayTimeoutError,
  InternalServerError,
  ModelNotFoundError,
  NotFoundError,
  OpenAIError,
  OpenAIRequestError,
  QueueFullError,
  RateLimitError,
  RequestTooLargeError,
  ServiceUnavailableError,
  errorBody,
  isErrorBody,
  toErrorBody,
  toOpenAIError,
} from './openai.errors';
import { parseJsonBody } from './json-body.parser';

describe('OpenAI error family', () => {
  it.each<[OpenAIError, number, string, string | null, string | null]>([
    [
      new OpenAIRequestError('bad', 'messages[2].content', 'invalid_type'),
      400,
      'invalid_request_error',
      'messages[2].content',
      'invalid_type',
    ],
    [
      new ContextLengthExceededError(4096, 5000),
      400,
      'invalid_request_error',
      'messages',
      'context_length_exceeded',
    ],
    [new AuthenticationError(), 401, 'invalid_request_error', null, 'invalid_api_key'],
    [new ModelNotFoundError('gpt-9'), 404, 'invalid_request_error', 'model', 'model_not_found'],
    [new NotFoundError('Unknown route'), 404, 'invalid_request_error', null, null],
    [new RequestTooLargeError(1024), 413, 'invalid_request_error', null, 'request_too_large'],
    [new RateLimitError(), 429, 'requests', null, 'rate_limit_exceeded'],
    [new QueueFullError(2), 429, 'requests', null, 'queue_full'],
    [new InternalServerError(), 500, 'server_error', null, null],
    [new BadGatewayError(), 502, 'server_error', null, 'bad_gateway'],
    [new ServiceUnavailableError(), 503, 'server_error', null, 'service_unavailable'],
    [new GatewayTimeoutError(), 504, 'server_error', null, 'timeout'],
  ])('%p carries status, type, param and code', (err, status, type, param, code) => {
    expect(err).toBeInstanceOf(OpenAIError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(err.constructor.name);
    expect(err.status).toBe(status);
    expect(toErrorBody(err)).toEqual({ error: { message: err.message, type, param, code } });
    expect(JSON.parse(JSON.stringify(err))).toEqual(err.toBody());
  });

  it('words model_not_found and context length like OpenAI', () => {
    expect(new ModelNotFoundError('gpt-9').message).toBe(
      'The model `gpt-9` does not exist or you do not have access to it.',
    );
    expect(new ContextLengthExceededError(4096, 5000).message).toBe(
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. Please reduce the length of the messages or completion.",
    );
  });

  it('keeps retry hints for 429 and 503', () => {
    expect(new QueueFullError(3).retryAfterSeconds).toBe(3);
    expect(new QueueFullError()).toBeInstanceOf(RateLimitError);
    expect(new ServiceUnavailableError(undefined, 5).retryAfterSeconds).toBe(5);
  });

  it('turns anything else into a 500 that does not leak the internal message', () => {
    const secret = new Error('db password is hunter2');
    const mapped = toOpenAIError(secret);
    expect(mapped).toBeInstanceOf(InternalServerError);
    expect(mapped.status).toBe(500);
    expect(JSON.stringify(toErrorBody(secret))).not.toContain('hunter2');
    expect(toErrorBody('boom').error.type).toBe('server_error');
    expect(toErrorBody(undefined).error.type).toBe('server_error');
  });

  it('builds bodies with null defaults', () => {
    expect(errorBody('m', 't')).toEqual({
      error: { message: 'm', type: 't', param: null, code: null },
    });
  });

  it('recognises error bodies', () => {
    expect(isErrorBody(errorBody('m', 't', 'p', 'c'))).toBe(true);
    expect(isErrorBody({ error: { message: 'm' } })).toBe(false);
    expect(isErrorBody({ error: 'm' })).toBe(false);
    expect(isErrorBody(null)).toBe(false);
    expect(isErrorBody({ id: 'chatcmpl-1' })).toBe(false);
  });
});

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"a":[1]}')).toEqual({ a: [1] });
  });

  it.each(['', '{', '{"a":}', 'nope'])('rejects %j as a 400 invalid_request_error', (text) => {
    expect(() => parseJsonBody(text)).toThrow(OpenAIRequestError);
    try {
      parseJsonBody(text);
    } catch (err) {
      expect((err as OpenAIRequestError).toBody().error).toMatchObject({
        type: 'invalid_request_error',
        param: null,
        message: expect.stringMatching(/^We could not parse the JSON body of your request\./),
      });
    }
  });
});
