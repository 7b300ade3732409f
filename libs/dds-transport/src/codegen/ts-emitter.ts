import { posix } from 'node:path';
import type { TopicDescriptorData } from '../lib/type-support';
import { cIdentifier } from './descriptor-extractor';
import {
  bitBoundWidth,
  BitmaskDecl,
  EnumDecl,
  IdlFile,
  IdlSource,
  IdlType,
  isPrimitive,
  needsXcdr2,
  primitiveSize,
  PrimitiveName,
  StructDecl,
  TypeDecl,
  UnionDecl,
} from './idl-model';

/** Options for `emitTypeScript`. */
export interface EmitOptions {
  /** Module the generated code imports the runtime from (default `@dds/transport`). */
  readonly runtimeModule?: string;
  /** Shown in the header comment. */
  readonly sourceName?: string;
}

const DDS_OP_PLC = 0x05 << 24;
const DDS_OP_PLM = 0x06 << 24;
const DDS_OP_RTS = 0;
const DDS_OP_FLAG_BASE = 1 << 4;

/** Member ids of a mutable struct, from the `PLM` list at the start of its own descriptor's ops. */
function mutableMemberIds(d: StructDecl, desc: TopicDescriptorData): number[] {
  const ops = desc.ops;
  if ((ops[0] & 0xff000000) !== DDS_OP_PLC)
    throw new Error(`${d.scopedName}: expected PLC op for a @mutable struct`);
  const ids: number[] = [];
  for (let i = 1; i < ops.length && ops[i] !== DDS_OP_RTS; i += 2) {
    if ((ops[i] & 0xff000000) >>> 0 !== DDS_OP_PLM >>> 0) break;
    if (((ops[i] >>> 16) & 0xff & DDS_OP_FLAG_BASE) !== 0) continue;
    ids.push(ops[i + 1]);
  }
  if (ids.length !== d.members.length) {
    throw new Error(
      `${d.scopedName}: idlc lists ${ids.length} members, the parser ${d.members.length}`,
    );
  }
  return ids;
}

/** Bytes one value of an enum or bitmask takes on the wire. */
const widthOf = (d: EnumDecl | BitmaskDecl): 1 | 2 | 4 | 8 => bitBoundWidth(d.bitBound);
/** The CdrWriter/CdrReader method for an unsigned integer of `width` bytes. */
const UINT = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const;
/** XTypes length codes of 1, 2, 4 and 8-byte members. */
const LC_OF_SIZE = [0, 0, 1, 0, 2, 0, 0, 0, 3];

/** True when an enum's values are 0, 1, 2, …, so a range check validates them. */
const consecutive = (e: EnumDecl): boolean => e.values.every((v, i) => v === i);

/** XTypes length code Cyclone 0.10.2 uses for a member of this type (`get_length_code`). */
function lengthCode(t: IdlType): number {
  switch (t.kind) {
    case 'primitive':
      return LC_OF_SIZE[primitiveSize(t.name)];
    case 'enum':
    case 'bitmask':
      return LC_OF_SIZE[widthOf(t.decl)];
    case 'string':
      return 5;
    case 'sequence': {
      if (t.element.kind !== 'primitive') return 5;
      return [0, 5, 4, 0, 6, 0, 0, 0, 7][primitiveSize(t.element.name)];
    }
    case 'array':
      return t.element.kind === 'primitive' ? 4 : 5;
    case 'struct':
    case 'union':
      return 4;
  }
}

function minSize(t: IdlType): number {
  switch (t.kind) {
    case 'primitive':
      return primitiveSize(t.name);
    case 'string':
      return 5;
    case 'enum':
    case 'bitmask':
      return widthOf(t.decl);
    case 'sequence':
      return 4;
    default:
      return 1;
  }
}

const WRITE: Record<PrimitiveName, [check: (v: string) => string, write: (v: string) => string]> = {
  boolean: [(v) => `typeof ${v} !== 'boolean'`, (v) => `w.bool(${v});`],
  char: [
    (v) => `typeof ${v} !== 'string' || ${v}.length !== 1 || ${v}.charCodeAt(0) > 255`,
    (v) => `w.u8(${v}.charCodeAt(0));`,
  ],
  octet: [(v) => `(${v} & 0xff) !== ${v}`, (v) => `w.u8(${v});`],
  uint8: [(v) => `(${v} & 0xff) !== ${v}`, (v) => `w.u8(${v});`],
  int8: [(v) => `((${v} << 24) >> 24) !== ${v}`, (v) => `w.u8(${v} & 0xff);`],
  int16: [(v) => `((${v} << 16) >> 16) !== ${v}`, (v) => `w.i16(${v});`],
  uint16: [(v) => `(${v} & 0xffff) !== ${v}`, (v) => `w.u16(${v});`],
  int32: [(v) => `(${v} | 0) !== ${v}`, (v) => `w.i32(${v});`],
  uint32: [(v) => `${v} >>> 0 !== ${v}`, (v) => `w.u32(${v});`],
  int64: [
    (v) => `typeof ${v} !== 'bigint' || BigInt.asIntN(64, ${v}) !== ${v}`,
    (v) => `w.i64(${v});`,
  ],
  uint64: [
    (v) => `typeof ${v} !== 'bigint' || BigInt.asUintN(64, ${v}) !== ${v}`,
    (v) => `w.u64(${v});`,
  ],
  float: [(v) => `typeof ${v} !== 'number'`, (v) => `w.f32(${v});`],
  double: [(v) => `typeof ${v} !== 'number'`, (v) => `w.f64(${v});`],
};

