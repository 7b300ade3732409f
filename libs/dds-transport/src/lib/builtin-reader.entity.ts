import { callNative } from './dds.errors';
import { Endpoint } from './endpoint.base';
import type { Entity } from './entity.base';
import type { NativeAddon, NativeHandle } from './native';
import type { Qos } from './qos.policy';
import { MAX_BATCH } from './reader.entity';
import { checkMax, infoFromFlags, type Sample } from './sample';

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
export class BuiltinReader<T> extends Endpoint implements AsyncIterable<Sample<T>> {
  #wakers: (() => void)[] = [];

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

  /** Removes and returns up to `max` (at most 4096) samples. */
  take(max: number = MAX_BATCH): Sample<T>[] {
    return this.#fetch(max, true);
  }

  /** Like `take` but leaves the samples in the reader. */
  read(max: number = MAX_BATCH): Sample<T>[] {
    return this.#fetch(max, false);
  }

  /** Pull-based iteration; ends when the reader closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<Sample<T>> {
    this.addHold(1);
    try {
      while (!this.closed) {
        const batch = this.take();
        if (batch.length > 0) {
          for (const s of batch) yield s;
          continue;
        }
        await new Promise<void>((resolve) => this.#wakers.push(resolve));
      }
    } finally {
      this.addHold(-1);
    }
  }

  protected override onData(): void {
    this.#wake();
    this.emit('data');
  }

  protected override onClosed(): void {
    super.onClosed();
    this.#wake();
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const w of wakers) w();
  }

  #fetch(max: unknown, take: boolean): Sample<T>[] {
    const n = checkMax(max);
    const h = this.handle;
    const raw = callNative(take ? 'reader.take' : 'reader.read', () =>
      this.native.takeBuiltin(h, n, take),
    );
    return raw.map((r) => {
      const info = infoFromFlags(r.flags, r.sourceTimestamp, r.instanceHandle, r.publicationHandle);
      const key = { key: r.data.key } as unknown as Partial<T>;
      return info.validData ? { data: r.data as unknown as T, key, info } : { key, info };
    });
  }
}
