import { DdsAlreadyDeletedError } from './dds.errors';
import type { Entity } from './entity.base';
import { Topic } from './topic.entity';

/** Checks that `topic` is an open topic of `participant`. @internal */
export function checkTopic(
  topic: unknown,
  participant: Entity | undefined,
): asserts topic is Topic<unknown> {
  if (!(topic instanceof Topic)) throw new TypeError('topic must be a Topic');
  if (topic.parent !== participant) throw new TypeError('topic belongs to another participant');
  if (topic.closed) throw new DdsAlreadyDeletedError('topic is closed');
}