const READ: Record<PrimitiveName, string> = {
  boolean: 'r.bool()',
  char: 'String.fromCharCode(r.u8())',
  octet: 'r.u8()',
  uint8: 'r.u8()',
  int8: 'r.i8()',
  int16: 'r.i16()',
  uint16: 'r.u16()',
  int32: 'r.i32()',
  uint32: 'r.u32()',
  int64: 'r.i64()',
  uint64: 'r.u64()',
  float: 'r.f32()',
  double: 'r.f64()',
};

const isOctet = (t: IdlType): boolean => t.kind === 'primitive' && t.name === 'octet';

/** Writer/reader method that moves a whole run of this primitive at once, if there is one. */
const BULK: Partial<Record<PrimitiveName, string>> = {
  int16: 'i16s',
  uint16: 'u16s',
  int32: 'i32s',
  uint32: 'u32s',
  float: 'f32s',
  double: 'f64s',
  int64: 'i64s',
  uint64: 'u64s',
};
const bulkOf = (t: IdlType): string | undefined =>
  t.kind === 'primitive' ? BULK[t.name] : undefined;
const q = (s: string): string => JSON.stringify(s);
const isIdent = (s: string): boolean => /^[A-Za-z_$][\w$]*$/.test(s);
/** A property key in an interface or object literal. */
const prop = (s: string): string => (isIdent(s) ? s : q(s));
/** A property access on `obj`. */
const at = (obj: string, s: string): string => (isIdent(s) ? `${obj}.${s}` : `${obj}[${q(s)}]`);

/** One generated TypeScript module: the types of one IDL file. */
export interface EmittedModule {
  /** The IDL file it was generated from. */
  readonly source: IdlSource;
  /** Where it goes, relative to the output directory and without `.ts` (`sensor`, `geo/point`). */
  readonly path: string;
  readonly code: string;
}

class Emitter {
  private readonly out: string[] = [];
  /** Import alias of each other module this one refers to, by module path. */
  private readonly imports = new Map<string, string>();

  constructor(
    private readonly decls: readonly TypeDecl[],
    private readonly source: IdlSource,
    private readonly path: string,
    /** Module path of every IDL file of the translation unit. */
    private readonly pathOf: ReadonlyMap<string, string>,
    private readonly descriptors: Map<string, TopicDescriptorData>,
    private readonly opts: EmitOptions,
  ) {}

  /** How this module names `name` of `decl`: directly, or through the import of its module. */
  private ref(decl: TypeDecl, name: string): string {
    if (decl.file === this.source.file) return name;
    const target = this.pathOf.get(decl.file);
    if (target === undefined) throw new Error(`${decl.scopedName}: no module for ${decl.file}`);
    let alias = this.imports.get(target);
    if (alias === undefined) {
      // `$` cannot occur in IDL identifiers, so an alias never hides a generated name.
      const base = `$${target.replace(/[^A-Za-z0-9_]/g, '_')}`;
      const taken = new Set(this.imports.values());
      alias = base;
      for (let n = 2; taken.has(alias); n++) alias = `${base}${n}`;
      this.imports.set(target, alias);
    }
    return `${alias}.${name}`;
  }

  /** The generated function `prefix_<C name>` (e_, d_, z_) of a struct or union. */
  private fn(prefix: 'e' | 'd' | 'z', decl: StructDecl | UnionDecl): string {
    return this.ref(decl, `${prefix}_${cIdentifier(decl.scopedName)}`);
  }

  tsType(t: IdlType): string {
    switch (t.kind) {
      case 'primitive':
        if (t.name === 'int64' || t.name === 'uint64') return 'bigint';
        if (t.name === 'boolean') return 'boolean';
        if (t.name === 'char') return 'string';
        return 'number';
      case 'string':
        return 'string';
      case 'enum':
      case 'bitmask':
      case 'struct':
      case 'union':
        return this.ref(t.decl, t.decl.tsName);
      case 'sequence':
        return isOctet(t.element) ? 'Uint8Array' : `${this.wrapArray(this.tsType(t.element))}[]`;
      case 'array': {
        let s = isOctet(t.element) ? 'Uint8Array' : `${this.wrapArray(this.tsType(t.element))}[]`;
        for (let i = 1; i < t.dims.length; i++) s = `${s}[]`;
        return s;
      }
    }
  }

  private wrapArray(s: string): string {
    return /[ |]/.test(s) ? `(${s})` : s;
  }

  /** The validation half of `enc` for a primitive (for bulk writes). */
  check(t: IdlType, v: string, path: string): string {
    if (t.kind !== 'primitive') throw new Error('check() is for primitives');
    return `if (${WRITE[t.name][0](v)}) throw badValue(${path}, ${q(t.name)}, ${v});`;
  }

