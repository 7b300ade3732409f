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

/** Options of `write`, `writeDispose`, `dispose` and `unregister`. */
export interface WriteOptions {
  /**
   * Source timestamp in nanoseconds since the Unix epoch (what readers see as
   * `info.sourceTimestamp`); default: now. RTPS carries 32-bit seconds, so it must lie in
   * [0, {@link MAX_SOURCE_TIMESTAMP}].
   */
  timestamp?: bigint;
}

/** Latest source timestamp RTPS can carry (2038-01-19T03:14:07.999999999Z), in ns. */
export const MAX_SOURCE_TIMESTAMP = 2n ** 31n * 1_000_000_000n - 1n;

/** The checked timestamp of `options`, or undefined for "now". */
function timestampOf(options: WriteOptions | undefined): bigint | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const ts = options.timestamp;
  if (ts === undefined) return undefined;
  if (typeof ts !== 'bigint')
    throw new TypeError('timestamp must be a bigint (ns since the epoch)');
  if (ts < 0n || ts > MAX_SOURCE_TIMESTAMP)
    throw new RangeError(`timestamp must be between 0 and ${MAX_SOURCE_TIMESTAMP} ns`);
  return ts;
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

  /**
   * Publishes `sample`, stamped now or with `options.timestamp`.
   * @throws DdsTypeError if it does not fit the type; TypeError/RangeError for bad options;
   * DdsError from DDS.
   */
  write(sample: T, options?: WriteOptions): void {
    this.#op(sample, WriteOp.Write, 'writer.write', options);
  }

  /** Publishes `sample` and disposes its instance in one step. */
  writeDispose(sample: T, options?: WriteOptions): void {
    this.#op(sample, WriteOp.WriteDispose, 'writer.writeDispose', options);
  }

  /** Disposes the instance identified by the key fields of `sample` (readers see no data). */
  dispose(sample: T, options?: WriteOptions): void {
    this.#op(sample, WriteOp.Dispose, 'writer.dispose', options);
  }

  /** Unregisters this writer from the instance of `sample` (readers see no-writers when last). */
  unregister(sample: T, options?: WriteOptions): void {
    this.#op(sample, WriteOp.Unregister, 'writer.unregister', options);
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
  #op(sample: T, op: WriteOp, what: string, options: WriteOptions | undefined): void {
    const h = this.handle;
    if (typeof sample !== 'object' || sample === null)
      throw new TypeError('sample must be an object');
    const timestamp = timestampOf(options);
    // The native write consumes the bytes (Cyclone copies them) before any other encode can run,
    // so a generated type's encoder may hand out its reused buffer instead of a fresh copy.
    const type = this.#type;
    const transient = transientEncoder(type.encode);
    const bytes =
      transient !== undefined
        ? transient(sample, this.#representation)
        : type.encode(sample, this.#representation);
    try {
      if (timestamp === undefined) this.native.write(h, bytes, op);
      else this.native.write(h, bytes, op, timestamp);
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
