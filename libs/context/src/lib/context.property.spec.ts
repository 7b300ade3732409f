import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer';
import { ContextWindowExceededError } from './context.errors';
import { ContextStore } from './context.store';
import type { ContextMessage } from './context.types';

const OVERHEAD = 4;
const PRIMING = 3;

/** An independent count: what the store must agree with (string contents only). */
function referenceTokens(messages: readonly ContextMessage[]): number {
  let n = PRIMING;
  for (const m of messages) {
    const text = typeof m.content === 'string' ? m.content : '';
    n += OVERHEAD + (text ? countTokens(text, { disallowedSpecial: new Set() }) : 0);
  }
  return n;
}

const text = fc.oneof(
  fc.lorem({ maxCount: 12 }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constant('<|endoftext|> is just text here'),
);
const message: fc.Arbitrary<ContextMessage> = fc.record({
  role: fc.constantFrom('system', 'developer', 'user', 'user', 'assistant', 'assistant', 'tool'),
  content: text,
});
const pinned = (m: ContextMessage) => m.role === 'system' || m.role === 'developer';

function newestTurnStart(conv: readonly ContextMessage[]): number {
  for (let i = conv.length - 1; i >= 0; i--) if (conv[i].role === 'user') return i;
  return conv.length - 1;
}

describe('ContextStore trimming properties (real tokenizer)', () => {
  it('fits the budget, keeps system messages and the newest turn, keeps order, drops oldest first', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 30, size: 'max' }),
        // The window as a share of what the whole conversation needs: mostly trimming territory.
        fc.integer({ min: 20, max: 130 }),
        fc.integer({ min: 0, max: 100 }),
        (conv, percent, reserved) => {
          const s = new ContextStore({ ttlMs: 1000 });
          const budget = Math.max(1, Math.floor((referenceTokens(conv) * percent) / 100));
          const window = budget + reserved;
          const newest = newestTurnStart(conv);
          const mustKeep = conv.filter((m, i) => i >= newest || pinned(m));
          let prepared;
          try {
            prepared = s.prepare(undefined, conv, window, reserved);
          } catch (e) {
            // Only allowed when what cannot be dropped exceeds the budget on its own.
            expect(e).toBeInstanceOf(ContextWindowExceededError);
            expect(referenceTokens(mustKeep)).toBeGreaterThan(budget);
            expect((e as ContextWindowExceededError).requiredTokens).toBe(
              referenceTokens(mustKeep),
            );
            return;
          }
          const out = prepared.messages;
          const exact = referenceTokens(out);
          expect(exact).toBeLessThanOrEqual(budget);
          if (prepared.tokensExact) expect(prepared.tokens).toBe(exact);
          else expect(prepared.tokens).toBeGreaterThanOrEqual(exact);
          // A subsequence of the conversation, in order, by identity.
          const idx = out.map((m) => conv.indexOf(m));
          for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
          for (const m of mustKeep) expect(out).toContain(m);
          // Oldest first: once a droppable message is kept, every newer droppable one is kept.
          const droppable = conv.map((m, i) => i < newest && !pinned(m));
          let seenKept = false;
          for (let i = 0; i < conv.length; i++) {
            if (!droppable[i]) continue;
            const kept = out.includes(conv[i]);
            if (seenKept) expect(kept).toBe(true);
            seenKept ||= kept;
          }
          // Only as much as needed: the newest dropped exchange would not have fitted.
          const dropped = conv.flatMap((m, i) => (droppable[i] && !out.includes(m) ? [i] : []));
          if (dropped.length > 0) {
            const last = dropped[dropped.length - 1];
            let start = last;
            while (start > 0 && conv[start].role !== 'user') start--;
            const unit = conv.slice(start, last + 1).filter((_, k) => droppable[start + k]);
            expect(referenceTokens([...out, ...unit])).toBeGreaterThan(budget);
          }
          expect(prepared.trimmed).toBe(conv.length - out.length);
          if (prepared.trimmed === 0) expect(out).toEqual(conv);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('prepends stored history unless the request starts with it', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        message,
        fc.array(message, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (sent, reply, next, resendAll) => {
          const s = new ContextStore({ ttlMs: 1000 });
          s.commit('sess', sent, reply);
          const stored = [...sent, reply];
          // Fresh objects with equal content: detection is by content, not identity.
          const request = resendAll ? [...structuredClone(stored), ...next] : next;
          const p = s.prepare('sess', request, Infinity);
          const leadsWithSystem = pinned(request[0]);
          const storedTalk = stored.filter((m) => !pinned(m));
          const requestTalk = request.filter((m) => !pinned(m));
          if (resendAll && storedTalk.length > 0) {
            expect(p.fullHistorySent).toBe(true);
            expect(p.conversation).toEqual(request);
          } else if (
            storedTalk.length > 0 &&
            requestTalk.some((_, p) =>
              storedTalk.every(
                (m, i) =>
                  p + i < requestTalk.length &&
                  JSON.stringify(m) === JSON.stringify(requestTalk[p + i]),
              ),
            )
          ) {
            expect(p.fullHistorySent).toBe(true);
            expect(p.conversation).toEqual(request);
          } else if (leadsWithSystem) {
            const lead = request.findIndex((m) => !pinned(m));
            const cut = lead === -1 ? request.length : lead;
            expect(p.conversation).toEqual([
              ...request.slice(0, cut),
              ...stored.filter((m) => !pinned(m)),
              ...request.slice(cut),
            ]);
          } else {
            expect(p.conversation).toEqual([...stored, ...request]);
            expect(p.historyUsed).toBe(stored.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips any session through export/import JSON', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 10 }),
        message,
        fc.string({ minLength: 1, maxLength: 64 }),
        (sent, reply, id) => {
          const a = new ContextStore({ ttlMs: 1000 });
          a.commit(id, sent, reply);
          const snap = a.export(id);
          const b = new ContextStore({ ttlMs: 1000 });
          expect(b.import(JSON.stringify(snap))).toBe(id);
          expect(b.export(id)).toEqual(snap);
          expect(b.history(id)).toEqual([...sent, reply]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never holds more than maxSessions sessions or maxBytes bytes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 15 }),
            msgs: fc.array(message, { maxLength: 6 }),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 200, max: 3000 }),
        (ops, maxSessions, maxBytes) => {
          const s = new ContextStore({ ttlMs: 1000, maxSessions, maxBytes });
          for (const op of ops) {
            s.commit(`s${op.id}`, op.msgs, { role: 'assistant', content: 'ok' });
            expect(s.size).toBeLessThanOrEqual(maxSessions);
            expect(s.bytes).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