  /** Statements that validate and write value expression `v`; `path` is a JS expression. */
  enc(t: IdlType, v: string, path: string, depth: number): string {
    switch (t.kind) {
      case 'primitive': {
        const [check, write] = WRITE[t.name];
        return `if (${check(v)}) throw badValue(${path}, ${q(t.name)}, ${v});\n${write(v)}`;
      }
      case 'string':
        return (
          `if (typeof ${v} !== 'string') throw badValue(${path}, 'string', ${v});\n` +
          (t.bound > 0
            ? `{ const n = w.str(${v}); if (n < 0 || n > ${t.bound}) throw badString(${path}, n, ${t.bound}); }`
            : `if (w.str(${v}) < 0) throw badString(${path}, -1, 0);`)
        );
      case 'enum': {
        const e = t.decl;
        const write = `w.${UINT[widthOf(e)]}(${v});`;
        if (consecutive(e)) {
          const max = e.values.length - 1;
          const expected = `${e.tsName} (integer in [0, ${max}])`;
          return `if (${v} >>> 0 !== ${v} || ${v} > ${max}) throw badValue(${path}, ${q(expected)}, ${v});\n${write}`;
        }
        const expected = `${e.tsName} (one of ${e.values.join(', ')})`;
        return `if (!${this.ref(e, `V_${cIdentifier(e.scopedName)}`)}.has(${v})) throw badValue(${path}, ${q(expected)}, ${v});\n${write}`;
      }
      case 'bitmask': {
        const b = t.decl;
        const mask = bitmaskMask(b);
        const expected = `${b.tsName} (flags ${b.flags.map((f) => f.name).join(' | ')})`;
        if (b.bitBound > 32)
          return `if (typeof ${v} !== 'bigint' || ${v} < 0n || (${v} & ~${mask}n) !== 0n) throw badValue(${path}, ${q(expected)}, ${v});\nw.u64(${v});`;
        return `if (${v} >>> 0 !== ${v} || (${v} & ~${mask}) !== 0) throw badValue(${path}, ${q(expected)}, ${v});\nw.${UINT[widthOf(b)]}(${v});`;
      }
      case 'struct':
      case 'union':
        return (
          `if (typeof ${v} !== 'object' || ${v} === null) throw badValue(${path}, 'an object', ${v});\n` +
          `try { ${this.fn('e', t.decl)}(w, ${v}); } catch (e) { rethrowAt(e, ${path}); }`
        );
      case 'sequence': {
        const i = `i${depth}`;
        const a = `a${depth}`;
        if (isOctet(t.element)) {
          return (
            `if (!(${v} instanceof Uint8Array)) throw badValue(${path}, 'a Uint8Array', ${v});\n` +
            (t.bound > 0
              ? `if (${v}.length > ${t.bound}) throw badSequence(${path}, ${v}.length, ${t.bound});\n`
              : '') +
            `w.u32(${v}.length);\nw.bytes(${v});`
          );
        }
        const dh = !isPrimitive(t.element);
        const bulk = bulkOf(t.element);
        return (
          `{\nconst ${a} = ${v};\n` +
          `if (!Array.isArray(${a})) throw badValue(${path}, 'an array', ${a});\n` +
          (t.bound > 0
            ? `if (${a}.length > ${t.bound}) throw badSequence(${path}, ${a}.length, ${t.bound});\n`
            : '') +
          (dh ? `const d${depth} = w.xcdr2 ? w.reserve4() : -1;\n` : '') +
          (bulk
            ? `for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {\n` +
              this.check(t.element, `${a}[${i}]`, `${path} + '[' + ${i} + ']'`) +
              `\n}\nw.u32(${a}.length);\nw.${bulk}(${a});\n`
            : `w.u32(${a}.length);\n` +
              `for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {\n` +
              this.enc(t.element, `${a}[${i}]`, `${path} + '[' + ${i} + ']'`, depth + 1) +
              `\n}\n`) +
          (dh ? `if (d${depth} >= 0) w.patchSize(d${depth});\n` : '') +
          `}`
        );
      }
      case 'array': {
        const dh = !isPrimitive(t.element);
        const octets = isOctet(t.element);
        let body = '';
        const loops = (k: number, arr: string, p: string): string => {
          const dim = t.dims[k];
          const last = k === t.dims.length - 1;
          const check =
            last && octets ? `!(${arr} instanceof Uint8Array)` : `!Array.isArray(${arr})`;
          let s = `if (${check} || ${arr}.length !== ${dim}) throw badArray(${p}, ${dim}, ${arr}, ${last && octets});\n`;
          if (last && octets) return `${s}w.bytes(${arr});`;
          const i = `i${depth}_${k}`;
          const next = `a${depth}_${k + 1}`;
          s += `for (let ${i} = 0; ${i} < ${dim}; ${i}++) {\n`;
          const np = `${p} + '[' + ${i} + ']'`;
          const bulk = bulkOf(t.element);
          if (last && bulk)
            return `${s}${this.check(t.element, `${arr}[${i}]`, np)}\n}\nw.${bulk}(${arr});`;
          if (last) s += this.enc(t.element, `${arr}[${i}]`, np, depth + 1);
          else s += `const ${next} = ${arr}[${i}];\n${loops(k + 1, next, np)}`;
          return `${s}\n}`;
        };
        body += `{\nconst a${depth}_0 = ${v};\n`;
        if (dh) body += `const d${depth} = w.xcdr2 ? w.reserve4() : -1;\n`;
        body += loops(0, `a${depth}_0`, path);
        if (dh) body += `\nif (d${depth} >= 0) w.patchSize(d${depth});`;
        return `${body}\n}`;
      }
    }
  }

