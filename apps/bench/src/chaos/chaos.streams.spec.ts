import { resumePauses, SseCollector } from './chaos.streams';

function frame(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function chunk(content: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    id: 'c1',
    choices: [{ delta: content === undefined ? {} : { content }, finish_reason: null }],
    ...extra,
  };
}

describe('SseCollector', () => {
  it('reads a resumed stream split at arbitrary points: pieces, times, resumes, usage', () => {
    const text =
      frame(chunk('')) +
      frame(chunk('Once')) +
      frame(chunk(' upon')) +
      frame({
        id: 'c1',
        choices: [{ delta: {}, finish_reason: 'stop' }],
        x_dds_llm: { resumed: 2 },
      }) +
      frame({ id: 'c1', choices: [], usage: { completion_tokens: 2 } }) +
      frame('[DONE]');
    const sse = new SseCollector();
    // One byte at a time: events spanning reads still count once.
    for (let i = 0; i < text.length; i++) sse.push(text[i] as string, i);
    const o = sse.outcome();
    expect(o).toMatchObject({
      done: true,
      explicitError: false,
      pieces: ['Once', ' upon'],
      resumed: 2,
      completionTokens: 2,
      ids: 1,
    });
    expect(o.at).toHaveLength(2);
  });

  it('tells an explicit error event from a stream that just broke off', () => {
    const failed = new SseCollector();
    failed.push(frame(chunk('a')) + frame({ error: { message: 'agent failed' } }), 0);
    expect(failed.outcome()).toMatchObject({ done: false, explicitError: true });
    const broken = new SseCollector();
    broken.push(frame(chunk('a')), 0);
    expect(broken.outcome()).toMatchObject({ done: false, explicitError: false });
    // [DONE] without a finish chunk is not a complete answer.
    const truncated = new SseCollector();
    truncated.push(frame(chunk('a')) + frame('[DONE]'), 0);
    expect(truncated.outcome().done).toBe(false);
  });
});

describe('resumePauses', () => {
  it("takes a resumed stream's largest gaps beyond its median pace", () => {
    const at = [0, 10, 20, 1030, 1040, 1050, 2070, 2080];
    const o = { done: true, explicitError: false, pieces: [], at, resumed: 2, ids: 1 };
    expect(resumePauses(o)).toEqual([1010, 1000]);
    expect(resumePauses({ ...o, resumed: 0 })).toEqual([]);
  });
});
