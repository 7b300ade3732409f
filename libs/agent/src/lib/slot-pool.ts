/** Why {@link SlotPool.acquire} refused. */
export class SlotPoolError extends Error {
  override readonly name = 'SlotPoolError';
  constructor(
    readonly code: 'overloaded' | 'draining',
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  priority: number;
  resolve: (release: () => void) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Inference slots with a bounded local queue: higher priority first, FIFO among equals. A
 * waiter whose signal aborts leaves the queue.
 */
export class SlotPool {
  private busy = 0;
  private readonly queue: Waiter[] = [];
  private closedReason: SlotPoolError | undefined;

  constructor(
    readonly slots: number,
    readonly maxQueue: number,
    /** Called after every change of busy slots or queue depth. */
    private readonly onChange: () => void = () => undefined,
  ) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new RangeError(`slots must be an integer >= 1, got ${slots}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`maxQueue must be an integer >= 0, got ${maxQueue}`);
    }
  }

  get busySlots(): number {
    return this.busy;
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** Refuses new work from now on (queued waiters still get their slot). */
  close(reason: SlotPoolError): void {
    this.closedReason = reason;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(priority = 0, signal?: AbortSignal): Promise<() => void> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.busy < this.slots) {
      this.busy++;
      this.onChange();
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new SlotPoolError('overloaded', `all ${this.slots} slots busy and ${this.maxQueue} queued`),
      );
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { priority, resolve, reject, signal };
      let i = this.queue.length;
      while (i > 0 && (this.queue[i - 1] as Waiter).priority < priority) i--;
      this.queue.splice(i, 0, w);
      if (signal) {
        w.onAbort = () => {
          const at = this.queue.indexOf(w);
          if (at >= 0) {
            this.queue.splice(at, 1);
            this.onChange();
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.onChange();
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
        next.resolve(this.releaser());
      } else {
        this.busy--;
      }
      this.onChange();
    };
  }
}
