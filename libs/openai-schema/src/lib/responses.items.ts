import { OpenAIRequestError } from './openai.errors';
import type { ResponseItemList, ResponseStoredItem } from './responses.types';
import { invalidEnum, invalidValue } from './validation.util';

/** The query of `GET /v1/responses/{id}/input_items`. */
export interface InputItemsQuery {
  /** 1-100, default 20. */
  readonly limit: number;
  /** `desc` (newest first, OpenAI's default) or `asc`. */
  readonly order: 'asc' | 'desc';
  /** List the items after this one (in `order`). */
  readonly after?: string;
}

const ORDERS = ['asc', 'desc'] as const;

/**
 * Reads `limit`, `order` and `after` from a query string's parsed object (values as strings;
 * `include` and unknown keys are ignored).
 *
 * @throws {@link OpenAIRequestError} (400) naming the parameter.
 */
export function validateInputItemsQuery(query: Record<string, unknown>): InputItemsQuery {
  const { limit, order, after } = query;
  let n = 20;
  if (limit !== undefined) {
    n = Number(limit);
    if (typeof limit !== 'string' || !/^\d+$/.test(limit) || n < 1 || n > 100) {
      throw invalidValue('limit', `expected an integer from 1 to 100, got '${String(limit)}'.`);
    }
  }
  if (order !== undefined && !ORDERS.includes(order as 'asc')) {
    throw invalidEnum('order', order, ORDERS);
  }
  if (after !== undefined && (typeof after !== 'string' || after.length === 0)) {
    throw invalidValue('after', 'expected an item id.');
  }
  return {
    limit: n,
    order: (order as 'asc' | 'desc' | undefined) ?? 'desc',
    ...(after !== undefined ? { after: after as string } : {}),
  };
}

/**
 * One page of a response's input items (its whole conversation before its output, as OpenAI lists
 * it for chained responses), with `first_id`, `last_id` and `has_more`.
 *
 * @throws {@link OpenAIRequestError} (400, `param` `after`) when `after` names no item of the list.
 */
export function responseItemList(
  items: readonly ResponseStoredItem[],
  query: InputItemsQuery,
): ResponseItemList {
  const ordered = query.order === 'asc' ? items : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((i) => i.id === query.after);
    if (at === -1) {
      throw new OpenAIRequestError(
        `Item with id '${query.after}' is not an input item of this response.`,
        'after',
        'invalid_value',
      );
    }
    start = at + 1;
  }
  const data = ordered.slice(start, start + query.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: start + data.length < ordered.length,
  };
}
