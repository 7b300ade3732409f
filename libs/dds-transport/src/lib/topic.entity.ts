import { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import type { TypeSupport } from './type-support';

/** A named, typed topic of one participant. Create with `participant.createTopic`. */
export class Topic<T> extends Entity {
  /** @internal */
  constructor(
    native: NativeAddon,
    handle: NativeHandle,
    parent: Entity,
    /** The topic name, e.g. `agent/register`. */
    readonly name: string,
    /** How samples of this topic are (de)serialized. */
    readonly type: TypeSupport<T>,
  ) {
    super(native, handle, parent, 'topic');
  }

  /** The participant this topic belongs to. @internal */
  get participant(): Entity {
    return this.parent as Entity;
  }
}
