import type { ResponseObject, ResponseStatus, ResponseStoredItem } from '@dds/openai-schema';
import { LRUCache } from 'lru-cache';
import { InvalidResponseTransitionError, ResponseNotFoundError } from './context.errors';
import type { ContextClock } from './context.types';

/**
 * One stored response of the Responses API: the `response` object as clients retrieve it, and the
 * conversation the model saw for it (`input`: the earlier turns of its `previous_response_id`
 * chain, then this request's input items, references resolved). Records are immutable; a status
 * change replaces the record.
 */
export interface StoredResponse {
  readonly response: ResponseObject;
  readonly input: readonly ResponseStoredItem[];
}

/**
 * Where the gateway keeps Responses API state (`store: true`, `previous_response_id`,
 * `GET`/`DELETE /v1/responses/{id}`, background responses and their cancel). Asynchronous so that a
 * persistent implementation (Redis, SQL) can stand in for {@link InMemoryResponseStore}.
 *
 * Status changes follow {@link RESPONSE_TRANSITIONS}; the store enforces them, so that a cancel and
 * a completion racing for one background response settle on whichever came first.
 */
export interface ResponseStore {
  /** Stores (or replaces) a record. */
  put(record: StoredResponse): Promise<void>;
  /** The record, or `undefined` when unknown, expired or deleted. */
  get(id: string): Promise<StoredResponse | undefined>;
  /**
   * Replaces the record's response with `next` (same id) if its status may follow the stored one.
   *
   * @throws {@link ResponseNotFoundError} when the response is not stored.
   * @throws {@link InvalidResponseTransitionError} when the stored status cannot become `next.status`.
   */
  transition(next: ResponseObject): Promise<StoredResponse>;
  /** Forgets a response; whether it was stored. */
  delete(id: string): Promise<boolean>;
  /** An input or output item of any stored response, by item id (for `item_reference`s). */
  item(id: string): Promise<ResponseStoredItem | undefined>;
}

/**
 * The lifecycle of a response: `queued` (background only) → `in_progress` → `completed`,
 * `incomplete`, `failed` or `cancelled` (background only, from `queued` or `in_progress`). Terminal
 * statuses never change again; a non-terminal one may be re-stored as is (progress).
 */
export const RESPONSE_TRANSITIONS: Readonly<Record<ResponseStatus, readonly ResponseStatus[]>> = {
  queued: ['queued', 'in_progress', 'failed', 'cancelled'],
  in_progress: ['in_progress', 'completed', 'incomplete', 'failed', 'cancelled'],
  completed: [],
  incomplete: [],
  failed: [],
  cancelled: [],
};

/** Whether a response in `status` is finished. */
export function isTerminalStatus(status: ResponseStatus): boolean {
  return RESPONSE_TRANSITIONS[status].length === 0;
}

/** Whether a response may go from `from` to `to`. */
export function canTransition(from: ResponseStatus, to: ResponseStatus): boolean {
  return RESPONSE_TRANSITIONS[from].includes(to);
}

/** The conversation a response continues into (`previous_response_id`): its input, then its output. */
export function responseConversation(record: StoredResponse): ResponseStoredItem[] {
  return [...record.input, ...record.response.output];
}

/** Construction options of {@link InMemoryResponseStore}. */
export interface InMemoryResponseStoreOptions {
  /** Idle time after which a response is forgotten (every read renews it), ms. */
  readonly ttlMs: number;
  /** Most responses kept (least recently used evicted first). Default 10000. */
  readonly maxResponses?: number;
  /**
   * Most bytes kept (approximate UTF-16 JSON size). Each response counts its whole conversation,
   * including the items it shares with the responses it continues, so the bound holds even when
   * those are evicted first. Default 64 MiB.
   */
  readonly maxBytes?: number;
  /** Default: `performance`. */
  readonly clock?: ContextClock;
}

interface Entry {
  readonly record: StoredResponse;
  readonly bytes: number;
}

/**
 * {@link ResponseStore} in this process's memory: idle TTL and an LRU bound on count and bytes
 * (`lru-cache`), an index of items by id (counted per record holding them) for `item_reference`. Lost on restart, and each gateway has its own: a client chaining responses
 * through several gateways needs a shared implementation of the interface.
 */