  /** Statements that read a value of type `t` into lvalue `target`. */
  dec(t: IdlType, target: string, depth: number): string {
    switch (t.kind) {
      case 'primitive':
        return `${target} = ${READ[t.name]};`;
      case 'string':
        return `${target} = r.str(${t.bound});`;
      case 'enum': {
        const e = t.decl;
        const bad = consecutive(e)
          ? `x > ${e.values.length - 1}`
          : `!${this.ref(e, `V_${cIdentifier(e.scopedName)}`)}.has(x)`;
        return `{ const x = r.${UINT[widthOf(e)]}(); if (${bad}) throw new DdsTypeError('invalid ${e.tsName} value ' + x); ${target} = x; }`;
      }
      case 'bitmask': {
        const b = t.decl;
        const mask = bitmaskMask(b);
        const bad = b.bitBound > 32 ? `(x & ~${mask}n) !== 0n` : `(x & ~${mask}) !== 0`;
        return `{ const x = r.${UINT[widthOf(b)]}(); if (${bad}) throw new DdsTypeError('invalid ${b.tsName} flags ' + x); ${target} = x; }`;
      }
      case 'struct':
      case 'union':
        return `${target} = ${this.fn('d', t.decl)}(r);`;
      case 'sequence': {
        if (isOctet(t.element)) return `${target} = r.bytesCopy(r.seqLength(1, ${t.bound}));`;
        const bulk = bulkOf(t.element);
        if (bulk) return `${target} = r.${bulk}(r.seqLength(${minSize(t.element)}, ${t.bound}));`;
        const dh = !isPrimitive(t.element);
        const n = `n${depth}`;
        const a = `a${depth}`;
        const i = `i${depth}`;
        let s = '{\n';
        if (dh)
          s += `const e${depth} = r.xcdr2 ? r.dheader() : -1;\nconst o${depth} = e${depth} >= 0 ? r.enter(e${depth}) : 0;\n`;
        s += `const ${n} = r.seqLength(${minSize(t.element)}, ${t.bound});\n`;
        s += `const ${a}: any[] = new Array(${n});\n`;
        s += `for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${this.dec(t.element, `${a}[${i}]`, depth + 1)}\n}\n`;
        if (dh) s += `if (e${depth} >= 0) r.leave(e${depth}, o${depth});\n`;
        return `${s}${target} = ${a};\n}`;
      }
      case 'array': {
        const dh = !isPrimitive(t.element);
        const octets = isOctet(t.element);
        let s = '{\n';
        if (dh)
          s += `const e${depth} = r.xcdr2 ? r.dheader() : -1;\nconst o${depth} = e${depth} >= 0 ? r.enter(e${depth}) : 0;\n`;
        const build = (k: number, tgt: string): string => {
          const dim = t.dims[k];
          const last = k === t.dims.length - 1;
          if (last && octets) return `${tgt} = r.bytesCopy(${dim});`;
          const bulk = bulkOf(t.element);
          if (last && bulk) return `${tgt} = r.${bulk}(${dim});`;
          const a = `a${depth}_${k}`;
          const i = `i${depth}_${k}`;
          let b = `{\nconst ${a}: any[] = new Array(${dim});\nfor (let ${i} = 0; ${i} < ${dim}; ${i}++) {\n`;
          b += last ? this.dec(t.element, `${a}[${i}]`, depth + 1) : build(k + 1, `${a}[${i}]`);
          return `${b}\n}\n${tgt} = ${a};\n}`;
        };
        s += build(0, target);
        if (dh) s += `\nif (e${depth} >= 0) r.leave(e${depth}, o${depth});`;
        return `${s}\n}`;
      }
    }
  }

  /** An expression for the default value of a type (what Cyclone gives absent members). */
  zero(t: IdlType): string {
    switch (t.kind) {
      case 'primitive':
        if (t.name === 'int64' || t.name === 'uint64') return '0n';
        if (t.name === 'boolean') return 'false';
        if (t.name === 'char') return `'\\0'`;
        return '0';
      case 'string':
        return `''`;
      case 'enum':
        return String(t.decl.values[t.decl.defaultIndex]);
      case 'bitmask':
        return t.decl.bitBound > 32 ? '0n' : '0';
      case 'struct':
      case 'union':
        return `${this.fn('z', t.decl)}()`;
      case 'sequence':
        return isOctet(t.element) ? 'new Uint8Array(0)' : '[]';
      case 'array': {
        const build = (k: number): string => {
          if (k === t.dims.length - 1 && isOctet(t.element)) return `new Uint8Array(${t.dims[k]})`;
          const inner = k === t.dims.length - 1 ? this.zero(t.element) : build(k + 1);
          return `Array.from({ length: ${t.dims[k]} }, () => ${inner})`;
        };
        return build(0);
      }
    }
  }

  /** A discriminator value as a TS literal (chars are one-character strings, booleans booleans). */
  private discLiteral(u: UnionDecl, v: number): string {
    const t = u.discriminator;
    if (t.kind === 'enum') {
      const i = t.decl.values.indexOf(v);
      return i >= 0 ? `${this.ref(t.decl, t.decl.tsName)}.${t.decl.enumerators[i]}` : String(v);
    }
    if (t.kind === 'primitive' && t.name === 'char') return q(String.fromCharCode(v));
    if (t.kind === 'primitive' && t.name === 'boolean') return v ? 'true' : 'false';
    return String(v);
  }

