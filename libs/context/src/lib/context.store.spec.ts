import type { ChatMessage } from '@dds/openai-schema';
import { countTokens } from 'gpt-tokenizer';
import {
  ContextWindowExceededError,
  InvalidMessagesError,
  InvalidSessionError,
} from './context.errors';
import { ContextStore } from './context.store';
import type { ContextMessage } from './context.types';

class FakeClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const sys = (content: string): ContextMessage => ({ role: 'system', content });
const user = (content: string): ContextMessage => ({ role: 'user', content });
const assistant = (content: string): ContextMessage => ({ role: 'assistant', content });

/** Word count tokenizer: makes budgets in tests easy to reason about. */
const words = { countTokens: (t: string) => t.split(/\s+/).filter(Boolean).length };

function store(opts: Partial<ConstructorParameters<typeof ContextStore>[0]> = {}) {
  const clock = new FakeClock();
  const s = new ContextStore({ ttlMs: 60_000, clock, ...opts });
  return { clock, s };
}

describe('ContextStore.prepare: merging history', () => {
  const history = [sys('be brief'), user('hi'), assistant('hello')];

  it.each([
    {
      name: 'request carries only the new turn: history prepended',
      request: [user('and now?')],
      expected: [...history, user('and now?')],
      historyUsed: 3,
      full: false,
    },
    {
      name: 'client sent the full history: nothing prepended',
      request: [...history, user('and now?')],
      expected: [...history, user('and now?')],
      historyUsed: 0,
      full: true,
    },
    {
      name: 'full history detected on equal content, not identity; null = absent content',
      request: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', tool_calls: undefined },
        user('x'),
      ],
      expected: [...history, user('x')],
      historyUsed: 0,
      full: true,
    },
    {
      name: 'request with its own system message: it replaces the stored one and goes first',
      request: [sys('be verbose'), user('and now?')],
      expected: [sys('be verbose'), user('hi'), assistant('hello'), user('and now?')],
      historyUsed: 2,
      full: false,
    },
    {
      name: 'full history resent with new instructions: detected, the new instructions are used',
      request: [sys('be verbose'), user('hi'), assistant('hello'), user('x')],
      expected: [sys('be verbose'), user('hi'), assistant('hello'), user('x')],
      historyUsed: 0,
      full: true,
    },
    {
      name: 'client holds older turns than the store (after its caps): still the full history',
      request: [user('older'), assistant('reply'), ...history, user('x')],
      expected: [user('older'), assistant('reply'), ...history, user('x')],
      historyUsed: 0,
      full: true,
    },
    {
      name: 'diverging history (edited earlier turn) is not mistaken for the full history',
      request: [sys('be brief'), user('HI'), assistant('hello'), user('again')],
      expected: [
        sys('be brief'),
        user('hi'),
        assistant('hello'),
        user('HI'),
        assistant('hello'),
        user('again'),
      ],
      historyUsed: 2,
      full: false,
    },
  ])('$name', ({ request, expected, historyUsed, full }) => {
    const { s } = store();
    s.commit('s1', history.slice(0, 2), history[2]);
    const p = s.prepare('s1', request, 100_000);
    expect(p.messages).toEqual(expected);
    expect(p.conversation).toEqual(expected);
    expect(p.historyUsed).toBe(historyUsed);
    expect(p.fullHistorySent).toBe(full);
    expect(p.trimmed).toBe(0);
  });

  it('is stateless without a session id or for an unknown session', () => {
    const { s } = store();
    const req = [user('hello')];
    expect(s.prepare(undefined, req, 1000).messages).toEqual(req);
    expect(s.prepare('nope', req, 1000).historyUsed).toBe(0);
    expect(s.size).toBe(0);
  });

  it('round-trips a conversation over several requests (commit appends the reply)', () => {
    const { s } = store();
    const p1 = s.prepare('s', [user('one')], 1000);
    s.commit('s', p1.conversation, assistant('1'));
    const p2 = s.prepare('s', [user('two')], 1000);
    s.commit('s', p2.conversation, assistant('2'));
    expect(s.history('s')).toEqual([user('one'), assistant('1'), user('two'), assistant('2')]);
  });
});

