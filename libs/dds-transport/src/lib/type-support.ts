/**
 * The contract between generated type modules (from `dds-idl gen`) and the runtime.
 *
 * A generated module exports one `TypeSupport<T>` per topic type. The runtime hands
 * `descriptor` to CycloneDDS unchanged (so keys, keyhash, CDR validation and XTypes type matching
 * are Cyclone's own), and moves samples across the native boundary only as CDR bytes produced by
 * `encode` and consumed by `decode`.
 */

/** Data representations of the XTypes spec, as CycloneDDS numbers them. */
export type DataRepresentation = 'XCDR1' | 'XCDR2';

/** One key field of a topic type, as in Cyclone's `dds_key_descriptor_t`. */
export interface KeyDescriptorData {
  /** Key field name; nested keys are dotted (`a.b`). */
  readonly name: string;
  /** Index into `ops` of the key's `DDS_OP_KOF`/`DDS_OP_ADR` (Cyclone's `m_offset`). */
  readonly offset: number;
  /** Position of this key in the type's key order (Cyclone's `m_idx`). */
  readonly index: number;
}

/**
 * A CycloneDDS topic descriptor (`dds_topic_descriptor_t`) as plain data, taken from the output of
 * Cyclone's own `idlc` for the platform the code generator ran on.
 */
export interface TopicDescriptorData {
  /** Fully scoped type name, e.g. `dds_llm::AgentRegistration`. */
  readonly typeName: string;
  /** `m_size`: size of the C struct (Cyclone sizes allocations by it; we never touch the struct). */
  readonly size: number;
  /** `m_align`. */
  readonly align: number;
  /** `m_flagset` (DDS_TOPIC_* flags). */
  readonly flagset: number;
  /**
   * `m_keys`, in idlc's order: the order in which key-only payloads (dispose/unregister, see
   * `decodeKey`) carry the key fields.
   */
  readonly keys: readonly KeyDescriptorData[];
  /** `m_ops`: Cyclone's serializer program, as unsigned 32-bit words. */
  readonly ops: readonly number[];
  /** `type_information`: XCDR2-serialized XTypes TypeInformation (may be empty). */
  readonly typeInformation: Uint8Array;
  /** `type_mapping`: XCDR2-serialized XTypes TypeMapping (may be empty). */
  readonly typeMapping: Uint8Array;
  /** `restrict_data_representation` (a bit mask; 0 when absent). */
  readonly restrictDataRepresentation: number;
}

/**
 * Everything the runtime needs to carry samples of type `T`.
 *
 * `encode` returns the full serialized payload *including* the 4-byte encapsulation header
 * (CDR_LE / D_CDR2_LE etc.), ready to hand to `dds_writecdr`; `decode` accepts either endianness.
 * Both throw `DdsTypeError` (never anything else) on a value that does not fit the type or on
 * bytes that are not a valid sample.
 */
export interface TypeSupport<T> {
  readonly typeName: string;
  readonly descriptor: TopicDescriptorData;
  /** True when the type has no `@key` members (all samples share one instance). */
  readonly keyless: boolean;
  /** The representation a writer uses unless its QoS says otherwise. */
  readonly defaultDataRepresentation: DataRepresentation;
  encode(sample: T, representation?: DataRepresentation): Uint8Array;
  decode(bytes: Uint8Array): T;
  /**
   * Decodes a key-only payload (what Cyclone hands out for dispose/unregister samples without
   * data) into the key fields of `T`.
   */
  decodeKey(bytes: Uint8Array): Partial<T>;
}
