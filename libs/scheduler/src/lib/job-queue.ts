/**
 * A FIFO of entries that can die while queued (cancelled, deadline). Removal from the middle is
 * lazy: dead entries are skipped at the head and compacted away once they outnumber the live ones,
 * so every operation is amortised O(1) and memory stays proportional to the live entries.
 */
export class LazyDeque<T> {
  private items: T[] = [];
  private head = 0;
  private dead = 0;

  constructor(private readonly isLive: (item: T) => boolean) {}

  /** Live entries. */
  get size(): number {
    return this.items.length - this.head - this.dead;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Records that one queued entry died; it is dropped later (indices stay valid until then). */
  markDead(): void {
    this.dead++;
  }

  /** Drops dead entries once they outnumber the live ones; invalidates indices. */
  maybeCompact(): void {
    if (this.dead > 32 && this.dead * 2 > this.items.length - this.head) this.compact();
  }

  /** The oldest live entry. */
  peek(): T | undefined {
    this.dropDeadHead();
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /**
   * Position of the first live entry at or after `from` (absolute index), or -1. Indices stay valid
   * until the next `peek`, `firstLive` or `maybeCompact`.
   */
  nextLive(from: number): number {
    for (let i = Math.max(from, this.head); i < this.items.length; i++) {
      if (this.isLive(this.items[i])) return i;
    }
    return -1;
  }

  /** The first live position (absolute index), or -1. */
  firstLive(): number {
    this.dropDeadHead();
    return this.head < this.items.length ? this.head : -1;
  }

  at(index: number): T {
    return this.items[index];
  }

  private dropDeadHead(): void {
    while (this.head < this.items.length && !this.isLive(this.items[this.head])) {
      this.head++;
      this.dead--;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.dead = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private compact(): void {
    this.items = this.items.slice(this.head).filter(this.isLive);
    this.head = 0;
    this.dead = 0;
  }

  /** Live entries in order (for snapshots and tests). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) {
      if (this.isLive(this.items[i])) yield this.items[i];
    }
  }
}
