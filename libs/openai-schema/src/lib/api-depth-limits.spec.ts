import { validateAnthropicMessageRequest } from './anthropic.validator';
import { validateCompletionRequest } from './completions.validator';
import { OpenAIRequestError } from './openai.errors';
import { validateResponseRequest } from './responses.validator';

/** `{"a": {"a": … {} }}` nested `levels` deep, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let o = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    o['a'] = next;
    o = next;
  }
  return root;
}

function refusal(validate: () => unknown): OpenAIRequestError {
  try {
    validate();
  } catch (err) {
    if (err instanceof OpenAIRequestError) return err;
    throw err;
  }
  throw new Error('accepted');
}

const user = { role: 'user', content: 'hi' };

// Free-form fields each API passes on untouched: before these checks, the translators'
// JSON.stringify overflowed on them (a 500 for Anthropic tool_use input).
describe('every translated API holds its body to the nesting limit before any other rule', () => {
  const deep = nested(10_000);

  it('Responses: tool parameters, text.format schema, function_call_output', () => {
    const cases: [unknown, RegExp][] = [
      [
        { model: 'm', input: 'x', tools: [{ type: 'function', name: 'f', parameters: deep }] },
        /^tools\[0\]\.parameters(\.a)+/,
      ],
      [
        {
          model: 'm',
          input: 'x',
          text: { format: { type: 'json_schema', name: 'n', schema: deep } },
        },
        /^text\.format\.schema(\.a)+/,
      ],
      [
        { model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: [deep] }] },
        /^input\[0\]\.output\[0\](\.a)+/,
      ],
    ];
    for (const [body, param] of cases) {
      const err = refusal(() => validateResponseRequest(body));
      expect([err.code, err.status]).toEqual(['nesting_too_deep', 400]);
      expect(err.param).toMatch(param);
    }
  });

  it('Anthropic Messages: tool input_schema and tool_use input, as dotted paths', () => {
    const base = { model: 'm', max_tokens: 8 };
    const schema = refusal(() =>
      validateAnthropicMessageRequest({
        ...base,
        messages: [user],
        tools: [{ name: 'f', input_schema: deep }],
      }),
    );
    expect(schema.param).toMatch(/^tools\.0\.input_schema(\.a)+/);
    const input = refusal(() =>
      validateAnthropicMessageRequest({
        ...base,
        messages: [
          user,
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: deep }] },
        ],
      }),
    );
    expect([input.code, input.param?.startsWith('messages.1.content.0.input.a')]).toEqual([
      'nesting_too_deep',
      true,
    ]);
    expect(input.message).toMatch(
      /^messages\.1\.content\.0\.input(\.a)+(\.\.\.)?: JSON nested too deeply/,
    );
  });

  it('legacy completions: any field', () => {
    const err = refusal(() =>
      validateCompletionRequest({ model: 'm', prompt: 'x', logit_bias: deep }),
    );
    expect([err.code, err.param?.startsWith('logit_bias.a')]).toEqual(['nesting_too_deep', true]);
  });

  it('takes the gateway limit from options: accepted at the limit, refused one level past it', () => {
    // The body is level 1, tools level 2, the tool level 3, its parameters level 4.
    const tool = (levels: number) => ({
      model: 'm',
      input: 'x',
      tools: [{ type: 'function', name: 'f', parameters: nested(levels) }],
    });
    expect(() => validateResponseRequest(tool(6), { maxJsonDepth: 9 })).not.toThrow();
    expect(refusal(() => validateResponseRequest(tool(7), { maxJsonDepth: 9 })).code).toBe(
      'nesting_too_deep',
    );
    const messages = (levels: number) => ({
      model: 'm',
      max_tokens: 8,
      messages: [user],
      tools: [{ name: 'f', input_schema: nested(levels) }],
    });
    expect(() => validateAnthropicMessageRequest(messages(6), { maxJsonDepth: 9 })).not.toThrow();
    expect(
      refusal(() => validateAnthropicMessageRequest(messages(7), { maxJsonDepth: 9 })).code,
    ).toBe('nesting_too_deep');
    const completion = (levels: number) => ({ model: 'm', prompt: 'x', metadata: nested(levels) });
    expect(() => validateCompletionRequest(completion(8), { maxJsonDepth: 9 })).not.toThrow();
    expect(refusal(() => validateCompletionRequest(completion(9), { maxJsonDepth: 9 })).code).toBe(
      'nesting_too_deep',
    );
  });
});