describe('ContextStore.prepare: trimming', () => {
  it('counts tokens with the real tokenizer and reports them exactly once it tokenizes', () => {
    const { s } = store({ messageOverheadTokens: 4 });
    const text = 'Tokenization with byte pair encoding is not length divided by four.';
    const expected = 4 + countTokens(text) + 3;
    expect(s.countTokens([user(text)])).toBe(expected);
    // The byte bound (length + 7) exceeds this window, so the tokenizer decides: it fits exactly.
    const p = s.prepare(undefined, [user(text)], expected);
    expect(p).toMatchObject({ tokens: expected, tokensExact: true, trimmed: 0 });
    expect(() => s.prepare(undefined, [user(text)], expected - 1)).toThrow(
      ContextWindowExceededError,
    );
  });

  it('returns an upper bound without tokenizing when the byte bound already fits', () => {
    let calls = 0;
    const { s } = store();
    const counting = new ContextStore({
      ttlMs: 1000,
      tokenizer: { countTokens: (t) => (calls++, words.countTokens(t)) },
    });
    const p = s.prepare(undefined, [user('short')], 100_000);
    expect(p.tokensExact).toBe(false);
    expect(p.tokens).toBeGreaterThanOrEqual(s.countTokens([user('short')]));
    // A custom tokenizer gives no byte bound: it is always run, once per message object.
    const msg = user('a b c');
    counting.prepare(undefined, [msg], 10);
    counting.prepare(undefined, [msg], 10);
    expect(calls).toBe(1);
  });

  it.each([
    {
      name: 'drops oldest exchanges first, keeps system and the newest turn',
      conv: [
        sys('s s'),
        user('u1 u1 u1'),
        assistant('a1 a1 a1'),
        user('u2'),
        assistant('a2'),
        user('u3'),
      ],
      // overhead 0, priming 3: system 2 + u3 1 + 3 = 6 pinned; budget 10 -> room for u2+a2 (2) only
      budget: 10,
      expected: [sys('s s'), user('u2'), assistant('a2'), user('u3')],
    },
    {
      name: 'keeps tool calls and results of the newest turn together',
      conv: [
        user('old old old old'),
        assistant('ok'),
        user('weather?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
      budget: 12,
      expected: [
        user('weather?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
    },
    {
      name: 'keeps a system message that sits between exchanges',
      conv: [user('x x x x x'), sys('mid'), user('y'), assistant('z'), user('new')],
      budget: 9,
      expected: [sys('mid'), user('y'), assistant('z'), user('new')],
    },
  ])('$name', ({ conv, budget, expected }) => {
    const { s } = store({ tokenizer: words, messageOverheadTokens: 0 });
    const p = s.prepare(undefined, conv, budget);
    expect(p.messages).toEqual(expected);
    expect(p.trimmed).toBe(conv.length - expected.length);
    expect(p.tokens).toBeLessThanOrEqual(budget);
    expect(p.tokensExact).toBe(true);
  });

  it('throws ContextWindowExceededError when the newest turn and system messages alone do not fit', () => {
    const { s } = store({ tokenizer: words, messageOverheadTokens: 0 });
    const conv = [sys('a b c'), user('d e f g')];
    expect(() => s.prepare(undefined, conv, 20, 15)).toThrow(ContextWindowExceededError);
    try {
      s.prepare(undefined, conv, 20, 15);
    } catch (e) {
      expect(e).toMatchObject({
        requiredTokens: 10,
        budgetTokens: 5,
        code: 'context_length_exceeded',
      });
    }
  });

  it.each([
    { args: [[], 100], msg: /non-empty array/ },
    { args: [[{ role: 'wizard', content: 'x' }], 100], msg: /role must be one of/ },
    { args: [[{ role: 'user', content: 5 }], 100], msg: /content must be/ },
    { args: [[{ role: 'user', content: [{ type: 'text' }] }], 100], msg: /text must be a string/ },
    { args: [[user('x')], 0], msg: /contextWindowTokens/ },
    { args: [[user('x')], Number.NaN], msg: /contextWindowTokens/ },
    { args: [[user('x')], 100, -1], msg: /reservedForOutput/ },
  ])('rejects bad input with InvalidMessagesError: $msg', ({ args, msg }) => {
    const { s } = store();
    const [m, w, r] = args as [ContextMessage[], number, number | undefined];
    expect(() => s.prepare(undefined, m, w, r)).toThrow(InvalidMessagesError);
    expect(() => s.prepare(undefined, m, w, r)).toThrow(msg);
  });

  it('does not trim with an unknown (Infinity) context window', () => {
    const { s } = store();
    const conv = Array.from({ length: 50 }, (_, i) => user(`message ${i}`));
    const p = s.prepare(undefined, conv, Infinity);
    expect(p.messages).toHaveLength(50);
    expect(p.tokens).toBeGreaterThanOrEqual(s.countTokens(conv));
  });

  it('charges non-text parts a fixed cost and counts text parts, tool calls and names', () => {
    const { s } = store({ tokenizer: words, messageOverheadTokens: 1, nonTextPartTokens: 100 });
    const m: ChatMessage = {
      role: 'user',
      name: 'bob',
      content: [
        { type: 'text', text: 'look at this' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      ],
    };
    // overhead 1 + name 1 + text 3 + image 100, plus 3 priming
    expect(s.countTokens([m])).toBe(108);
    const custom: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'grep', input: 'a b c' } }],
    };
    // overhead 1 + name 1 + input 3, plus 3 priming
    expect(s.countTokens([custom])).toBe(8);
  });
});

describe('ContextStore memory: TTL and LRU', () => {
  it('expires a session after ttlMs idle, and use renews it', () => {
    const { clock, s } = store({ ttlMs: 1000 });
    s.commit('s', [user('a')], assistant('b'));
    clock.t = 900;
    expect(s.prepare('s', [user('c')], 1000).historyUsed).toBe(2);
    clock.t = 1800; // 900 ms after last use
    expect(s.has('s')).toBe(true);
    clock.t = 1901;
    expect(s.has('s')).toBe(false);
    expect(s.prepare('s', [user('c')], 1000).historyUsed).toBe(0);
    expect(s.size).toBe(0);
  });

  it('gives a session its own TTL when committed with one, and keeps it on later commits', () => {
    const { clock, s } = store({ ttlMs: 1000 });
    s.commit('short', [user('a')], assistant('b'), { ttlMs: 100 });
    s.commit('default', [user('a')], assistant('b'));
    clock.t = 90;
    s.commit('short', [user('a'), assistant('b'), user('c')], assistant('d'));
    clock.t = 189;
    expect(s.has('short')).toBe(true);
    clock.t = 191;
    expect(s.has('short')).toBe(false);
    expect(s.has('default')).toBe(true);
    expect(() => s.commit('x', [], assistant('b'), { ttlMs: 0 })).toThrow(InvalidMessagesError);
  });

  it('evicts the least recently used session beyond maxSessions', () => {
    const { s } = store({ maxSessions: 3 });
    for (const id of ['a', 'b', 'c']) s.commit(id, [user(id)], assistant(id));
    s.prepare('a', [user('touch')], 1000);
    s.commit('d', [user('d')], assistant('d'));
    expect(['a', 'b', 'c', 'd'].filter((id) => s.has(id))).toEqual(['a', 'c', 'd']);
    expect(s.size).toBe(3);
  });

  it('keeps total bytes under maxBytes, evicting old sessions and trimming an oversized one', () => {
    const { s } = store({ maxBytes: 2000 });
    const big = 'x'.repeat(300);
    for (let i = 0; i < 20; i++) {
      s.commit(`s${i}`, [user(big)], assistant(big));
      expect(s.bytes).toBeLessThanOrEqual(2000);
    }
    expect(s.has('s19')).toBe(true);
    expect(s.has('s0')).toBe(false);
    const huge = Array.from({ length: 20 }, (_, i) => user(`${i} ${big}`));
    s.commit('huge', [sys('rules'), ...huge], assistant('done'));
    const kept = s.history('huge') ?? [];
    expect(kept[0]).toEqual(sys('rules'));
    expect(kept.at(-1)).toEqual(assistant('done'));
    expect(kept.length).toBeLessThan(22);
    expect(s.bytes).toBeLessThanOrEqual(2000);
  });

  it('caps messages per session, dropping the oldest non-system ones', () => {
    const { s } = store({ maxMessagesPerSession: 4 });
    s.commit('s', [sys('r'), user('1'), assistant('1'), user('2')], assistant('2'));
    expect(s.history('s')).toEqual([sys('r'), assistant('1'), user('2'), assistant('2')]);
  });
});

describe('ContextStore export/import', () => {
  it('round-trips a session through JSON text', () => {
    const { s } = store();
    const conv: ChatMessage[] = [
      { role: 'system', content: 'rules' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        ],
      },
    ];
    s.commit('s1', conv, {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    const json = JSON.stringify(s.export('s1'));
    const other = store().s;
    expect(other.import(json)).toBe('s1');
    expect(other.export('s1')).toEqual(s.export('s1'));
    expect(other.prepare('s1', [user('next')], 100_000).historyUsed).toBe(3);
  });

  it('exports a copy the caller cannot use to alter the store', () => {
    const { s } = store();
    s.commit('s', [user('a')], assistant('b'));
    const snap = s.export('s');
    snap?.messages.push(user('injected'));
    expect(s.history('s')).toHaveLength(2);
    expect(s.export('missing')).toBeUndefined();
  });

  it.each([
    { input: '{not json', msg: /not valid JSON/ },
    { input: '[]', msg: /must be an object/ },
    { input: { version: 2, id: 's', messages: [] }, msg: /version 2/ },
    { input: { version: 1, id: '', messages: [] }, msg: /id must be a non-empty string/ },
    { input: { version: 1, id: 's', messages: {} }, msg: /messages must be an array/ },
    {
      input: { version: 1, id: 's', messages: [{ role: 'root', content: 'x' }] },
      msg: /messages\[0\]\.role/,
    },
    {
      input: {
        version: 1,
        id: 's',
        messages: [{ role: 'assistant', tool_calls: [{ function: { name: 1 } }] }],
      },
      msg: /tool_calls\[0\]/,
    },
  ])('rejects an invalid snapshot: $msg', ({ input, msg }) => {
    const { s } = store();
    expect(() => s.import(input)).toThrow(InvalidSessionError);
    expect(() => s.import(input)).toThrow(msg);
    expect(s.size).toBe(0);
  });
});

describe('ContextStore with the wire types of @dds/openai-schema', () => {
  it('accepts and returns ChatMessage objects as they are', () => {
    const s = new ContextStore<ChatMessage>({ ttlMs: 1000 });
    const call: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    };
    const req: ChatMessage[] = [
      { role: 'developer', content: [{ type: 'text', text: 'rules' }] },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
      call,
      { role: 'tool', tool_call_id: 'c1', content: 'result' },
    ];
    const p = s.prepare('s', req, 100_000);
    expect(p.messages[2]).toBe(call);
    s.commit('s', p.conversation, { role: 'assistant', content: 'done' });
    const history: readonly ChatMessage[] | undefined = s.history('s');
    expect(history).toHaveLength(5);
  });
});
