import { callNative } from './dds.errors';
import type { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import type { Qos } from './qos.policy';
import { infoFromFlags, type Sample } from './sample';
import { SampleSource } from './sample-source.base';

/** Names of CycloneDDS's built-in discovery topics. */
export type BuiltinTopicName = 'DCPSParticipant' | 'DCPSPublication' | 'DCPSSubscription';

/** QoS policies of a discovered entity (those present in its discovery data). */
export type DiscoveredQos = Pick<
  Qos,
  | 'reliability'
  | 'durability'
  | 'deadlineMs'
  | 'liveliness'
  | 'ownership'
  | 'userData'
  | 'topicData'
  | 'groupData'
> & { partitions?: string[] };

/** A sample of DCPSParticipant. `key` is the participant GUID as 32 hex digits. */
export interface ParticipantBuiltinTopicData {
  key: string;
  qos: DiscoveredQos;
}

/** A sample of DCPSPublication / DCPSSubscription (a discovered writer / reader). */
export interface EndpointBuiltinTopicData {
  key: string;
  participantKey: string;
  participantInstanceHandle: bigint;
  topicName: string;
  typeName: string;
  qos: DiscoveredQos;
}

/** Maps a built-in topic name to its sample type. */
export interface BuiltinTopicTypes {
  DCPSParticipant: ParticipantBuiltinTopicData;
  DCPSPublication: EndpointBuiltinTopicData;
  DCPSSubscription: EndpointBuiltinTopicData;
}

const WHICH = { DCPSParticipant: 1, DCPSPublication: 3, DCPSSubscription: 4 } as const;

/**
 * Reads CycloneDDS's discovery data: participants, writers (publications) and readers
 * (subscriptions) in the domain, local ones included. Disposed/no-writers samples carry only
 * `key`. Same `take`/`read`/`for await`/events as `Reader`. Create with
 * `participant.createBuiltinReader(name)`.
 */
export class BuiltinReader<T> extends SampleSource<T> {
  /** @internal */
  constructor(
    native: NativeAddon,
    parent: Entity,
    parentHandle: NativeHandle,
    /** Which built-in topic this reader reads. */
    readonly topicName: BuiltinTopicName,
    qos: Qos | undefined,
  ) {
    super(native, parent, 'reader', (doorbell) =>
      callNative('createBuiltinReader', () =>
        native.createBuiltinReader(parentHandle, WHICH[topicName], qos ?? null, doorbell),
      ),
    );
  }

  protected fetchSamples(max: number, take: boolean): Sample<T>[] {
    const h = this.handle;
    const raw = callNative(take ? 'reader.take' : 'reader.read', () =>
      this.native.takeBuiltin(h, max, take),
    );
    return raw.map((r) => {
      const info = infoFromFlags(r.flags, r.sourceTimestamp, r.instanceHandle, r.publicationHandle);
      const key = { key: r.data.key } as unknown as Partial<T>;
      return info.validData ? { data: r.data as unknown as T, key, info } : { key, info };
    });
  }
}
