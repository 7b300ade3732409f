/**
 * The addon's surface as TypeScript types: the single typed boundary between the TS API and
 * C++. Everything here is internal; the TS classes validate arguments before calling it.
 * @internal
 */

/** A DDS entity handle (`dds_entity_t`, a positive int32). */
export type NativeHandle = number;

/** Operation codes of {@link NativeAddon.write}. */
export enum WriteOp {
  Write = 0,
  WriteDispose = 1,
  Dispose = 2,
  Unregister = 3,
}

/** Doorbell bits (mirrors `StatusBit` in native/common.h). */
export enum StatusBit {
  DataAvailable = 1 << 0,
  PublicationMatched = 1 << 1,
  SubscriptionMatched = 1 << 2,
  LivelinessLost = 1 << 3,
  LivelinessChanged = 1 << 4,
  OfferedDeadlineMissed = 1 << 5,
  RequestedDeadlineMissed = 1 << 6,
  OfferedIncompatibleQos = 1 << 7,
  RequestedIncompatibleQos = 1 << 8,
  SampleLost = 1 << 9,
  SampleRejected = 1 << 10,
}

/**
 * QoS as the addon reads it: the public `Qos` plus partitions for publishers/subscribers and,
 * for participants, `properties` (name -> value, e.g. the `dds.sec.*` of DDS Security).
 */
export type NativeQos = object | null;

/** Descriptor data as the addon reads it (see `TopicDescriptorData`). */
export interface NativeDescriptor {
  readonly typeName: string;
  readonly size: number;
  readonly align: number;
  readonly flagset: number;
  readonly keys: readonly {
    readonly name: string;
    readonly offset: number;
    readonly index: number;
  }[];
  readonly ops: readonly number[];
  readonly typeInformation: Uint8Array;
  readonly typeMapping: Uint8Array;
  readonly restrictDataRepresentation: number;
}

/** Error object the addon throws: a plain Error with the DDS return code attached. */
export interface NativeError extends Error {
  code: number;
  codeName: string;
  /** Set when Cyclone rejected the payload bytes (maps to `DdsTypeError`). */
  typeError?: boolean;
  /** Why, and what the user can do, when the addon knows more than the return code. */
  detail?: string;
}

/** The functions `dds_transport.node` exports. */
export interface NativeAddon {
  readonly cycloneVersion: string;
  createParticipant(domainId: number, config: string | null, qos: NativeQos): NativeHandle;
  createTopic(
    participant: NativeHandle,
    name: string,
    descriptor: NativeDescriptor,
    qos: NativeQos,
  ): NativeHandle;
  createPublisher(participant: NativeHandle, qos: NativeQos): NativeHandle;
  createSubscriber(participant: NativeHandle, qos: NativeQos): NativeHandle;
  /** `parent` is a publisher or a participant (implicit publisher). `doorbell` gets status bits. */
  createWriter(
    parent: NativeHandle,
    topic: NativeHandle,
    qos: NativeQos,
    doorbell: (bits: number) => void,
  ): NativeHandle;
  createReader(
    parent: NativeHandle,
    topic: NativeHandle,
    qos: NativeQos,
    doorbell: (bits: number) => void,
  ): NativeHandle;
  /** Deletes the entity and its children; throws DDS_RETCODE_PRECONDITION_NOT_MET for a topic in use. */
  deleteEntity(handle: NativeHandle): void;
  /** `timestamp`: source timestamp in ns since the epoch (checked by the caller); default now. */
  write(writer: NativeHandle, cdr: Uint8Array, op: WriteOp, timestamp?: bigint): void;
  /**
   * Takes (or reads) up to `max` (capped at 4096) samples. Layout: u32 count, u32 pad, then per
   * sample 40 bytes (u32 flags, u32 size, i64 source timestamp, u64 instance handle, u64
   * publication handle, u32 payload offset, u32 pad), then the payloads. Little-endian (host).
   */
  take(reader: NativeHandle, max: number, take: boolean): ArrayBuffer;
  takeStatus(handle: NativeHandle, bit: StatusBit): Record<string, unknown>;
  matchedCount(handle: NativeHandle, isReader: boolean): number;
  assertLiveliness(writer: NativeHandle): void;
  /** Sends what the writer has packed but not yet sent (`dds_write_flush`). */
  flush(writer: NativeHandle): void;
  setRef(handle: NativeHandle, ref: boolean): void;
  instanceHandle(handle: NativeHandle): bigint;
  waitForAcks(writer: NativeHandle, timeoutMs: number): Promise<void>;
  /** `which`: 1 DCPSParticipant, 3 DCPSPublication, 4 DCPSSubscription. */
  createBuiltinReader(
    participant: NativeHandle,
    which: 1 | 3 | 4,
    qos: NativeQos,
    doorbell: (bits: number) => void,
  ): NativeHandle;
  takeBuiltin(reader: NativeHandle, max: number, take: boolean): NativeBuiltinSample[];
}

/** One built-in topic sample as the addon returns it. */
export interface NativeBuiltinSample {
  /** Same state bits as in `take` batches. */
  flags: number;
  sourceTimestamp: bigint;
  instanceHandle: bigint;
  publicationHandle: bigint;
  data: Record<string, unknown> & { key: string };
}