  /** Discriminator values no case names (for enums and booleans, where they can be listed). */
  private uncovered(u: UnionDecl): number[] | undefined {
    const t = u.discriminator;
    const all =
      t.kind === 'enum'
        ? [...t.decl.values]
        : t.kind === 'primitive' && t.name === 'boolean'
          ? [0, 1]
          : undefined;
    if (!all) return undefined;
    const named = new Set(u.cases.flatMap((c) => c.labels));
    return all.filter((v) => !named.has(v));
  }

  private unionDecl(u: UnionDecl): string {
    const c = cIdentifier(u.scopedName);
    const discTs = this.tsType(u.discriminator);
    const variants: string[] = [];
    for (const k of u.cases) {
      const lits = k.isDefault
        ? (this.uncovered(u)?.map((v) => this.discLiteral(u, v)) ?? [discTs])
        : k.labels.map((v) => this.discLiteral(u, v));
      if (lits.length === 0) continue;
      variants.push(
        `{ discriminator: ${lits.join(' | ')}; ${prop(k.member.name)}: ${this.tsType(k.member.type)} }`,
      );
    }
    const rest = u.cases.some((k) => k.isDefault) ? [] : this.uncovered(u);
    if (rest === undefined) variants.push(`{ discriminator: ${discTs} }`);
    else if (rest.length > 0)
      variants.push(`{ discriminator: ${rest.map((v) => this.discLiteral(u, v)).join(' | ')} }`);
    let s = `/** IDL union \`${u.scopedName}\` (@${u.extensibility}): the member present is the one \`discriminator\` selects. */\n`;
    s += `export type ${u.tsName} =\n${variants.map((v) => `  | ${v}`).join('\n')};\n\n`;

    // Enum discriminators are plain numbers at run time; chars are strings, booleans booleans.
    const label = (v: number): string =>
      u.discriminator.kind === 'enum' ? String(v) : this.discLiteral(u, v);
    const caseLabels = (k: (typeof u.cases)[number]): string =>
      k.isDefault ? 'default:' : k.labels.map((v) => `case ${label(v)}:`).join(' ');
    // encoder
    s += `${INTERNAL}export function e_${c}(w: CdrWriter, v: any): void {\n`;
    s += `if (typeof v !== 'object' || v === null) throw badValue('', 'an object', v);\n`;
    if (u.extensibility === 'appendable') s += `const dh = w.xcdr2 ? w.reserve4() : -1;\n`;
    s += `const d = v.discriminator;\n${this.enc(u.discriminator, 'd', q('discriminator'), 0)}\n`;
    s += `switch (d) {\n`;
    for (const k of u.cases) {
      s += `${caseLabels(k)} {\n${this.enc(k.member.type, at('v', k.member.name), q(k.member.name), 0)}\nbreak;\n}\n`;
    }
    s += `}\n`;
    if (u.extensibility === 'appendable') s += `if (dh >= 0) w.patchSize(dh);\n`;
    s += `}\n`;
    // decoder
    s += `${INTERNAL}export function d_${c}(r: CdrReader): ${u.tsName} {\n`;
    if (u.extensibility === 'appendable') {
      s += `const dEnd = r.xcdr2 ? r.dheader() : -1;\nconst outer = dEnd >= 0 ? r.enter(dEnd) : 0;\n`;
    }
    s += `let d: any;\n${this.dec(u.discriminator, 'd', 0)}\nlet out: any;\nswitch (d) {\n`;
    for (const k of u.cases) {
      s += `${caseLabels(k)} {\nlet f: any;\n${this.dec(k.member.type, 'f', 0)}\nout = { discriminator: d, ${prop(k.member.name)}: f };\nbreak;\n}\n`;
    }
    if (!u.cases.some((k) => k.isDefault)) s += `default:\nout = { discriminator: d };\n`;
    s += `}\n`;
    if (u.extensibility === 'appendable') s += `if (dEnd >= 0) r.leave(dEnd, outer);\n`;
    s += `return out;\n}\n`;
    // Default value: the discriminator's default (0, or an enum's default enumerator) and the
    // member it selects, as Cyclone's zeroed sample.
    const t = u.discriminator;
    const z0 = t.kind === 'enum' ? t.decl.values[t.decl.defaultIndex] : 0;
    const zeroCase = u.cases.find((k) => k.labels.includes(z0)) ?? u.cases.find((k) => k.isDefault);
    const zd = this.discLiteral(u, z0);
    s += `${INTERNAL}export function z_${c}(): ${u.tsName} {\nreturn { discriminator: ${zd}${zeroCase ? `, ${prop(zeroCase.member.name)}: ${this.zero(zeroCase.member.type)}` : ''} } as ${u.tsName};\n}\n`;
    if (u.topic) {
      s += `function k_${c}(_r: CdrReader): Partial<${u.tsName}> {\nreturn {};\n}\n`;
      s += this.typeSupport(u, needsXcdr2({ kind: 'union', decl: u }));
    }
    return s;
  }

  private structZero(d: StructDecl): string {
    const c = cIdentifier(d.scopedName);
    const fields = d.members.map(
      (m) => `${prop(m.name)}: ${m.optional ? 'undefined' : this.zero(m.type)}`,
    );
    return `${INTERNAL}export function z_${c}(): ${d.tsName} {\nreturn { ${fields.join(', ')} };\n}\n`;
  }