export class InMemoryResponseStore implements ResponseStore {
  private readonly cache: LRUCache<string, Entry>;
  /** Items by id, with how many times each live record holds them. */
  private readonly items = new Map<
    string,
    { item: ResponseStoredItem; holders: Map<string, number> }
  >();
  private readonly sizes = new WeakMap<object, number>();
  private readonly maxBytes: number;

  constructor(options: InMemoryResponseStoreOptions) {
    const ttlMs = options?.ttlMs;
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
      throw new RangeError(
        `InMemoryResponseStore: ttlMs must be a finite number > 0, got ${String(ttlMs)}`,
      );
    }
    const max = options.maxResponses ?? 10_000;
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    for (const [k, v] of [
      ['maxResponses', max],
      ['maxBytes', maxBytes],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(
          `InMemoryResponseStore: ${k} must be an integer >= 1, got ${String(v)}`,
        );
      }
    }
    this.maxBytes = maxBytes;
    const clock: ContextClock = options.clock ?? performance;
    this.cache = new LRUCache<string, Entry>({
      max,
      maxSize: maxBytes,
      sizeCalculation: (e) => e.bytes,
      ttl: ttlMs,
      updateAgeOnGet: true,
      perf: { now: () => clock.now() },
      ttlResolution: 0,
      // Runs for every way out (eviction, expiry, delete, replacement): the index follows.
      dispose: (e) => this.unindex(e.record),
    });
  }

  /** Live responses. */
  get size(): number {
    this.cache.purgeStale();
    return this.cache.size;
  }

  /** Approximate bytes held (see {@link InMemoryResponseStoreOptions.maxBytes}). */
  get bytes(): number {
    this.cache.purgeStale();
    return this.cache.calculatedSize;
  }

  async put(record: StoredResponse): Promise<void> {
    this.set(record);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    return this.cache.get(id)?.record;
  }

  async transition(next: ResponseObject): Promise<StoredResponse> {
    const current = this.cache.get(next.id);
    if (!current) throw new ResponseNotFoundError(next.id);
    const from = current.record.response.status;
    if (!canTransition(from, next.status)) {
      throw new InvalidResponseTransitionError(next.id, from, next.status);
    }
    const record: StoredResponse = { response: next, input: current.record.input };
    this.set(record);
    return record;
  }

  async delete(id: string): Promise<boolean> {
    return this.cache.delete(id);
  }

  async item(id: string): Promise<ResponseStoredItem | undefined> {
    const e = this.items.get(id);
    if (!e) return undefined;
    // An expired record leaves the index only when lru-cache notices; `has` notices.
    for (const holder of e.holders.keys()) if (this.cache.has(holder)) return e.item;
    return undefined;
  }

  private set(record: StoredResponse): void {
    let bytes = this.sizeOf(record.response);
    for (const item of record.input) bytes += this.sizeOf(item);
    if (bytes > this.maxBytes) {
      // lru-cache would refuse it silently; the caller learns it was not kept by a later `get`.
      this.cache.delete(record.response.id);
      return;
    }
    this.index(record);
    this.cache.set(record.response.id, { record, bytes });
  }

  private sizeOf(o: object): number {
    let n = this.sizes.get(o);
    if (n === undefined) {
      n = JSON.stringify(o).length * 2;
      this.sizes.set(o, n);
    }
    return n;
  }

  private index(record: StoredResponse): void {
    const id = record.response.id;
    for (const item of record.input) this.hold(item, id);
    for (const item of record.response.output) this.hold(item, id);
  }

  private hold(item: ResponseStoredItem, holder: string): void {
    const e = this.items.get(item.id);
    if (!e) {
      this.items.set(item.id, { item, holders: new Map([[holder, 1]]) });
      return;
    }
    e.item = item;
    e.holders.set(holder, (e.holders.get(holder) ?? 0) + 1);
  }

  private unindex(record: StoredResponse): void {
    const holder = record.response.id;
    for (const items of [record.input, record.response.output]) {
      for (const item of items) {
        const e = this.items.get(item.id);
        const n = e?.holders.get(holder);
        if (!e || n === undefined) continue;
        if (n > 1) e.holders.set(holder, n - 1);
        else e.holders.delete(holder);
        if (e.holders.size === 0) this.items.delete(item.id);
      }
    }
  }
}
