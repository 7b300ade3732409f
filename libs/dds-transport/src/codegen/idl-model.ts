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
  | { readonly kind: 'struct'; readonly decl: StructDecl }
  | { readonly kind: 'union'; readonly decl: UnionDecl };

export interface EnumDecl {
  readonly kind: 'enum';
  /** `M::Color` */
  readonly scopedName: string;
  readonly simpleName: string;
  readonly enumerators: readonly string[];
  /** Name in the generated TS module (set by the emitter). */
  tsName: string;
}

export interface MemberDecl {
  readonly name: string;
  readonly type: IdlType;
  readonly key: boolean;
  readonly optional: boolean;
}

export interface StructDecl {
  readonly kind: 'struct';
  readonly scopedName: string;
  readonly simpleName: string;
  readonly extensibility: Extensibility;
  readonly members: MemberDecl[];
  tsName: string;
}

/** One branch of a union: its labels (discriminator values) or `default`. */
export interface UnionCase {
  readonly labels: readonly number[];
  readonly isDefault: boolean;
  readonly member: MemberDecl;
}

export interface UnionDecl {
  readonly kind: 'union';
  readonly scopedName: string;
  readonly simpleName: string;
  readonly extensibility: Extensibility;
  /** Integer, char, boolean, octet or enum type. */
  readonly discriminator: IdlType;
  readonly cases: UnionCase[];
  tsName: string;
}

export interface IdlFile {
  /** Structs, unions and enums in declaration order. */
  readonly decls: readonly (StructDecl | EnumDecl | UnionDecl)[];
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
