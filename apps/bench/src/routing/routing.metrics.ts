/**
 * Per-strategy figures of the routing bench, computed from what the run observed: each complete stream's
 * agent, its prompt and cached token counts (the agents' own `cached_tokens`), and its TTFT.
 */

/** One complete stream as the bench recorded it. */
export interface RoutedSample {
  readonly agentId: string;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly ttftMs: number;
}

/**
 * Load imbalance: max over mean requests per agent. Agents that got no request count as 0 (they are passed
 * in `agentIds`), since starving an agent is exactly the imbalance cache affinity risks. 1 = perfectly even.
 */
export function imbalance(samples: readonly RoutedSample[], agentIds: readonly string[]): number {
  if (agentIds.length === 0 || samples.length === 0) return Number.NaN;
  const counts = new Map<string, number>(agentIds.map((id) => [id, 0]));
  for (const s of samples) counts.set(s.agentId, (counts.get(s.agentId) ?? 0) + 1);
  const values = [...counts.values()];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.max(...values) / mean;
}

/** Cache hit rate in tokens: cached prompt tokens over all prompt tokens, so long prompts weigh more. */
export function hitRate(samples: readonly RoutedSample[]): number {
  let prompt = 0;
  let cached = 0;
  for (const s of samples) {
    prompt += s.promptTokens;
    cached += s.cachedTokens;
  }
  return prompt === 0 ? Number.NaN : cached / prompt;
}
