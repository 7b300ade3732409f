import { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import { validateQos, type Qos } from './qos.policy';
import { Reader } from './reader.entity';
import type { Topic } from './topic.entity';
import { checkTopic } from './topic-check';

/** Groups readers under one set of partitions. Create with `participant.createSubscriber`. */
export class Subscriber extends Entity {
  /** @internal */
  constructor(native: NativeAddon, handle: NativeHandle, parent: Entity) {
    super(native, handle, parent, 'subscriber');
  }

  /** Creates a reader for `topic` (a topic of this subscriber's participant). */
  createReader<T>(topic: Topic<T>, qos?: Qos): Reader<T> {
    const h = this.handle;
    checkTopic(topic, this.parent);
    validateQos(qos);
    return new Reader(this.native, this, h, topic, qos);
  }
}
