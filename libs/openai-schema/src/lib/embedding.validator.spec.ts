import { validateEmbeddingRequest } from './embedding.validator';
import { OpenAIRequestError } from './openai.errors';
import { EMBEDDING_BAD, EMBEDDING_GOOD } from './embedding-cases.fixture';

function rejectionOf(body: unknown): OpenAIRequestError {
  try {
    validateEmbeddingRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(OpenAIRequestError);
    return err as OpenAIRequestError;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

describe('validateEmbeddingRequest', () => {
  it.each(EMBEDDING_GOOD)('accepts %s', (_name, body) => {
    expect(validateEmbeddingRequest(body)).toBe(body);
  });

  it.each(EMBEDDING_BAD)('rejects %s', (_name, body, param, code) => {
    const err = rejectionOf(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
  });

  it('explains an unsupported encoding like OpenAI', () => {
    expect(rejectionOf({ model: 'e', input: 'a', encoding_format: 'int8' }).message).toBe(
      "Invalid value: 'int8'. Supported values are: 'float' and 'base64'.",
    );
  });
});
