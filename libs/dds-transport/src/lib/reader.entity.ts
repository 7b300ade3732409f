import { callNative } from './dds.errors';
import { Endpoint } from './endpoint.base';
import type { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import type { Qos } from './qos.policy';
import { checkMax, decodeBatch, type Sample } from './sample';
import type { Topic } from './topic.entity';
import type { DeadlineMissedStatus, IncompatibleQosStatus } from './writer.entity';

/** Payload of `'subscription-matched'`. */
export interface SubscriptionMatchedStatus {
  totalCount: number;
  totalCountChange: number;
  currentCount: number;
  currentCountChange: number;
  lastPublicationHandle: bigint;
}

/** Payload of `'liveliness-changed'`. */
export interface LivelinessChangedStatus {
  aliveCount: number;
  notAliveCount: number;
  aliveCountChange: number;
  notAliveCountChange: number;
  lastPublicationHandle: bigint;
}

/** Payload of `'sample-lost'` and `'sample-rejected'`. */
export interface SampleLostStatus {
  totalCount: number;
  totalCountChange: number;
}

/** Payload of `'sample-rejected'`. */
export interface SampleRejectedStatus extends SampleLostStatus {
  lastReason: 'instances-limit' | 'samples-limit' | 'samples-per-instance-limit' | 'not-rejected';
  lastInstanceHandle: bigint;
}

/** Most samples one `take`/`read` returns. */
export const MAX_BATCH = 4096;

/**
 * Receives samples of one topic. `'data'` is a doorbell without payload: call `take()`. Or
 * iterate with `for await`, which pulls batches as the loop consumes them (backpressure comes
 * from the reader's history QoS).
 */
export class Reader<T> extends Endpoint implements AsyncIterable<Sample<T>> {
  override on(event: 'data', listener: () => void): this;
  override on(
    event: 'subscription-matched',
    listener: (s: SubscriptionMatchedStatus) => void,
  ): this;
  override on(event: 'liveliness-changed', listener: (s: LivelinessChangedStatus) => void): this;
  override on(
    event: 'requested-deadline-missed',
    listener: (s: DeadlineMissedStatus) => void,
  ): this;
  override on(
    event: 'requested-incompatible-qos',
    listener: (s: IncompatibleQosStatus) => void,
  ): this;
  override on(event: 'sample-lost', listener: (s: SampleLostStatus) => void): this;
  override on(event: 'sample-rejected', listener: (s: SampleRejectedStatus) => void): this;
  override on(event: 'close', listener: () => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override once(event: 'data', listener: () => void): this;
  override once(
    event: 'subscription-matched',
    listener: (s: SubscriptionMatchedStatus) => void,
  ): this;
  override once(event: 'liveliness-changed', listener: (s: LivelinessChangedStatus) => void): this;
  override once(
    event: 'requested-deadline-missed',
    listener: (s: DeadlineMissedStatus) => void,
  ): this;
  override once(
    event: 'requested-incompatible-qos',
    listener: (s: IncompatibleQosStatus) => void,
  ): this;
  override once(event: 'sample-lost', listener: (s: SampleLostStatus) => void): this;
  override once(event: 'sample-rejected', listener: (s: SampleRejectedStatus) => void): this;
  override once(event: 'close', listener: () => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  #wakers: (() => void)[] = [];

  /** @internal */
  constructor(
    native: NativeAddon,
    parent: Entity,
    parentHandle: NativeHandle,
    readonly topic: Topic<T>,
    qos: Qos | undefined,
  ) {
    const topicHandle = topic.handle;
    super(native, parent, 'reader', (doorbell) =>
      callNative('createReader', () =>
        native.createReader(parentHandle, topicHandle, qos ?? null, doorbell),
      ),
    );
  }

  /**
   * Removes and returns up to `max` (at most 4096) available samples, oldest first.
   * @throws DdsTypeError if a received payload does not decode (the batch is lost).
   */
  take(max: number = MAX_BATCH): Sample<T>[] {
    return this.#fetch(max, true);
  }

  /** Like `take` but leaves the samples in the reader (marked read). */
  read(max: number = MAX_BATCH): Sample<T>[] {
    return this.#fetch(max, false);
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

  #fetch(max: unknown, take: boolean): Sample<T>[] {
    const n = checkMax(max);
    const h = this.handle;
    const buf = callNative(take ? 'reader.take' : 'reader.read', () =>
      this.native.take(h, n, take),
    );
    return decodeBatch(buf, this.topic.type);
  }
}
