import { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import { validateQos, type Qos } from './qos.policy';
import type { Topic } from './topic.entity';
import { Writer } from './writer.entity';
import { checkTopic } from './topic-check';

/** Groups writers under one set of partitions. Create with `participant.createPublisher`. */
export class Publisher extends Entity {
  /** @internal */
  constructor(native: NativeAddon, handle: NativeHandle, parent: Entity) {
    super(native, handle, parent, 'publisher');
  }

  /** Creates a writer for `topic` (a topic of this publisher's participant). */
  createWriter<T>(topic: Topic<T>, qos?: Qos): Writer<T> {
    const h = this.handle;
    checkTopic(topic, this.parent);
    validateQos(qos);
    return new Writer(this.native, this, h, topic, qos);
  }
}
