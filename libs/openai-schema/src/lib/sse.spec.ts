import { SSE_DONE_FRAME, sseFrame } from './sse';

describe('sseFrame', () => {
  it('frames a payload on a single data line ended by a blank line', () => {
    expect(sseFrame({ a: 'line1\nline2' })).toBe('data: {"a":"line1\\nline2"}\n\n');
  });

  it('ends a stream with the [DONE] sentinel', () => {
    expect(SSE_DONE_FRAME).toBe('data: [DONE]\n\n');
  });
});
