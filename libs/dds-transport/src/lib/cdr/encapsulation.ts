/**
 * Encapsulation identifiers of the RTPS/XTypes serialized payload header (the first two bytes,
 * big-endian), as CycloneDDS 0.10.2 writes and accepts them (`q_protocol.h`).
 */
export const Encapsulation = {
  CDR_BE: 0x0000,
  CDR_LE: 0x0001,
  PL_CDR_BE: 0x0002,
  PL_CDR_LE: 0x0003,
  CDR2_BE: 0x0006,
  CDR2_LE: 0x0007,
  D_CDR2_BE: 0x0008,
  D_CDR2_LE: 0x0009,
  PL_CDR2_BE: 0x000a,
  PL_CDR2_LE: 0x000b,
} as const;

/** How a top-level type is framed: Cyclone's `CDR_ENC_FORMAT_*`, from the type's extensibility. */
export type EncodingFormat = 'plain' | 'delimited' | 'parameter-list';

/** Extensibility of an IDL struct (`@final`, `@appendable`, `@mutable`). */
export type Extensibility = 'final' | 'appendable' | 'mutable';

/**
 * The little-endian encapsulation identifier Cyclone uses for a top-level type of this
 * extensibility in this XCDR version (`ddsi_sertype_get_native_enc_identifier`).
 */
export function encapsulationFor(extensibility: Extensibility, xcdr2: boolean): number {
  if (!xcdr2) return extensibility === 'mutable' ? Encapsulation.PL_CDR_LE : Encapsulation.CDR_LE;
  switch (extensibility) {
    case 'final':
      return Encapsulation.CDR2_LE;
    case 'appendable':
      return Encapsulation.D_CDR2_LE;
    case 'mutable':
      return Encapsulation.PL_CDR2_LE;
  }
}

/** What an encapsulation header says about the payload after it. */
export interface EncapsulationInfo {
  readonly littleEndian: boolean;
  readonly xcdr2: boolean;
  readonly format: EncodingFormat;
}

/** Decodes an encapsulation identifier; `undefined` when it is not one Cyclone accepts. */
export function parseEncapsulation(id: number): EncapsulationInfo | undefined {
  if (id > Encapsulation.PL_CDR2_LE || id === 0x0004 || id === 0x0005) return undefined;
  const littleEndian = (id & 1) === 1;
  const base = id & ~1;
  switch (base) {
    case Encapsulation.CDR_BE:
      return { littleEndian, xcdr2: false, format: 'plain' };
    case Encapsulation.PL_CDR_BE:
      return { littleEndian, xcdr2: false, format: 'parameter-list' };
    case Encapsulation.CDR2_BE:
      return { littleEndian, xcdr2: true, format: 'plain' };
    case Encapsulation.D_CDR2_BE:
      return { littleEndian, xcdr2: true, format: 'delimited' };
    default:
      return { littleEndian, xcdr2: true, format: 'parameter-list' };
  }
}
