import {
  BuiltinReader,
  type BuiltinTopicName,
  type BuiltinTopicTypes,
} from './builtin-reader.entity';
import { callNative, DdsError } from './dds.errors';
import { Entity } from './entity.base';
import { loadAddon } from './load-addon';
import { Publisher } from './publisher.entity';
import { validatePartitions, validateQos, type Qos } from './qos.policy';
import { Reader } from './reader.entity';
import { DdsSecurityError, securityProperties, type DdsSecurityOptions } from './security';
import { Subscriber } from './subscriber.entity';
import { checkTopic } from './topic-check';
import { Topic } from './topic.entity';
import type { TypeSupport } from './type-support';
import { Writer } from './writer.entity';

/** Options of `new DomainParticipant()`. */
export interface DomainParticipantOptions {
  /** DDS domain id, 0..232 (default 0). */
  domainId?: number;
  /**
   * CycloneDDS configuration (XML text or a `file://` URI) for this domain. Without it Cyclone
   * reads `CYCLONEDDS_URI`. The first participant of a domain in a process fixes its
   * configuration; a second one with a `config` gets `DDS_RETCODE_PRECONDITION_NOT_MET`.
   */
  config?: string;
  /** Participant QoS: only `userData` applies (visible to peers in DCPSParticipant). */
  qos?: Pick<Qos, 'userData'>;
  /**
   * DDS Security (authentication, access control, encryption) for this participant, with
   * CycloneDDS's built-in plugins. Every file is checked first ({@link DdsSecurityError} names
   * the option); a participant whose credentials Cyclone refuses also throws `DdsSecurityError`
   * (`reason: 'rejected'`). CycloneDDS 0.10 keeps one set of access rights per domain and process: every secure participant of a domain in one process acts with the permissions of the first, so use one identity per process and domain.
   */
  security?: DdsSecurityOptions;
}

/** Options of `createPublisher` / `createSubscriber`. */
export interface GroupOptions {
  /** Partitions (may contain `*`/`?` wildcards); default the empty partition. */
  partitions?: string[];
  /** Only `groupData` is meaningful here. */
  qos?: Qos;
}

/** What CycloneDDS accepts as a topic name (DDS spec identifiers plus '/' for ROS 2). */
const TOPIC_NAME = /^[A-Za-z_/][A-Za-z0-9_/]*$/;

/** Largest DDS domain id (the RTPS port mapping allows 0..232). */
export const MAX_DOMAIN_ID = 232;

/** Checks publisher/subscriber options and merges them into the one QoS the addon takes. */
function groupQos(options: unknown): Qos {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const o = options as GroupOptions;
  validatePartitions(o.partitions);
  validateQos(o.qos);
  return { ...(o.qos ?? {}), ...(o.partitions ? { partitions: o.partitions } : {}) };
}

