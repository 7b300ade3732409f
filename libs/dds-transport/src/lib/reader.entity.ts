import { callNative } from './dds.errors';
import type { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import type { Qos } from './qos.policy';
import { decodeBatch, type Sample } from './sample';
import { SampleSource } from './sample-source.base';
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

/**
 * Receives samples of one topic. `'data'` is a doorbell without payload: call `take()`. Or
 * iterate with `for await`, which pulls batches as the loop consumes them (backpressure comes
 * from the reader's history QoS).
 */
export class Reader<T> extends SampleSource<T> {
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

  protected fetchSamples(max: number, take: boolean): Sample<T>[] {
    const h = this.handle;
    const buf = callNative(take ? 'reader.take' : 'reader.read', () =>
      this.native.take(h, max, take),
    );
    return decodeBatch(buf, this.topic.type);
  }
}
