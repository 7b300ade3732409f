/**
 * Shared-prefix workload for the routing bench: many conversations over a few long system prompts, each a
 * multi-turn session. Pure and seeded, so every strategy in a run sees the same request sequence and the
 * comparison measures routing, not workload noise.
 */

import { seededRandom } from '../selection/selection.workload';

/** One chat message as the gateway's OpenAI-compatible API takes it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** One request of the workload: the conversation it belongs to, its turn, and the full message history. */
export interface RoutingRequest {
  readonly sessionId: string;
  readonly promptIndex: number;
  readonly turn: number;
  readonly messages: readonly ChatMessage[];
}

/** Shape of the workload. */
export interface RoutingWorkloadOptions {
  /** Distinct long system prompts; conversations share them, which is what prefix routing can exploit. */
  readonly systemPrompts: number;
  /** Words per system prompt (≈ tokens in the sim engine's word tokenizer). */
  readonly systemPromptWords: number;
  readonly conversations: number;
  readonly turnsPerConversation: number;
  readonly userWords: number;
  readonly seed: number;
}

/** Typed error for an option the generator cannot honour; callers get a reason, not a NaN workload. */
export class RoutingWorkloadError extends Error {
  constructor(
    readonly option: keyof RoutingWorkloadOptions,
    reason: string,
  ) {
    super(`routing workload: ${option} ${reason}`);
    this.name = 'RoutingWorkloadError';
  }
}

const words = (rand: () => number, n: number, tag: string): string =>
  Array.from({ length: n }, () => `${tag}${Math.floor(rand() * 997)}`).join(' ');

/**
 * Builds the request sequence. Turn k of a conversation always comes after its turn k-1 (its history
 * grows), while conversations interleave in a seeded order so consecutive requests rarely share a session.
 */
export function routingWorkload(o: RoutingWorkloadOptions): RoutingRequest[] {
  for (const key of [
    'systemPrompts',
    'systemPromptWords',
    'conversations',
    'turnsPerConversation',
    'userWords',
  ] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RoutingWorkloadError(key, 'must be an integer ≥ 1');
  }
  if (!Number.isInteger(o.seed)) throw new RoutingWorkloadError('seed', 'must be an integer');
  const rand = seededRandom(o.seed);
  const prompts = Array.from({ length: o.systemPrompts }, (_, i) =>
    words(rand, o.systemPromptWords, `s${i}w`),
  );
  const histories = Array.from({ length: o.conversations }, (_, c) => ({
    sessionId: `conv-${c}`,
    promptIndex: c % o.systemPrompts,
    messages: [{ role: 'system', content: prompts[c % o.systemPrompts] }] as ChatMessage[],
    turn: 0,
  }));
  // One slot per (conversation, turn), shuffled; the k-th slot of a conversation is its turn k.
  const slots = histories.flatMap((_, c) =>
    Array.from({ length: o.turnsPerConversation }, () => c),
  );
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots.map((c) => {
    const h = histories[c];
    if (h.turn > 0)
      h.messages.push({ role: 'assistant', content: `reply ${h.sessionId} ${h.turn - 1}` });
    h.messages.push({ role: 'user', content: words(rand, o.userWords, `u${c}t${h.turn}w`) });
    const req = {
      sessionId: h.sessionId,
      promptIndex: h.promptIndex,
      turn: h.turn,
      messages: [...h.messages],
    };
    h.turn++;
    return req;
  });
}
