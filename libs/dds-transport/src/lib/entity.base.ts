import { EventEmitter } from 'node:events';
import { DdsAlreadyDeletedError, callNative, fromNative } from './dds.errors';
import type { NativeAddon, NativeHandle } from './native';

/**
 * What all DDS entities share: a native handle, parent/child bookkeeping, idempotent `close()`
 * (closing a parent closes its children, as Cyclone deletes them), and `using`/`await using`.
 * Emits `'close'` once when the entity is closed (by itself or by a parent).
 */
export abstract class Entity extends EventEmitter {
  readonly #handle: NativeHandle;
  #closed = false;
  readonly #children = new Set<Entity>();

  /** @internal */
  protected constructor(
    /** @internal */ protected readonly native: NativeAddon,
    handle: NativeHandle,
    /** The entity this one was created from (undefined for a participant). */
    readonly parent: Entity | undefined,
    /** Kind of entity, used in error messages (`writer`, `reader`, ...). */
    readonly kind: string,
  ) {
    super();
    this.#handle = handle;
    if (parent) parent.#children.add(this);
  }

  /** True once `close()` ran on this entity or on one of its ancestors. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The native handle; throws `DdsAlreadyDeletedError` after close.
   * @internal
   */
  get handle(): NativeHandle {
    if (this.#closed) throw new DdsAlreadyDeletedError(`${this.kind} is closed`);
    return this.#handle;
  }

  /** DDS instance handle (GUID-derived) of this entity, e.g. to compare with `publicationHandle`. */
  get instanceHandle(): bigint {
    const h = this.handle;
    return callNative(`${this.kind}.instanceHandle`, () => this.native.instanceHandle(h));
  }

  /**
   * Deletes the entity and everything created from it. Idempotent. Closing a topic that readers
   * or writers still use closes only its handle: CycloneDDS keeps the topic alive for them.
   * @throws DdsError if CycloneDDS refuses the deletion.
   */
  close(): void {
    if (this.#closed) return;
    try {
      this.native.deleteEntity(this.#handle);
    } catch (e) {
      const err = fromNative(e, `${this.kind}.close`);
      if (!(err instanceof DdsAlreadyDeletedError)) throw err;
    }
    this.markClosed();
  }

  /** `await using` support: closes the entity. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** `using` support: closes the entity. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Marks this entity and its descendants closed after native deletion. @internal */
  protected markClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#children) c.markClosed();
    this.#children.clear();
    if (this.parent) this.parent.#children.delete(this);
    this.onClosed();
    this.emit('close');
  }

  /** Hook for subclasses: release waiters, end iterators. */
  protected onClosed(): void {
    // nothing by default
  }
}
