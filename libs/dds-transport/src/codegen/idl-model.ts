import type { Extensibility } from '../lib/cdr/encapsulation';

/** Primitive IDL types, named by their fixed-width IDL 4 names. */
export type PrimitiveName =
  | 'boolean'
  | 'char'
  | 'octet'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float'
  | 'double';

/** A resolved IDL type (typedefs are expanded; arrays of arrays are flattened into `dims`). */
export type IdlType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'string'; readonly bound: number }
  | { readonly kind: 'sequence'; readonly element: IdlType; readonly bound: number }
  | { readonly kind: 'array'; readonly element: IdlType; readonly dims: readonly number[] }
  | { readonly kind: 'enum'; readonly decl: EnumDecl }
  | { readonly kind: 'bitmask'; readonly decl: BitmaskDecl }
  | { readonly kind: 'struct'; readonly decl: StructDecl }
  | { readonly kind: 'union'; readonly decl: UnionDecl };

/** What every named declaration carries: its names and the IDL file it was declared in. */
interface DeclBase {
  /** `M::Color` */
  readonly scopedName: string;
  readonly simpleName: string;
  /** The IDL file (as the preprocessor's line markers name it) the declaration is in. */
  readonly file: string;
  /** Name in the generated TS module (set by the emitter). */
  tsName: string;
}

export interface EnumDecl extends DeclBase {
  readonly kind: 'enum';
  readonly enumerators: readonly string[];
  /** The value of each enumerator (`@value`, else one more than the previous, from 0). */
  readonly values: readonly number[];
  /** `@bit_bound` (1..32, default 32): the wire holds 1 byte up to 8, 2 up to 16, else 4. */
  readonly bitBound: number;
  /** Index of the default enumerator (`@default_literal`, else the first). */
  readonly defaultIndex: number;
}

/** An IDL bitmask: named bit positions in an unsigned integer of `bitBound` bits. */
export interface BitmaskDecl extends DeclBase {
  readonly kind: 'bitmask';
  readonly flags: readonly { readonly name: string; readonly position: number }[];
  /** `@bit_bound` (1..64, default 32): 1, 2, 4 or 8 bytes on the wire; over 32 bits is a bigint. */
  readonly bitBound: number;
}

export interface MemberDecl {
  readonly name: string;
  readonly type: IdlType;
  readonly key: boolean;
  readonly optional: boolean;
  /**
   * XTypes member id, assigned as idlc does: `@id`/`@hashid`, else by the `@autoid` of the type
   * or of its modules (SEQUENTIAL by default: one more than the previous member, from 0).
   */
  readonly id: number;
}

export interface StructDecl extends DeclBase {
  readonly kind: 'struct';
  readonly extensibility: Extensibility;
  readonly members: MemberDecl[];
  /**
   * A topic type (idlc generates a topic descriptor for it): not `@nested`, by its own
   * `@topic`/`@nested` or else by the `@default_nested` of the modules around it.
   */
  readonly topic: boolean;
}

/** One branch of a union: its labels (discriminator values) or `default`. */
export interface UnionCase {
  readonly labels: readonly number[];
  readonly isDefault: boolean;
  readonly member: MemberDecl;
}

export interface UnionDecl extends DeclBase {
  readonly kind: 'union';
  readonly extensibility: Extensibility;
  /** Integer, char, boolean, octet or enum type. */
  readonly discriminator: IdlType;
  readonly cases: UnionCase[];
  /** A topic type (unions are too, unless nested; see `StructDecl.topic`). */
  readonly topic: boolean;
}

/** A declaration that becomes a type in the generated TypeScript. */
export type TypeDecl = StructDecl | EnumDecl | BitmaskDecl | UnionDecl;

/** One IDL file of a translation unit: the main file or one it includes. */
export interface IdlSource {
  /** The file as the preprocessor names it (the main file as given, included ones resolved). */
  readonly file: string;
  /** How the `#include` that first brought it in spelled it (`geo/point.idl`); none for the main file. */
  readonly spelled?: string;
}

export interface IdlFile {
  /** Structs, unions, enums and bitmasks of every file, in declaration order. */
  readonly decls: readonly TypeDecl[];
  /** The main file first, then every file it includes (directly or not), in order of inclusion. */
  readonly sources: readonly IdlSource[];
}

/** Size in bytes of a primitive in CDR. */
export function primitiveSize(name: PrimitiveName): 1 | 2 | 4 | 8 {
  switch (name) {
    case 'boolean':
    case 'char':
    case 'octet':
    case 'int8':
    case 'uint8':
      return 1;
    case 'int16':
    case 'uint16':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float':
      return 4;
    default:
      return 8;
  }
}

/**
 * Whether Cyclone 0.10.2 treats the type as primitive for DHEADER purposes
 * (`is_primitive_type`: integers, floats, chars, octets, booleans; enums are not).
 */
export function isPrimitive(t: IdlType): boolean {
  return t.kind === 'primitive';
}

/** True when serializing the type needs XCDR2 (appendable/mutable structs or optional members). */
export function needsXcdr2(t: IdlType, seen = new Set<StructDecl>()): boolean {
  switch (t.kind) {
    case 'sequence':
    case 'array':
      return needsXcdr2(t.element, seen);
    case 'struct': {
      const d = t.decl;
      if (seen.has(d)) return false;
      seen.add(d);
      if (d.extensibility !== 'final') return true;
      return d.members.some((m) => m.optional || needsXcdr2(m.type, seen));
    }
    case 'union': {
      const d = t.decl;
      if (d.extensibility !== 'final') return true;
      return d.cases.some((c) => needsXcdr2(c.member.type, seen));
    }
    default:
      return false;
  }
}

/**
 * Bytes an enum (at most 4) or a bitmask takes on the wire for its `@bit_bound`, as in Cyclone
 * 0.10.2 (the same in XCDR1 and XCDR2).
 */
export function bitBoundWidth(bitBound: number): 1 | 2 | 4 | 8 {
  return bitBound <= 8 ? 1 : bitBound <= 16 ? 2 : bitBound <= 32 ? 4 : 8;
}
