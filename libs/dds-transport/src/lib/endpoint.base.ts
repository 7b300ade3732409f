import { DdsAlreadyDeletedError, DdsTimeoutError, callNative } from './dds.errors';
import { Entity } from './entity.base';
import { StatusBit, type NativeAddon, type NativeHandle } from './native';
import { checkDuration } from './qos.policy';

/** Options of `waitForMatch`. */
export interface WaitForMatchOptions {
  /** Matched remote endpoints to wait for (default 1). */
  count?: number;
  /** Give up after this many ms (default Infinity) with `DdsTimeoutError`. */
  timeoutMs?: number;
}

const EVENT_OF_BIT: ReadonlyMap<number, string> = new Map([
  [StatusBit.PublicationMatched, 'publication-matched'],
  [StatusBit.SubscriptionMatched, 'subscription-matched'],
  [StatusBit.LivelinessLost, 'liveliness-lost'],
  [StatusBit.LivelinessChanged, 'liveliness-changed'],
  [StatusBit.OfferedDeadlineMissed, 'offered-deadline-missed'],
  [StatusBit.RequestedDeadlineMissed, 'requested-deadline-missed'],
  [StatusBit.OfferedIncompatibleQos, 'offered-incompatible-qos'],
  [StatusBit.RequestedIncompatibleQos, 'requested-incompatible-qos'],
  [StatusBit.SampleLost, 'sample-lost'],
  [StatusBit.SampleRejected, 'sample-rejected'],
]);

const KEEPALIVE_EVENTS = new Set(['data', ...EVENT_OF_BIT.values()]);

/**
 * Shared by readers and writers: the listener doorbell, status events, `waitForMatch` and
 * whether the entity keeps the Node process alive (only while someone listens, iterates or
 * waits, and never after `unref()`).
 */
export abstract class Endpoint extends Entity {
  #userUnref = false;
  #holds = 0;
  #refd = false;
  #unrefPending = false;
  readonly #isReader: boolean;

  /** @internal */
  protected constructor(
    native: NativeAddon,
    parent: Entity,
    kind: 'reader' | 'writer',
    create: (doorbell: (bits: number) => void) => NativeHandle,
  ) {
    // The doorbell can only ring after this constructor returns (it is delivered through the event
    // loop), but the closure must exist before the native entity does.
    const target: { self?: Endpoint } = {};
    const handle = create((bits) => target.self?.onDoorbell(bits));
    super(native, handle, parent, kind);
    target.self = this;
    this.#isReader = kind === 'reader';
    this.on('newListener', (event: string) => {
      if (KEEPALIVE_EVENTS.has(event)) this.setRefd(!this.#userUnref);
    });
    this.on('removeListener', () => this.updateRef());
  }

  /** Lets the process exit even while this entity has listeners, iterators or waiters. */
  unref(): this {
    this.#userUnref = true;
    this.updateRef();
    return this;
  }

  /** Undoes `unref()`. */
  ref(): this {
    this.#userUnref = false;
    this.updateRef();
    return this;
  }

  /** Number of remote endpoints currently matched. */
  matchedCount(): number {
    const h = this.handle;
    return callNative(`${this.kind}.matchedCount`, () =>
      this.native.matchedCount(h, this.#isReader),
    );
  }

  /**
   * Resolves once at least `count` remote endpoints match.
   * @throws DdsTimeoutError after `timeoutMs`; DdsAlreadyDeletedError if the entity closes first.
   */
  waitForMatch(options: WaitForMatchOptions = {}): Promise<void> {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('options must be an object');
    const { count = 1, timeoutMs = Infinity } = options;
    if (typeof count !== 'number' || !Number.isInteger(count))
      throw new TypeError('count must be an integer');
    if (count < 1) throw new RangeError('count must be >= 1');
    checkDuration(timeoutMs, 'timeoutMs');
    const event = this.#isReader ? 'subscription-matched' : 'publication-matched';
    if (this.matchedCount() >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        this.off(event, check);
        this.off('close', check);
        this.addHold(-1);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (this.closed) finish(new DdsAlreadyDeletedError(`${this.kind} is closed`));
        else if (this.matchedCount() >= count) finish();
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(
            () =>
              finish(
                new DdsTimeoutError(
                  `${this.kind}.waitForMatch: fewer than ${count} matched after ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          )
        : undefined;
      this.addHold(1);
      this.on(event, check);
      this.on('close', check);
    });
  }

  /** Counts an iterator or other consumer that should keep the process alive. @internal */
  protected addHold(delta: number): void {
    this.#holds += delta;
    this.updateRef();
  }

  protected override onClosed(): void {
    this.#refd = false;
  }

  /** Called for data-available; readers override. @internal */
  protected onData(): void {
    this.emit('data');
  }

  private onDoorbell(bits: number): void {
    if (this.closed) return;
    if (bits & StatusBit.DataAvailable) this.onData();
    if ((bits & ~StatusBit.DataAvailable) === 0) return;
    for (const [bit, event] of EVENT_OF_BIT) {
      if (!(bits & bit) || this.closed) continue;
      const h = this.handle;
      const status = callNative(`${this.kind}.status`, () => this.native.takeStatus(h, bit));
      this.emit(event, status);
    }
  }

  private wantsRef(): boolean {
    if (this.#userUnref) return false;
    if (this.#holds > 0) return true;
    for (const e of KEEPALIVE_EVENTS) if (this.listenerCount(e) > 0) return true;
    return false;
  }

  // Ref at once; unref on the next turn of the loop, so `once('data')` in a loop does not toggle
  // the native ref twice per sample (the pending immediate keeps the loop alive until then).
  private updateRef(): void {
    if (this.closed) return;
    if (this.wantsRef()) {
      this.setRefd(true);
      return;
    }
    if (!this.#refd || this.#unrefPending) return;
    this.#unrefPending = true;
    setImmediate(() => {
      this.#unrefPending = false;
      if (!this.closed && !this.wantsRef()) this.setRefd(false);
    });
  }

  private setRefd(refd: boolean): void {
    if (this.closed || refd === this.#refd) return;
    this.#refd = refd;
    const h = this.handle;
    this.native.setRef(h, refd);
  }
}
