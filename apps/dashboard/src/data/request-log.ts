import type { RequestRecord } from '../connection/frames';

/** The recent-requests list: newest first, at most `capacity`, one entry per request id. */
export class RequestLog {
  private items: RequestRecord[] = [];

  constructor(readonly capacity = 100) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    }
  }

  /** Replaces the list with a backlog (the `subscribed` frame, oldest first as the gateway sends it). */
  reset(records: readonly RequestRecord[]): void {
    this.items = [];
    for (const r of records) this.add(r);
  }

  /** Adds a record; a later record for the same id replaces the earlier one. */
  add(record: RequestRecord): void {
    const rest = this.items.filter((r) => r.id !== record.id);
    rest.unshift(record);
    if (rest.length > this.capacity) rest.length = this.capacity;
    this.items = rest;
  }

  /** Newest first. */
  list(): readonly RequestRecord[] {
    return this.items;
  }
}
