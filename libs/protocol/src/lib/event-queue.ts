/**
 * A single-consumer queue that a producer pushes to synchronously (from a DDS doorbell) and one
 * async consumer drains. Buffered items are handed out without allocating a promise each.
 */
export class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((v: void) => void) | undefined;
  private failure: { error: unknown } | undefined;
  private ended = false;

  push(item: T): void {
    if (this.ended || this.failure) return;
    this.items.push(item);
    this.wake();
  }

  /** Ends the queue with an error the consumer receives after the buffered items. */
  fail(error: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = { error };
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  get isClosed(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** The next item, or `undefined` once ended; rejects with the failure. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head++] as T;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        return item;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w();
    }
  }
}
