import OpenAI from 'openai';
import { OpenAIRequestError } from './openai.errors';
import { responseItemList, validateInputItemsQuery } from './responses.items';
import type { ResponseStoredItem } from './responses.types';
import { capturingFetch, jsonResponse } from './sdk-fetch.fixture';

const items: ResponseStoredItem[] = ['msg_1', 'msg_2', 'msg_3', 'msg_4', 'msg_5'].map((id) => ({
  type: 'message',
  id,
  role: 'user',
  content: [{ type: 'input_text', text: id }],
}));

function query(q: Record<string, string>) {
  return validateInputItemsQuery(q);
}

describe('input items pages', () => {
  it('defaults to 20, newest first', () => {
    const page = responseItemList(items, query({}));
    expect(page.data.map((i) => i.id)).toEqual(['msg_5', 'msg_4', 'msg_3', 'msg_2', 'msg_1']);
    expect(page).toMatchObject({
      object: 'list',
      first_id: 'msg_5',
      last_id: 'msg_1',
      has_more: false,
    });
  });

  it('pages with limit and after, in either order', () => {
    const p1 = responseItemList(items, query({ limit: '2', order: 'asc' }));
    expect(p1.data.map((i) => i.id)).toEqual(['msg_1', 'msg_2']);
    expect(p1.has_more).toBe(true);
    const p2 = responseItemList(items, query({ limit: '2', order: 'asc', after: 'msg_2' }));
    expect(p2.data.map((i) => i.id)).toEqual(['msg_3', 'msg_4']);
    const p3 = responseItemList(items, query({ limit: '2', order: 'asc', after: 'msg_4' }));
    expect(p3).toMatchObject({ first_id: 'msg_5', last_id: 'msg_5', has_more: false });
    const d = responseItemList(items, query({ limit: '3', after: 'msg_4' }));
    expect(d.data.map((i) => i.id)).toEqual(['msg_3', 'msg_2', 'msg_1']);
    expect(responseItemList([], query({}))).toEqual({
      object: 'list',
      data: [],
      first_id: null,
      last_id: null,
      has_more: false,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ order: 'up' }, 'order'],
    [{ after: '' }, 'after'],
  ])('rejects %j naming %s', (q, param) => {
    expect(() => query(q)).toThrow(OpenAIRequestError);
    expect(() => query(q)).toThrow(expect.objectContaining({ param }));
  });

  it('rejects an after cursor that is not in the list', () => {
    expect(() => responseItemList(items, query({ after: 'msg_9' }))).toThrow(
      expect.objectContaining({ param: 'after', status: 400 }),
    );
  });

  it('the openai SDK sends the query this reads and auto-paginates the pages', async () => {
    const { fetch, sent } = capturingFetch((req) => {
      const url = new URL(req.url);
      return jsonResponse(responseItemList(items, query(Object.fromEntries(url.searchParams))));
    });
    const client = new OpenAI({
      baseURL: 'http://127.0.0.1:9/v1',
      apiKey: 'k',
      fetch,
      maxRetries: 0,
    });
    const ids: string[] = [];
    for await (const item of client.responses.inputItems.list('resp_1', {
      limit: 2,
      order: 'asc',
    })) {
      ids.push(item.id as string);
    }
    expect(ids).toEqual(['msg_1', 'msg_2', 'msg_3', 'msg_4', 'msg_5']);
    expect(sent.map((s) => new URL(s.url).search)).toEqual([
      '?limit=2&order=asc',
      '?limit=2&order=asc&after=msg_2',
      '?limit=2&order=asc&after=msg_4',
    ]);
    expect(new URL(sent[0].url).pathname).toBe('/v1/responses/resp_1/input_items');
  });
});
