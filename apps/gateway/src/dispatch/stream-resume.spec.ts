import { resumableError, StreamProgress } from './stream-resume';

describe('StreamProgress', () => {
  it('hands the next agent what was delivered: text, merged tool calls, tokens that carried output', () => {
    const p = new StreamProgress();
    expect(p.delivered).toBe(false);
    p.add({ type: 'text', text: 'Hello' });
    p.add({ type: 'text', text: '' }); // A keep-alive delta is output, not a token.
    p.add({ type: 'text', text: ' world' });
    p.add({
      type: 'tool-call',
      delta: { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
    });
    p.add({ type: 'tool-call', delta: { index: 0, function: { arguments: '{"a"' } } });
    p.add({ type: 'tool-call', delta: { index: 0, function: { arguments: ':1}' } } });
    expect(p.delivered).toBe(true);
    expect(p.continuation()).toEqual({
      text: 'Hello world',
      completion_tokens: 4,
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
      ],
    });
  });

  it("sums every agent's completion tokens and bills the prompt once", () => {
    const p = new StreamProgress();
    for (let i = 0; i < 10; i++) p.add({ type: 'text', text: ` w${i}` });
    p.resumed();
    for (let i = 0; i < 5; i++) p.add({ type: 'text', text: ` v${i}` });
    p.resumed();
    expect(p.resumes).toBe(2);
    expect(p.refillTokens).toBe(15);
    // The last agent generated the remaining 85 of 100, on the client's 12-token prompt.
    expect(
      p.usage({
        prompt_tokens: 12,
        completion_tokens: 85,
        total_tokens: 97,
        prompt_tokens_details: { cached_tokens: 8 },
      }),
    ).toEqual({
      prompt_tokens: 12,
      completion_tokens: 100,
      total_tokens: 112,
      prompt_tokens_details: { cached_tokens: 8 },
    });
  });
});

describe('resumableError', () => {
  it.each([
    ['agent_gone', false, true],
    ['transport_error', false, true],
    ['sequence_gap', false, true],
    ['malformed_response', false, true],
    ['stalled', false, true],
    ['engine_error', true, true],
    ['engine_error', false, false],
    ['deadline_exceeded', true, false],
    ['invalid_request', false, false],
    ['context_length_exceeded', false, false],
  ])('%s (agent says retryable: %s) -> %s', (code, retryable, expected) => {
    expect(resumableError(code, retryable)).toBe(expected);
  });
});
