import { Endpoint } from './endpoint.base';
import { checkMax, MAX_BATCH, type Sample } from './sample';

/**
 * What every reader shares, whatever its samples are: batched `take`/`read`, the `'data'`
 * doorbell and pull-based `for await` iteration. Subclasses only say how a batch is fetched.
 */
export abstract class SampleSource<T> extends Endpoint implements AsyncIterable<Sample<T>> {
  #wakers: (() => void)[] = [];

  /**
   * Removes and returns up to `max` (at most 4096) available samples, oldest first.
   * @throws DdsTypeError if a received payload does not decode (the batch is lost).
   */
  take(max: number = MAX_BATCH): Sample<T>[] {
    return this.fetchSamples(checkMax(max), true);
  }

  /** Like `take` but leaves the samples in the reader (marked read). */
  read(max: number = MAX_BATCH): Sample<T>[] {
    return this.fetchSamples(checkMax(max), false);
  }

  /** Pull-based iteration over taken samples; ends when the reader (or a parent) closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Sample<T>> {
    this.addHold(1);
    try {
      while (!this.closed) {
        const batch = this.take();
        if (batch.length > 0) {
          for (const s of batch) yield s;
          continue;
        }
        await new Promise<void>((resolve) => this.#wakers.push(resolve));
      }
    } finally {
      this.addHold(-1);
    }
  }

  /** Fetches up to `max` (already checked) samples from the native reader. */
  protected abstract fetchSamples(max: number, take: boolean): Sample<T>[];

  protected override onData(): void {
    this.#wake();
    this.emit('data');
  }

  protected override onClosed(): void {
    super.onClosed();
    this.#wake();
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const w of wakers) w();
  }
}