function isUint32(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/**
 * Checks the shape of a TypeSupport and its descriptor before it reaches CycloneDDS (which trusts
 * descriptors completely: they must come from `dds-idl gen`, i.e. from Cyclone's own idlc).
 */
function checkTypeSupport(type: unknown): void {
  const t = type as TypeSupport<unknown> | undefined;
  if (
    typeof t !== 'object' ||
    t === null ||
    typeof t.encode !== 'function' ||
    typeof t.decode !== 'function' ||
    typeof t.decodeKey !== 'function' ||
    typeof t.descriptor !== 'object' ||
    t.descriptor === null
  ) {
    throw new TypeError('type must be a TypeSupport (descriptor, encode, decode, decodeKey)');
  }
  const d = t.descriptor;
  if (typeof d.typeName !== 'string' || d.typeName.length === 0) {
    throw new TypeError('type.descriptor.typeName must be a non-empty string');
  }
  if (!Array.isArray(d.ops) || d.ops.length === 0 || !d.ops.every(isUint32)) {
    throw new TypeError('type.descriptor.ops must be a non-empty array of uint32 words');
  }
  for (const k of ['size', 'align', 'flagset', 'restrictDataRepresentation'] as const) {
    if (!isUint32(d[k])) throw new TypeError(`type.descriptor.${k} must be a uint32`);
  }
  if (!(d.typeInformation instanceof Uint8Array) || !(d.typeMapping instanceof Uint8Array)) {
    throw new TypeError('type.descriptor.typeInformation and typeMapping must be Uint8Arrays');
  }
  if (
    !Array.isArray(d.keys) ||
    !d.keys.every(
      (k) =>
        typeof k === 'object' &&
        k !== null &&
        typeof k.name === 'string' &&
        isUint32(k.offset) &&
        k.offset < d.ops.length &&
        isUint32(k.index),
    )
  ) {
    throw new TypeError('type.descriptor.keys must be {name, offset < ops.length, index} entries');
  }
}

/**
 * Entry point to a DDS domain: creates topics, publishers, subscribers, writers and readers.
 * `close()` deletes everything created from it.
 */
export class DomainParticipant extends Entity {
  /** The domain this participant joined. */
  readonly domainId: number;

  constructor(options: DomainParticipantOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('options must be an object');
    const { domainId = 0, config, qos, security } = options;
    if (typeof domainId !== 'number' || !Number.isInteger(domainId))
      throw new TypeError('domainId must be an integer');
    if (domainId < 0 || domainId > MAX_DOMAIN_ID)
      throw new RangeError(`domainId must be between 0 and ${MAX_DOMAIN_ID}`);
    if (config !== undefined && (typeof config !== 'string' || config.length === 0)) {
      throw new TypeError('config must be a non-empty string');
    }
    validateQos(qos);
    if (qos && Object.keys(qos).some((k) => k !== 'userData')) {
      throw new TypeError('participant qos only supports userData');
    }
    const properties = security === undefined ? undefined : securityProperties(security);
    const native = loadAddon();
    const nativeQos = properties ? { ...(qos ?? {}), properties } : (qos ?? null);
    let handle: number;
    try {
      handle = callNative('createParticipant', () =>
        native.createParticipant(domainId, config ?? null, nativeQos),
      );
    } catch (e) {
      // Cyclone answers bad credentials with a bare DDS_RETCODE_ERROR (its log says why).
      if (properties && e instanceof DdsError && e.codeName === 'DDS_RETCODE_ERROR') {
        throw new DdsSecurityError(
          "CycloneDDS refused the security credentials: the certificate must be issued by the identity CA and match the private key, and governance and permissions must be signed by the permissions CA, be valid now, cover this domain and name the certificate's subject (the CycloneDDS log has details)",
          'security',
          'rejected',
        );
      }
      throw e;
    }
    super(native, handle, undefined, 'participant');
    this.domainId = domainId;
  }

  /** Creates (or finds) the topic `name` with type `type`. */
  createTopic<T>(name: string, type: TypeSupport<T>, qos?: Qos): Topic<T> {
    const h = this.handle;
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('topic name must be a non-empty string');
    if (!TOPIC_NAME.test(name)) {
      throw new TypeError(
        `topic name '${name}' may only contain letters, digits, '_' and '/' and must not start with a digit`,
      );
    }
    checkTypeSupport(type);
    validateQos(qos);
    const th = callNative('createTopic', () =>
      this.native.createTopic(h, name, type.descriptor, qos ?? null),
    );
    return new Topic(this.native, th, this, name, type);
  }

  /** Creates a publisher (partitions, group data). */
  createPublisher(options?: GroupOptions): Publisher {
    const h = this.handle;
    const qos = groupQos(options);
    const ph = callNative('createPublisher', () => this.native.createPublisher(h, qos));
    return new Publisher(this.native, ph, this);
  }

  /** Creates a subscriber (partitions, group data). */
  createSubscriber(options?: GroupOptions): Subscriber {
    const h = this.handle;
    const qos = groupQos(options);
    const sh = callNative('createSubscriber', () => this.native.createSubscriber(h, qos));
    return new Subscriber(this.native, sh, this);
  }

  /** Creates a writer in the participant's implicit publisher (default partition). */
  createWriter<T>(topic: Topic<T>, qos?: Qos): Writer<T> {
    const h = this.handle;
    checkTopic(topic, this);
    validateQos(qos);
    return new Writer(this.native, this, h, topic, qos);
  }

  /**
   * Creates a reader of a built-in discovery topic (participants, publications, subscriptions
   * of the domain). Cyclone's built-in readers are reliable, transient-local and keep-last 1 per
   * instance by default.
   */
  createBuiltinReader<N extends BuiltinTopicName>(
    name: N,
    qos?: Qos,
  ): BuiltinReader<BuiltinTopicTypes[N]> {
    const h = this.handle;
    if (name !== 'DCPSParticipant' && name !== 'DCPSPublication' && name !== 'DCPSSubscription') {
      throw new TypeError(
        `built-in topic must be 'DCPSParticipant', 'DCPSPublication' or 'DCPSSubscription'`,
      );
    }
    validateQos(qos);
    return new BuiltinReader<BuiltinTopicTypes[N]>(this.native, this, h, name, qos);
  }

  /** Creates a reader in the participant's implicit subscriber (default partition). */
  createReader<T>(topic: Topic<T>, qos?: Qos): Reader<T> {
    const h = this.handle;
    checkTopic(topic, this);
    validateQos(qos);
    return new Reader(this.native, this, h, topic, qos);
  }
}