  private structEncoder(d: StructDecl, ids: number[] | undefined): string {
    const c = cIdentifier(d.scopedName);
    let s = `${INTERNAL}export function e_${c}(w: CdrWriter, v: any): void {\n`;
    s += `if (typeof v !== 'object' || v === null) throw badValue('', 'an object', v);\n`;
    if (d.extensibility === 'appendable') s += `const dh = w.xcdr2 ? w.reserve4() : -1;\n`;
    if (d.extensibility === 'mutable') s += `const dh = w.reserve4();\n`;
    d.members.forEach((m, idx) => {
      const v = at('v', m.name);
      const body = this.enc(m.type, v, q(m.name), 0);
      if (d.extensibility === 'mutable') {
        const lc = lengthCode(m.type);
        const inner = `{\nconst m = w.beginMember(${(ids as number[])[idx]}, ${m.key}, ${lc});\n${body}\nw.endMember(m);\n}`;
        s += m.optional ? `if (${v} != null) ${inner}\n` : `${inner}\n`;
      } else if (m.optional) {
        s += `if (${v} == null) w.u8(0);\nelse {\nw.u8(1);\n${body}\n}\n`;
      } else {
        s += `${body}\n`;
      }
    });
    if (d.extensibility === 'appendable') s += `if (dh >= 0) w.patchSize(dh);\n`;
    if (d.extensibility === 'mutable') s += `w.patchSize(dh);\n`;
    return `${s}}\n`;
  }

  private structDecoder(d: StructDecl, ids: number[] | undefined): string {
    const c = cIdentifier(d.scopedName);
    let s = `${INTERNAL}export function d_${c}(r: CdrReader): ${d.tsName} {\n`;
    const locals = d.members.map((_, i) => `f${i}`);
    s += `let ${locals.map((l) => `${l}: any`).join(', ')};\n`;
    if (d.extensibility === 'mutable') {
      s += `if (!r.xcdr2) throw new DdsTypeError('XCDR1 parameter lists are not supported (${d.scopedName} is @mutable)');\n`;
      s += `const dEnd = r.dheader();\nconst outer = r.enter(dEnd);\n`;
      s += `while (r.pos < dEnd) {\nconst id = r.member();\nconst mEnd = r.memberEnd;\nconst o = r.enter(mEnd);\nswitch (id & 0x0fffffff) {\n`;
      d.members.forEach((m, i) => {
        s += `case ${(ids as number[])[i]}:\n${this.dec(m.type, locals[i], 0)}\nbreak;\n`;
      });
      s += `default:\nif (id & 0x80000000) throw new DdsTypeError('unknown must-understand member id ' + (id & 0x0fffffff));\n}\n`;
      s += `r.leave(mEnd, o);\n}\nr.leave(dEnd, outer);\n`;
      // Members a writer with an older or newer version of the type did not send take their
      // default values, as in Cyclone; a sample without its key is rejected.
      d.members.forEach((m, i) => {
        if (m.key)
          s += `if (${locals[i]} === undefined) throw new DdsTypeError('key member ${m.name} is missing');\n`;
        else if (!m.optional)
          s += `if (${locals[i]} === undefined) ${locals[i]} = ${this.zero(m.type)};\n`;
      });
    } else {
      if (d.extensibility === 'appendable') {
        s += `const dEnd = r.xcdr2 ? r.dheader() : -1;\nconst outer = dEnd >= 0 ? r.enter(dEnd) : 0;\n`;
      }
      d.members.forEach((m, i) => {
        let body = this.dec(m.type, locals[i], 0);
        if (m.optional) body = `if (r.bool()) {\n${body}\n}`;
        // An appendable struct from an older version of the type ends early: the members it
        // does not have take their default values (as in Cyclone).
        if (d.extensibility === 'appendable' && i > 0) {
          body = `if (dEnd < 0 || r.pos < dEnd) {\n${body}\n} else ${locals[i]} = ${m.optional ? 'undefined' : this.zero(m.type)};`;
        }
        s += `${body}\n`;
      });
      if (d.extensibility === 'appendable') s += `if (dEnd >= 0) r.leave(dEnd, outer);\n`;
    }
    s += `return { ${d.members.map((m, i) => `${prop(m.name)}: ${locals[i]}`).join(', ')} };\n}\n`;
    return s;
  }

  private keyDecoder(d: StructDecl, desc: TopicDescriptorData): string {
    const c = cIdentifier(d.scopedName);
    let s = `function k_${c}(${desc.keys.length ? 'r' : '_r'}: CdrReader): Partial<${d.tsName}> {\nconst k: any = {};\n`;
    const made = new Set<string>();
    desc.keys.forEach((key, n) => {
      const parts = key.name.split('.');
      let decl = d;
      let target = 'k';
      for (let p = 0; p < parts.length; p++) {
        const m = decl.members.find((x) => x.name === parts[p]);
        if (!m) throw new Error(`${d.scopedName}: key '${key.name}' not found`);
        target = at(target, parts[p]);
        if (p < parts.length - 1) {
          if (m.type.kind !== 'struct')
            throw new Error(`${d.scopedName}: key '${key.name}' is not a struct path`);
          if (!made.has(target)) {
            s += `${target} = {};\n`;
            made.add(target);
          }
          decl = m.type.decl;
        } else {
          s += `${this.dec(m.type, target, n * 10)}\n`;
        }
      }
    });
    return `${s}return k;\n}\n`;
  }

