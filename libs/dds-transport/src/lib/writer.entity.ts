import { transientEncoder } from './cdr/type-support-factory';
import { callNative, fromNative } from './dds.errors';
import { Endpoint } from './endpoint.base';
import type { Entity } from './entity.base';
import { WriteOp, type NativeAddon, type NativeHandle } from './native';
import { checkDuration, type Qos } from './qos.policy';
import type { Topic } from './topic.entity';
import type { DataRepresentation, TypeSupport } from './type-support';

/** Payload of `'publication-matched'`. */
export interface PublicationMatchedStatus {
  totalCount: number;
  totalCountChange: number;
  currentCount: number;
  currentCountChange: number;
  lastSubscriptionHandle: bigint;
}

/** Payload of `'liveliness-lost'`. */
export interface LivelinessLostStatus {
  totalCount: number;
  totalCountChange: number;
}

/** Payload of `'offered-deadline-missed'` / `'requested-deadline-missed'`. */
export interface DeadlineMissedStatus {
  totalCount: number;
  totalCountChange: number;
  lastInstanceHandle: bigint;
}

/** Payload of `'offered-incompatible-qos'` / `'requested-incompatible-qos'`. */
export interface IncompatibleQosStatus {
  /** Kebab-case name of the last offending policy, e.g. `durability`, `reliability`. */
  policy: string;
  policyId: number;
  totalCount: number;
  totalCountChange: number;
}

/**
 * Publishes samples of one topic. Writes are synchronous: the sample is encoded in JS and handed
 * to CycloneDDS, which may block up to the reliability max-blocking time when the history is full.
 * Samples written in one synchronous run of JS code travel packed in as few network messages as
 * possible and are sent when that code returns to the event loop (or on `flush()`).
 */
export class Writer<T> extends Endpoint {
  override on(event: 'publication-matched', listener: (s: PublicationMatchedStatus) => void): this;
  override on(event: 'liveliness-lost', listener: (s: LivelinessLostStatus) => void): this;
  override on(event: 'offered-deadline-missed', listener: (s: DeadlineMissedStatus) => void): this;
  override on(
    event: 'offered-incompatible-qos',
    listener: (s: IncompatibleQosStatus) => void,
  ): this;
  override on(event: 'close', listener: () => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override once(
    event: 'publication-matched',
    listener: (s: PublicationMatchedStatus) => void,
  ): this;
  override once(event: 'liveliness-lost', listener: (s: LivelinessLostStatus) => void): this;
  override once(
    event: 'offered-deadline-missed',
    listener: (s: DeadlineMissedStatus) => void,
  ): this;
  override once(
    event: 'offered-incompatible-qos',
    listener: (s: IncompatibleQosStatus) => void,
  ): this;
  override once(event: 'close', listener: () => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  readonly #representation: DataRepresentation;
  readonly #type: TypeSupport<T>;
  #flushQueued = false;
  readonly #flushLater = (): void => {
    this.#flushQueued = false;
    this.flush();
  };

  /** @internal */
  constructor(
    native: NativeAddon,
    parent: Entity,
    parentHandle: NativeHandle,
    readonly topic: Topic<T>,
    qos: Qos | undefined,
  ) {
    const topicHandle = topic.handle;
    super(native, parent, 'writer', (doorbell) =>
      callNative('createWriter', () =>
        native.createWriter(parentHandle, topicHandle, qos ?? null, doorbell),
      ),
    );
    this.#type = topic.type;
    this.#representation = qos?.dataRepresentation?.[0] ?? topic.type.defaultDataRepresentation;
  }

  /** Publishes `sample`. @throws DdsTypeError if it does not fit the type; DdsError from DDS. */
  write(sample: T): void {
    this.#op(sample, WriteOp.Write, 'writer.write');
  }

  /** Publishes `sample` and disposes its instance in one step. */
  writeDispose(sample: T): void {
    this.#op(sample, WriteOp.WriteDispose, 'writer.writeDispose');
  }

  /** Disposes the instance identified by the key fields of `sample` (readers see no data). */
  dispose(sample: T): void {
    this.#op(sample, WriteOp.Dispose, 'writer.dispose');
  }

  /** Unregisters this writer from the instance of `sample` (readers see no-writers when last). */
  unregister(sample: T): void {
    this.#op(sample, WriteOp.Unregister, 'writer.unregister');
  }

  /**
   * Resolves when all matched reliable readers acknowledged everything written so far.
   * @throws DdsTimeoutError after `timeoutMs`.
   */
  async waitForAcks(timeoutMs = Infinity): Promise<void> {
    checkDuration(timeoutMs, 'timeoutMs');
    const h = this.handle;
    this.flush();
    this.addHold(1);
    try {
      await this.native.waitForAcks(h, timeoutMs);
    } catch (e) {
      throw fromNative(e, 'writer.waitForAcks');
    } finally {
      this.addHold(-1);
    }
  }

  /** Asserts liveliness (for manual-by-participant / manual-by-topic liveliness). */
  assertLiveliness(): void {
    const h = this.handle;
    callNative('writer.assertLiveliness', () => this.native.assertLiveliness(h));
  }

  // The hot path: no closures or per-call strings, so a write allocates only what encode needs.
  #op(sample: T, op: WriteOp, what: string): void {
    const h = this.handle;
    if (typeof sample !== 'object' || sample === null)
      throw new TypeError('sample must be an object');
    // The native write consumes the bytes (Cyclone copies them) before any other encode can run,
    // so a generated type's encoder may hand out its reused buffer instead of a fresh copy.
    const type = this.#type;
    const transient = transientEncoder(type.encode);
    const bytes =
      transient !== undefined
        ? transient(sample, this.#representation)
        : type.encode(sample, this.#representation);
    try {
      this.native.write(h, bytes, op);
    } catch (e) {
      throw fromNative(e, what);
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushLater);
    }
  }

  /**
   * Sends samples written in the current JS job now. Writes are packed into as few network
   * messages as possible and sent automatically once the current job (synchronous code) ends, so
   * calling this is only needed to send before a long synchronous computation.
   */
  flush(): void {
    if (this.closed) return;
    this.native.flush(this.handle);
  }
}
