import { OpenAIRequestError } from '@dds/openai-schema';
import type { CompletionService } from './completion.service';
import { dottedPath, TranslatedRequests } from './translated-requests.service';

/** A CompletionService whose prepareChat refuses with `err` (the chat rules are tested elsewhere). */
function refusing(err: Error): TranslatedRequests {
  const completions = {
    prepareChat: () => {
      throw err;
    },
  } as unknown as CompletionService;
  return new TranslatedRequests(completions);
}

function refusal(t: TranslatedRequests, rename: (p: string) => string): OpenAIRequestError {
  try {
    t.prepare({ model: 'm', messages: [] }, {}, rename);
  } catch (err) {
    return err as OpenAIRequestError;
  }
  throw new Error('expected a refusal');
}

describe('TranslatedRequests.prepare', () => {
  it("names the client's field in a refusal of the translated body", () => {
    const err = refusal(
      refusing(
        new OpenAIRequestError(
          'max_tokens is too large: 9. This gateway allows at most 5.',
          'max_tokens',
          'integer_above_max_value',
        ),
      ),
      (p) => (p === 'max_tokens' ? 'max_output_tokens' : p),
    );
    expect(err).toBeInstanceOf(OpenAIRequestError);
    expect(err).toMatchObject({
      param: 'max_output_tokens',
      code: 'integer_above_max_value',
      message: 'max_output_tokens is too large: 9. This gateway allows at most 5.',
    });
  });

  it('rewrites quoted names; header params and other errors pass unchanged', () => {
    const quoted = refusal(
      refusing(
        new OpenAIRequestError("Invalid 'stop': array too long.", 'stop', 'array_above_max_length'),
      ),
      () => 'stop_sequences',
    );
    expect(quoted.message).toBe("Invalid 'stop_sequences': array too long.");
    const header = new OpenAIRequestError('bad priority', 'x-priority', 'invalid_value');
    expect(refusal(refusing(header), () => 'nope')).toBe(header);
    const other = new Error('boom');
    expect(() => refusing(other).prepare({ model: 'm', messages: [] }, {}, (p) => p)).toThrow(
      other,
    );
  });

  it('dottedPath turns bracket indices into Anthropic dotted ones', () => {
    expect(dottedPath('tools[3].name')).toBe('tools.3.name');
    expect(dottedPath('messages[0].content[12]')).toBe('messages.0.content.12');
  });
});