  emit(): string {
    const rt = this.opts.runtimeModule ?? '@dds/transport';
    const body: string[] = [];
    for (const decl of this.decls) {
      if (decl.kind === 'enum') body.push(this.enumDecl(decl));
      else if (decl.kind === 'bitmask') body.push(this.bitmaskDecl(decl));
      else if (decl.kind === 'union') body.push(this.unionDecl(decl));
      else body.push(this.structDecl(decl));
    }
    const o = this.out;
    o.push(`/* eslint-disable */`);
    o.push(
      `// Generated by dds-idl from ${this.opts.sourceName ?? 'IDL'}. Do not edit: regenerate instead.`,
    );
    // Only what the body uses (a module of enums alone needs nothing from the runtime).
    const text = body.join('\n');
    const used = (names: readonly string[]): string[] =>
      names.filter((n) => new RegExp(`\\b${n}\\b`).test(text));
    const values = used(RUNTIME_VALUES);
    const types = used(['TypeSupport']);
    if (values.length) o.push(`import { ${values.join(', ')} } from ${q(rt)};`);
    if (types.length) o.push(`import type { ${types.join(', ')} } from ${q(rt)};`);
    for (const [target, alias] of this.imports) {
      let spec = posix.relative(posix.dirname(this.path), target);
      if (!spec.startsWith('.')) spec = `./${spec}`;
      o.push(`import * as ${alias} from ${q(spec)};`);
    }
    o.push('', ...body);
    return indent(`${o.join('\n')}\n`);
  }

  private enumDecl(e: EnumDecl): string {
    const c = cIdentifier(e.scopedName);
    const bound = e.bitBound === 32 ? '' : ` (@bit_bound(${e.bitBound}))`;
    let s = `/** IDL enum \`${e.scopedName}\`${bound}. */\nexport enum ${e.tsName} {\n${e.enumerators.map((n, i) => `  ${n} = ${e.values[i]},`).join('\n')}\n}\n`;
    // Values that are not 0..n-1 are checked against the set of them.
    if (!consecutive(e))
      s += `${INTERNAL}export const V_${c}: ReadonlySet<number> = new Set([${e.values.join(', ')}]);\n`;
    return s;
  }

  private bitmaskDecl(b: BitmaskDecl): string {
    const big = b.bitBound > 32;
    const flag = (p: number): string => (big ? `${1n << BigInt(p)}n` : String(2 ** p));
    let s = `/** Flags of IDL bitmask \`${b.scopedName}\` (@bit_bound(${b.bitBound})): a value is any OR of them. */\n`;
    s += `export const ${b.tsName} = {\n${b.flags.map((f) => `  ${prop(f.name)}: ${flag(f.position)},`).join('\n')}\n} as const;\n`;
    s += `/** A value of IDL bitmask \`${b.scopedName}\`: an OR of \`${b.tsName}\` flags. */\n`;
    s += `export type ${b.tsName} = ${big ? 'bigint' : 'number'};\n`;
    return s;
  }

  private structDecl(d: StructDecl): string {
    const desc = d.topic ? this.descriptors.get(d.scopedName) : undefined;
    if (d.topic && !desc) throw new Error(`idlc produced no descriptor for ${d.scopedName}`);
    const ids = d.extensibility === 'mutable' ? d.members.map((m) => m.id) : undefined;
    if (ids && desc) checkMemberIds(d, ids, desc);
    const nested = d.topic ? '' : ', nested: no topic type support';
    let s = `/** IDL struct \`${d.scopedName}\` (@${d.extensibility}${nested}). */\nexport interface ${d.tsName} {\n`;
    for (const m of d.members) {
      s += `  ${m.key ? '/** @key */ ' : ''}${prop(m.name)}${m.optional ? '?' : ''}: ${this.tsType(m.type)}${m.optional ? ' | undefined' : ''};\n`;
    }
    s += '}\n\n';
    s += this.structZero(d);
    s += this.structEncoder(d, ids);
    s += this.structDecoder(d, ids);
    if (desc) {
      s += this.keyDecoder(d, desc);
      s += this.typeSupport(d, needsXcdr2({ kind: 'struct', decl: d }));
    }
    return s;
  }

  /** `<Name>Type`, the TypeSupport of a topic type (its `k_` key decoder emitted before). */
  private typeSupport(d: StructDecl | UnionDecl, xcdr2Only: boolean): string {
    const desc = this.descriptors.get(d.scopedName);
    if (!desc) throw new Error(`idlc produced no descriptor for ${d.scopedName}`);
    const c = cIdentifier(d.scopedName);
    const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
    let s = `\n/** Type support for \`${d.scopedName}\`: pass it to \`participant.createTopic\`. */\n`;
    s += `export const ${d.tsName}Type: TypeSupport<${d.tsName}> = makeTypeSupport<${d.tsName}>({\n`;
    s += `  typeName: ${q(d.scopedName)},\n  extensibility: ${q(d.extensibility)},\n`;
    s += `  xcdr2Only: ${xcdr2Only},\n`;
    s += `  encode: e_${c},\n  decode: d_${c},\n  decodeKey: k_${c},\n`;
    s += `  descriptor: {\n    typeName: ${q(desc.typeName)},\n    size: ${desc.size},\n    align: ${desc.align},\n`;
    s += `    flagset: ${desc.flagset},\n    keys: ${JSON.stringify(desc.keys)},\n`;
    s += `    ops: [${desc.ops.join(', ')}],\n`;
    s += `    typeInformation: fromBase64(${q(b64(desc.typeInformation))}),\n`;
    s += `    typeMapping: fromBase64(${q(b64(desc.typeMapping))}),\n`;
    s += `    restrictDataRepresentation: ${desc.restrictDataRepresentation},\n  },\n});\n`;
    return s;
  }
}

