import type { ResponseObject, ResponseStatus, ResponseStoredItem } from '@dds/openai-schema';
import { responseObject } from '@dds/openai-schema';
import fc from 'fast-check';
import { InvalidResponseTransitionError, ResponseNotFoundError } from './context.errors';
import {
  canTransition,
  InMemoryResponseStore,
  isTerminalStatus,
  RESPONSE_TRANSITIONS,
  responseConversation,
  type StoredResponse,
} from './response.store';

class FakeClock {
  t = 1_000;
  now(): number {
    return this.t;
  }
}

function message(id: string, text = id): ResponseStoredItem {
  return { type: 'message', id, role: 'user', content: [{ type: 'input_text', text }] };
}

function reply(id: string, text = id): ResponseStoredItem {
  return {
    type: 'message',
    id,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

function record(
  id: string,
  input: ResponseStoredItem[],
  output: ResponseStoredItem[] = [],
  status: ResponseStatus = 'completed',
): StoredResponse {
  const response: ResponseObject = {
    ...responseObject({ model: 'm', input: 'x' }, { id, createdAt: 1 }),
    status,
    output: output as ResponseObject['output'],
  };
  return { response, input };
}

function store(opts: Partial<ConstructorParameters<typeof InMemoryResponseStore>[0]> = {}) {
  const clock = new FakeClock();
  const s = new InMemoryResponseStore({ ttlMs: 60_000, clock, ...opts });
  return { clock, s };
}

describe('InMemoryResponseStore: records', () => {
  it('stores, retrieves and deletes a response', async () => {
    const { s } = store();
    const r = record('resp_1', [message('msg_a')], [reply('msg_b')]);
    await s.put(r);
    expect(await s.get('resp_1')).toBe(r);
    expect(s.size).toBe(1);
    expect(await s.delete('resp_1')).toBe(true);
    expect(await s.get('resp_1')).toBeUndefined();
    expect(await s.delete('resp_1')).toBe(false);
    expect(s.size).toBe(0);
    expect(s.bytes).toBe(0);
  });

  it('forgets a response idle for longer than the TTL; reading renews it', async () => {
    const { s, clock } = store({ ttlMs: 1_000 });
    await s.put(record('resp_1', [message('msg_a')]));
    await s.put(record('resp_2', [message('msg_b')]));
    clock.t += 800;
    expect(await s.get('resp_1')).toBeDefined();
    clock.t += 800;
    expect(await s.get('resp_1')).toBeDefined();
    expect(await s.item('msg_b')).toBeUndefined();
    expect(await s.get('resp_2')).toBeUndefined();
    clock.t += 1_001;
    expect(await s.get('resp_1')).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('evicts the least recently used response beyond maxResponses', async () => {
    const { s } = store({ maxResponses: 2 });
    await s.put(record('resp_1', [message('msg_1')]));
    await s.put(record('resp_2', [message('msg_2')]));
    await s.get('resp_1');
    await s.put(record('resp_3', [message('msg_3')]));
    expect(await s.get('resp_2')).toBeUndefined();
    expect(await s.item('msg_2')).toBeUndefined();
    expect(await s.get('resp_1')).toBeDefined();
    expect(await s.get('resp_3')).toBeDefined();
  });

  it('keeps the byte bound, counting each response with its whole conversation', async () => {
    const big = 'x'.repeat(2_000);
    const one = record('resp_1', [message('msg_1', big)]);
    const { s } = store();
    await s.put(one);
    const perResponse = s.bytes;
    expect(perResponse).toBeGreaterThan(4_000);

    const bounded = store({ maxBytes: Math.floor(perResponse * 2.5) }).s;
    const history = [message('msg_1', big)];
    await bounded.put(record('resp_1', history));
    // resp_2 continues resp_1: it holds msg_1 too and is charged for it.
    await bounded.put(record('resp_2', [...history, message('msg_2', 'short')]));
    await bounded.put(record('resp_3', [message('msg_3', big)]));
    expect(bounded.bytes).toBeLessThanOrEqual(Math.floor(perResponse * 2.5));
    expect(await bounded.get('resp_1')).toBeUndefined();
    expect(await bounded.get('resp_3')).toBeDefined();
  });

  it('does not keep a single response larger than maxBytes (and drops an older copy of it)', async () => {
    const { s } = store({ maxBytes: 1_000 });
    await s.put(record('resp_1', [message('msg_1', 'small')]));
    await s.put(record('resp_1', [message('msg_1', 'y'.repeat(5_000))]));
    expect(await s.get('resp_1')).toBeUndefined();
    expect(await s.item('msg_1')).toBeUndefined();
  });

  it('conversation of a response is its input then its output', () => {
    const r = record('resp_1', [message('msg_a')], [reply('msg_b')]);
    expect(responseConversation(r).map((i) => i.id)).toEqual(['msg_a', 'msg_b']);
  });
});

describe('InMemoryResponseStore: items by id', () => {
  it('finds input and output items of stored responses', async () => {
    const { s } = store();
    const a = message('msg_a');
    const b = reply('msg_b');
    await s.put(record('resp_1', [a], [b]));
    expect(await s.item('msg_a')).toBe(a);
    expect(await s.item('msg_b')).toBe(b);
    expect(await s.item('msg_none')).toBeUndefined();
  });

  it('an item shared by a chain stays findable until the last response holding it is gone', async () => {
    const { s } = store();
    const a = message('msg_a');
    const b = reply('msg_b');
    const first = record('resp_1', [a], [b]);
    await s.put(first);
    await s.put(record('resp_2', [...responseConversation(first), message('msg_c')]));
    await s.delete('resp_1');
    expect(await s.item('msg_a')).toBe(a);
    expect(await s.item('msg_b')).toBe(b);
    await s.delete('resp_2');
    expect(await s.item('msg_a')).toBeUndefined();
  });

  it('keeps the index right under any sequence of puts, transitions and deletes', async () => {
    const ids = ['resp_1', 'resp_2', 'resp_3'];
    const itemIds = ['msg_1', 'msg_2', 'msg_3', 'msg_4'];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        id: fc.constantFrom(...ids),
        input: fc.uniqueArray(fc.constantFrom(...itemIds), { maxLength: 3 }),
        output: fc.uniqueArray(fc.constantFrom(...itemIds), { maxLength: 2 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant('fail' as const), id: fc.constantFrom(...ids) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const s = new InMemoryResponseStore({ ttlMs: 60_000, maxResponses: 2 });
        for (const o of ops) {
          if (o.kind === 'put') {
            await s.put(
              record(
                o.id,
                o.input.map((i) => message(i)),
                o.output.filter((i) => !o.input.includes(i)).map((i) => reply(i)),
                'in_progress',
              ),
            );
          } else if (o.kind === 'delete') {
            await s.delete(o.id);
          } else {
            const cur = await s.get(o.id);
            if (cur && !isTerminalStatus(cur.response.status)) {
              await s.transition({ ...cur.response, status: 'failed' });
            }
          }
        }
        const held = new Set<string>();
        for (const id of ids) {
          const r = await s.get(id);
          if (r) for (const i of responseConversation(r)) held.add(i.id);
        }
        for (const i of itemIds) expect((await s.item(i)) !== undefined).toBe(held.has(i));
        expect(s.size).toBeLessThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
  });
});

describe('response status transitions', () => {
  const all = Object.keys(RESPONSE_TRANSITIONS) as ResponseStatus[];

  it.each([
    ['queued', 'in_progress', true],
    ['queued', 'cancelled', true],
    ['queued', 'completed', false],
    ['in_progress', 'completed', true],
    ['in_progress', 'incomplete', true],
    ['in_progress', 'failed', true],
    ['in_progress', 'cancelled', true],
    ['in_progress', 'queued', false],
    ['completed', 'cancelled', false],
    ['cancelled', 'completed', false],
    ['failed', 'failed', false],
  ] as const)('%s -> %s: %s', (from, to, ok) => {
    expect(canTransition(from, to)).toBe(ok);
  });

  it('terminal statuses are exactly those with no way out', () => {
    expect(all.filter(isTerminalStatus).sort()).toEqual(
      ['cancelled', 'completed', 'failed', 'incomplete'].sort(),
    );
  });

  it('transition replaces the response and keeps the input', async () => {
    const { s } = store();
    const r = record('resp_1', [message('msg_a')], [], 'queued');
    await s.put(r);
    const next = await s.transition({ ...r.response, status: 'in_progress' });
    expect(next.input).toBe(r.input);
    expect((await s.get('resp_1'))?.response.status).toBe('in_progress');
  });

  it('a cancel and a completion racing: whichever lands first wins, the other is refused', async () => {
    const { s } = store();
    const r = record('resp_1', [message('msg_a')], [], 'in_progress');
    await s.put(r);
    await s.transition({ ...r.response, status: 'cancelled' });
    const late = s.transition({ ...r.response, status: 'completed', output: [] });
    await expect(late).rejects.toBeInstanceOf(InvalidResponseTransitionError);
    await expect(late).rejects.toMatchObject({ from: 'cancelled', to: 'completed' });
    expect((await s.get('resp_1'))?.response.status).toBe('cancelled');
  });

  it('transition of an unknown response is ResponseNotFoundError', async () => {
    const { s } = store();
    const r = record('resp_9', [], [], 'in_progress');
    await expect(s.transition(r.response)).rejects.toBeInstanceOf(ResponseNotFoundError);
  });

  it('rejects bad options with RangeErrors naming them', () => {
    expect(() => new InMemoryResponseStore({ ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => new InMemoryResponseStore({ ttlMs: 1, maxResponses: 0 })).toThrow(/maxResponses/);
    expect(() => new InMemoryResponseStore({ ttlMs: 1, maxBytes: 1.5 })).toThrow(/maxBytes/);
  });
});
