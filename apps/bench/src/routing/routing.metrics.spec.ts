import { hitRate, imbalance, type RoutedSample } from './routing.metrics';

const s = (agentId: string, promptTokens = 100, cachedTokens = 0): RoutedSample => ({
  agentId,
  promptTokens,
  cachedTokens,
  ttftMs: 10,
});

describe('routing metrics', () => {
  it('imbalance is max over mean requests per agent, counting idle agents as zero', () => {
    expect(imbalance([s('a'), s('b'), s('c'), s('d')], ['a', 'b', 'c', 'd'])).toBe(1);
    // 3 on a, 1 on b, none on c and d: mean 1, max 3.
    expect(imbalance([s('a'), s('a'), s('a'), s('b')], ['a', 'b', 'c', 'd'])).toBe(3);
    expect(imbalance([], ['a'])).toBeNaN();
  });

  it('hit rate weighs cached tokens by prompt size', () => {
    expect(hitRate([s('a', 100, 100), s('b', 300, 0)])).toBe(0.25);
    expect(hitRate([])).toBeNaN();
  });
});