/** What generated code may import from the runtime (as values). */
const RUNTIME_VALUES = [
  'CdrReader',
  'CdrWriter',
  'DdsTypeError',
  'badArray',
  'badSequence',
  'badString',
  'badValue',
  'fromBase64',
  'makeTypeSupport',
  'rethrowAt',
] as const;

/** Marks generated helpers other generated modules import (not part of the module's API). */
const INTERNAL = '/** @internal */\n';

/** The bits a bitmask may have set, as a decimal literal (without `n`). */
function bitmaskMask(b: BitmaskDecl): string {
  return String(b.flags.reduce((m, f) => m | (1n << BigInt(f.position)), 0n));
}

/** The member ids the parser assigned must be the ones idlc put in the descriptor. */
function checkMemberIds(d: StructDecl, ids: readonly number[], desc: TopicDescriptorData): void {
  const fromIdlc = mutableMemberIds(d, desc);
  if (fromIdlc.some((id, i) => id !== ids[i]))
    throw new Error(
      `${d.scopedName}: member ids ${ids.join(',')} differ from idlc's ${fromIdlc.join(',')}`,
    );
}

/**
 * Indents generated code by brace depth (2 spaces), so the output reads like hand-written code.
 * Braces inside string literals would confuse it; the emitter never puts any there.
 */
function indent(code: string): string {
  let depth = 0;
  return code
    .split('\n')
    .map((raw) => {
      const line = raw.trim();
      if (line === '') return '';
      // `({` and `})` open and close one level, as a formatter would indent them.
      const l = line.replace(/\(\{/g, '{').replace(/\}\)/g, '}');
      const opens = (l.match(/[{[(]/g) ?? []).length;
      const closes = (l.match(/[}\])]/g) ?? []).length;
      const lead = /^[}\])]+/.exec(l)?.[0].length ?? 0;
      const out = `${'  '.repeat(Math.max(0, depth - lead))}${line}`;
      depth = Math.max(0, depth + opens - closes);
      return out;
    })
    .join('\n');
}

/** Assigns TS names: the simple IDL name, or the scoped one with `_` where simple names clash. */
export function assignTsNames(decls: readonly TypeDecl[]): void {
  const count = new Map<string, number>();
  for (const d of decls) count.set(d.simpleName, (count.get(d.simpleName) ?? 0) + 1);
  for (const d of decls) {
    d.tsName = (count.get(d.simpleName) ?? 0) > 1 ? cIdentifier(d.scopedName) : d.simpleName;
  }
}

/**
 * Where the module of an IDL file goes, relative to the output directory and without `.ts`: the
 * main file's base name, or an included file's path as its `#include` spelled it (as idlc's C
 * output `#include`s `<spelled>.h`), so that modules import each other by relative paths.
 */
export function modulePath(source: IdlSource, isMain: boolean): string {
  const base = (isMain ? posix.basename(source.file.replace(/\\/g, '/')) : (source.spelled ?? ''))
    .replace(/\\/g, '/')
    .replace(/\.idl$/i, '');
  if (!isMain && (base === '' || posix.isAbsolute(base) || base.split('/').includes('..')))
    throw new Error(
      `${source.file}: #include "${source.spelled}" names no place inside the output directory; include it by a path relative to an -I directory`,
    );
  return base;
}

/**
 * Emits one TS module per IDL file of the translation unit that declares types (the main file
 * first): interfaces and encoders for every type, a `TypeSupport` for each topic type, with
 * descriptors from idlc. Types of included files are imported from their own modules.
 */
export function emitModules(
  file: IdlFile,
  descriptors: Map<string, TopicDescriptorData>,
  opts: EmitOptions = {},
): EmittedModule[] {
  const pathOf = new Map<string, string>();
  file.sources.forEach((src, i) => {
    const path = modulePath(src, i === 0);
    const clash = [...pathOf].find(([, p]) => p === path);
    if (clash) throw new Error(`${src.file} and ${clash[0]} would both generate ${path}.ts`);
    pathOf.set(src.file, path);
  });
  const declsOf = new Map(
    file.sources.map((src) => [src, file.decls.filter((d) => d.file === src.file)]),
  );
  // Every module's names first: modules refer to each other's types by them.
  for (const decls of declsOf.values()) assignTsNames(decls);
  const out: EmittedModule[] = [];
  for (const [source, decls] of declsOf) {
    if (decls.length === 0 && source !== file.sources[0]) continue;
    const path = pathOf.get(source.file) as string;
    const sourceName = posix.basename(source.file.replace(/\\/g, '/'));
    const code = new Emitter(decls, source, path, pathOf, descriptors, {
      ...opts,
      sourceName,
    }).emit();
    out.push({ source, path, code });
  }
  return out;
}
