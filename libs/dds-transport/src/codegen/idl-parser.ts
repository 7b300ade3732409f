import { createHash } from 'node:crypto';
import type { Extensibility } from '../lib/cdr/encapsulation';
import type {
  BitmaskDecl,
  EnumDecl,
  IdlFile,
  IdlSource,
  IdlType,
  MemberDecl,
  PrimitiveName,
  StructDecl,
  TypeDecl,
  UnionCase,
  UnionDecl,
} from './idl-model';

/** An IDL file uses something this generator does not understand; `line`/`column` are 1-based. */
export class IdlParseError extends Error {
  override readonly name = 'IdlParseError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${file}:${line}:${column}: ${message}`);
  }
}

interface Token {
  /** `pragma`: a `#pragma keylist` line, `text` holding what follows `keylist`. */
  readonly kind: 'ident' | 'int' | 'punct' | 'string' | 'pragma' | 'eof';
  readonly text: string;
  /** An identifier written with IDL's escape underscore (`_long` is the identifier `long`). */
  readonly escaped?: boolean;
  /** The file the token is in (line markers of the preprocessor switch it). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The tokens of a translation unit and the files they came from. */
interface Tokens {
  readonly toks: Token[];
  readonly sources: IdlSource[];
}

/** `# 12 "/abs/file.idl" 3 "file.idl"` (mcpp, as `idlc -E` prints it) or `#line 12 "file"`. */
const LINE_MARKER = /^#\s*(?:line\s+)?(\d+)\s+"([^"]*)"(?:\s+\d+)*(?:\s+"([^"]*)")?\s*$/;
const PRAGMA_KEYLIST = /^#\s*pragma\s+keylist\b(.*)$/;
const PRAGMA = /^#\s*pragma\b/;

const PUNCT = [
  '::',
  '<<',
  '>>',
  '{',
  '}',
  ';',
  ',',
  '<',
  '>',
  '[',
  ']',
  '(',
  ')',
  '=',
  '@',
  ':',
  '+',
  '-',
  '*',
  '/',
  '|',
  '&',
];

/**
 * Splits preprocessed IDL into tokens. Line markers (what `idlc -E` emits for `#include`s) set
 * the file and line of what follows; `#pragma keylist` becomes a token; other pragmas are
 * ignored, as idlc does. Any other directive means the text was not preprocessed.
 */
function tokenize(src: string, mainFile: string): Tokens {
  const out: Token[] = [];
  const sources: IdlSource[] = [{ file: mainFile }];
  let file = mainFile;
  let mainPath: string | undefined;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (msg: string): never => {
    throw new IdlParseError(msg, file, line, i - lineStart + 1);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment');
      for (; i < end + 2; i++) {
        if (src[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      continue;
    }
    if (c === '#') {
      const end = src.indexOf('\n', i);
      const directive = src.slice(i, end < 0 ? src.length : end).trim();
      const marker = LINE_MARKER.exec(directive);
      const keylist = PRAGMA_KEYLIST.exec(directive);
      if (marker) {
        // The first marker names the main file, which keeps the name the caller gave it.
        if (mainPath === undefined) mainPath = marker[2];
        const path = marker[2] === mainPath ? mainFile : marker[2];
        if (!sources.some((s) => s.file === path))
          sources.push({ file: path, spelled: marker[3] ?? marker[2] });
        file = path;
        // The newline ending the marker advances to the line it announces.
        line = Number(marker[1]) - 1;
      } else if (keylist) {
        out.push({ kind: 'pragma', text: keylist[1].trim(), file, line, column: 1 });
      } else if (!PRAGMA.test(directive)) {
        fail(
          `preprocessor directive ${directive} needs the preprocessor (dds-idl gen runs idlc -E first)`,
        );
      }
      i = end < 0 ? src.length : end;
      continue;
    }
    const column = i - lineStart + 1;
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256));
    if (ident) {
      const escaped = ident[0].startsWith('_') && ident[0].length > 1;
      out.push({
        kind: 'ident',
        text: escaped ? ident[0].slice(1) : ident[0],
        file,
        line,
        column,
        escaped,
      });
      i += ident[0].length;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(src.slice(i, i + 64));
    if (num) {
      if (/^[.eE]/.test(src[i + num[0].length] ?? ''))
        fail('floating-point literals are not supported');
      out.push({ kind: 'int', text: num[0], file, line, column });
      i += num[0].length;
      continue;
    }
    const chr = /^'(\\?.)'/.exec(src.slice(i, i + 4));
    if (chr) {
      const ch =
        chr[1].length === 2
          ? (({ n: '\n', t: '\t', '0': '\0' } as Record<string, string>)[chr[1][1]] ?? chr[1][1])
          : chr[1];
      out.push({ kind: 'int', text: String(ch.charCodeAt(0)), file, line, column });
      i += chr[0].length;
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) fail('unterminated string literal');
      out.push({ kind: 'string', text: src.slice(i + 1, end), file, line, column });
      i = end + 1;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) fail(`unexpected character '${c}'`);
    out.push({ kind: 'punct', text: p as string, file, line, column });
    i += (p as string).length;
  }
  out.push({ kind: 'eof', text: '', file, line, column: i - lineStart + 1 });
  return { toks: out, sources };
}

interface Annotation {
  readonly name: string;
  readonly args: readonly Token[];
}

type Named = TypeDecl | { kind: 'typedef'; type: IdlType } | { kind: 'const'; value: number };

const BASE_TYPES: Record<string, PrimitiveName> = {
  boolean: 'boolean',
  char: 'char',
  octet: 'octet',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  short: 'int16',
  long: 'int32',
  float: 'float',
  double: 'double',
};

/** XTypes member-id assignment of a type (`@autoid`). */
type AutoId = 'sequential' | 'hash';

/** Member ids are 28 bits; idlc lets sequential ids overflow silently within them. */
const MEMBER_ID_MASK = 0x0fffffff;

/** XTypes 1.3 7.3.1.2.1.1: the first 4 bytes of MD5(name), little-endian, masked to 28 bits. */
export function hashMemberId(name: string): number {
  const d = createHash('md5').update(name, 'utf8').digest();
  return d.readUInt32LE(0) & MEMBER_ID_MASK;
}

/** A struct or union under construction: whether it is a topic type is settled at the end. */
interface Aggregate {
  readonly decl: StructDecl | UnionDecl;
  /** `@nested`/`@topic` on the type, else the nearest enclosing `@default_nested`. */
  readonly nested: boolean | undefined;
}

/**
 * A recursive-descent parser for the IDL subset the generator supports: modules, structs
 * (`@final`/`@appendable`/`@mutable`, `@key`, `@optional`, `@nested`/`@topic`), unions, enums
 * (`@value`, `@bit_bound`), bitmasks, typedefs, integer constants, all primitive types,
 * (bounded) strings, (bounded) sequences and multi-dimensional arrays, and `#pragma keylist`.
 * `src` is preprocessed IDL (`idlc -E` output, whose line markers say which file each part comes
 * from) or plain IDL without directives; `file` names the main file in messages. Validation of
 * the full grammar is left to `idlc`, which runs on the same text.
 */
export function parseIdl(src: string, file = '<idl>'): IdlFile {
  return new Parser(tokenize(src, file)).parseFile();
}

class Parser {
  private i = 0;
  private readonly scope: string[] = [];
  /** Per open module: its `@default_nested`, or undefined to inherit the outer one. */
  private readonly defaultNested: (boolean | undefined)[] = [];
  /** Per open module: its `@autoid`, or undefined to inherit the outer one. */
  private readonly moduleAutoId: (AutoId | undefined)[] = [];
  private readonly names = new Map<string, Named>();
  private readonly decls: TypeDecl[] = [];
  private readonly aggregates: Aggregate[] = [];
  /** Structs named by a `#pragma keylist` (which makes the translation unit use keylists). */
  private readonly keylisted = new Set<StructDecl>();
  private readonly toks: Token[];
  private readonly sources: IdlSource[];

  constructor(tokens: Tokens) {
    this.toks = tokens.toks;
    this.sources = tokens.sources;
  }

  private get tok(): Token {
    return this.toks[this.i];
  }

  private fail(msg: string, t: Token = this.tok): never {
    throw new IdlParseError(msg, t.file, t.line, t.column);
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private is(text: string): boolean {
    const t = this.tok;
    return t.text === text && t.kind !== 'string' && t.kind !== 'pragma' && !t.escaped;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.i++;
    return true;
  }

  private expect(text: string): Token {
    if (!this.is(text)) this.fail(`expected '${text}', found ${this.describe(this.tok)}`);
    return this.next();
  }

  private ident(): string {
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(`expected an identifier, found ${this.describe(t)}`);
    this.i++;
    return t.text;
  }

  private describe(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
  }

  parseFile(): IdlFile {
    while (this.tok.kind !== 'eof') this.definition();
    // As idlc: with keylists, exactly the keylisted structs are topics; otherwise every struct
    // and union that is not nested (idlc's default for types without a say is "not nested").
    const keylists = this.keylisted.size > 0;
    for (const { decl, nested } of this.aggregates) {
      const topic = keylists ? decl.kind === 'struct' && this.keylisted.has(decl) : nested !== true;
      (decl as { topic: boolean }).topic = topic;
    }
    return { decls: this.decls, sources: this.sources };
  }

  /** `@nested`/`@topic` on a type, else the `@default_nested` of the modules around it. */
  private nestedness(annos: Annotation[]): boolean | undefined {
    let nested: boolean | undefined;
    for (const a of annos) {
      if (a.name === 'nested') nested = this.flag(a);
      else if (a.name === 'topic') {
        // idlc ignores @topic for other platforms (with a warning), and so do we.
        const i = a.args.findIndex((t) => t.text === 'platform');
        const platform = i >= 0 ? a.args[i + 2]?.text : undefined;
        if (platform === undefined || platform === '*' || platform === 'DDS') nested = false;
      }
    }
    if (nested !== undefined) return nested;
    for (let n = this.defaultNested.length - 1; n >= 0; n--)
      if (this.defaultNested[n] !== undefined) return this.defaultNested[n];
    return undefined;
  }

  /** `@autoid` (HASH), `@autoid(HASH)` or `@autoid(SEQUENTIAL)`. */
  private autoIdOf(a: Annotation): AutoId {
    const v = a.args.length === 0 ? 'HASH' : a.args[a.args.length - 1].text;
    if (v !== 'HASH' && v !== 'SEQUENTIAL')
      this.fail('@autoid takes HASH or SEQUENTIAL', a.args[0]);
    return v === 'HASH' ? 'hash' : 'sequential';
  }

  /** The `@autoid` of a type: its own, else its modules', else SEQUENTIAL. */
  private autoId(annos: Annotation[]): AutoId {
    const own = annos.find((a) => a.name === 'autoid');
    if (own) return this.autoIdOf(own);
    for (let n = this.moduleAutoId.length - 1; n >= 0; n--) {
      const m = this.moduleAutoId[n];
      if (m !== undefined) return m;
    }
    return 'sequential';
  }

  /** The value of a boolean annotation: `@a`, `@a(TRUE)` or `@a(FALSE)`. */
  private flag(a: Annotation): boolean {
    if (a.args.length === 0) return true;
    const v = a.args[0].text.toUpperCase();
    if (a.args.length !== 1 || (v !== 'TRUE' && v !== 'FALSE'))
      this.fail(`@${a.name} takes TRUE or FALSE`, a.args[0]);
    return v === 'TRUE';
  }

  /** The integer argument of `@name(N)`, checked against [min, max]. */
  private intArg(a: Annotation, min: number, max: number): number {
    const t = a.args[0];
    const v = a.args.length === 1 && t.kind === 'int' ? Number(t.text) : NaN;
    if (!Number.isSafeInteger(v) || v < min || v > max)
      this.fail(`@${a.name} takes an integer in [${min}, ${max}]`, t ?? this.tok);
    return v;
  }

  /** `#pragma keylist Type member...`: marks the members as keys (and the struct a topic). */
  private keylist(t: Token): void {
    const [type, ...members] = t.text.split(/\s+/).filter(Boolean);
    if (!type) this.fail('#pragma keylist needs a type name', t);
    const named = this.lookup(type);
    if (named?.kind !== 'struct') this.fail(`#pragma keylist: '${type}' is not a struct`, t);
    for (const name of members) {
      const i = named.members.findIndex((m) => m.name === name);
      if (i < 0) this.fail(`#pragma keylist: '${type}' has no member '${name}'`, t);
      named.members[i] = { ...named.members[i], key: true };
    }
    this.keylisted.add(named);
  }

  private annotations(): Annotation[] {
    const out: Annotation[] = [];
    while (this.accept('@')) {
      const name = this.ident();
      const args: Token[] = [];
      if (this.accept('(')) {
        let depth = 1;
        while (depth > 0) {
          const t = this.next();
          if (t.kind === 'eof') this.fail('unterminated annotation arguments', t);
          if (t.text === '(') depth++;
          else if (t.text === ')') depth--;
          if (depth > 0) args.push(t);
        }
      }
      out.push({ name, args });
    }
    return out;
  }

  private definition(): void {
    if (this.tok.kind === 'pragma') {
      this.keylist(this.next());
      return;
    }
    const annos = this.annotations();
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(`expected a definition, found ${this.describe(t)}`);
    switch (t.text) {
      case 'module': {
        this.next();
        const name = this.ident();
        let defaultNested: boolean | undefined;
        let autoId: AutoId | undefined;
        for (const a of annos) {
          if (a.name === 'default_nested') defaultNested = this.flag(a);
          else if (a.name === 'autoid') autoId = this.autoIdOf(a);
          else this.fail(`unsupported annotation @${a.name} on module '${name}'`, t);
        }
        this.expect('{');
        this.scope.push(name);
        this.defaultNested.push(defaultNested);
        this.moduleAutoId.push(autoId);
        while (!this.is('}')) {
          if (this.tok.kind === 'eof') this.fail(`unterminated module '${name}'`);
          this.definition();
        }
        this.moduleAutoId.pop();
        this.defaultNested.pop();
        this.scope.pop();
        this.expect('}');
        this.expect(';');
        return;
      }
      case 'struct':
        this.next();
        this.struct(annos);
        return;
      case 'enum':
        this.next();
        this.enumDecl(annos);
        return;
      case 'bitmask':
        this.next();
        this.bitmask(annos);
        return;
      case 'bitset':
        this.fail("bitset is not supported: Cyclone DDS 0.10.2's idlc cannot compile bitsets");
        return;
      case 'typedef':
        this.next();
        this.typedef();
        return;
      case 'const':
        this.next();
        this.constDecl();
        return;
      case 'union':
        this.next();
        this.union(annos);
        return;
      default:
        this.fail(`unsupported definition '${t.text}'`);
    }
  }

  private scoped(name: string): string {
    return [...this.scope, name].join('::');
  }

  private declare(name: string, what: Named, at: Token): void {
    const full = this.scoped(name);
    if (this.names.has(full)) this.fail(`'${full}' is already declared`, at);
    this.names.set(full, what);
  }

  private struct(annos: Annotation[]): void {
    const at = this.tok;
    const name = this.ident();
    if (this.is(';')) this.fail('forward declarations are not supported');
    if (this.is(':')) this.fail('struct inheritance is not supported by dds-idl yet');
    const extensibility = this.extensibilityOf(annos, `struct '${name}'`, at);
    const decl: StructDecl = {
      kind: 'struct',
      scopedName: this.scoped(name),
      simpleName: name,
      file: at.file,
      extensibility,
      members: [],
      topic: false,
      tsName: name,
    };
    this.declare(name, decl, at);
    this.aggregates.push({ decl, nested: this.nestedness(annos) });
    const autoId = this.autoId(annos);
    this.expect('{');
    while (!this.accept('}')) {
      if (this.tok.kind === 'eof') this.fail(`unterminated struct '${name}'`);
      const annoAt = this.tok;
      const mannos = this.annotations();
      let key = false;
      let optional = false;
      /** `@id(N)`, or the string `@hashid` hashes (the member's name when empty). */
      let explicit: number | string | undefined;
      for (const a of mannos) {
        const on = a.args.length === 0 || /^true$/i.test(a.args[0].text);
        if (a.name === 'key') key = on;
        else if (a.name === 'optional') optional = on;
        else if (a.name === 'id') explicit = this.intArg(a, 0, MEMBER_ID_MASK);
        else if (a.name === 'hashid') explicit = a.args[0]?.kind === 'string' ? a.args[0].text : '';
        else if (!['must_understand', 'external'].includes(a.name)) {
          this.fail(`unsupported annotation @${a.name} on a member of '${name}'`);
        }
      }
      if (key && optional) this.fail('a key member cannot be @optional');
      const base = this.typeSpec();
      let declarators = 0;
      do {
        const nameTok = this.tok;
        const mname = this.ident();
        const type = this.arrayDims(base);
        if (decl.members.some((m) => m.name.toLowerCase() === mname.toLowerCase())) {
          this.fail(`duplicate member '${mname}' in '${name}'`, nameTok);
        }
        if (explicit !== undefined && ++declarators > 1)
          this.fail('@id/@hashid cannot apply to several declarators at once', annoAt);
        const last = decl.members[decl.members.length - 1];
        const id =
          typeof explicit === 'number'
            ? explicit
            : typeof explicit === 'string'
              ? hashMemberId(explicit || mname)
              : autoId === 'hash'
                ? hashMemberId(mname)
                : last
                  ? (last.id + 1) & MEMBER_ID_MASK
                  : 0;
        decl.members.push({ name: mname, type, key, optional, id } satisfies MemberDecl);
      } while (this.accept(','));
      this.expect(';');
    }
    this.expect(';');
    if (decl.members.length === 0) this.fail(`struct '${name}' has no members`, at);
    this.decls.push(decl);
  }

  private extensibilityOf(annos: Annotation[], what: string, at: Token): Extensibility {
    let extensibility: Extensibility = 'final';
    for (const a of annos) {
      if (a.name === 'final' || a.name === 'appendable' || a.name === 'mutable')
        extensibility = a.name;
      else if (a.name === 'extensibility') {
        const v = a.args[0]?.text.toLowerCase();
        if (v !== 'final' && v !== 'appendable' && v !== 'mutable')
          this.fail(`bad @extensibility`, at);
        extensibility = v;
      } else if (!['topic', 'nested', 'autoid'].includes(a.name)) {
        this.fail(`unsupported annotation @${a.name} on ${what}`, at);
      }
    }
    return extensibility;
  }

  private union(annos: Annotation[]): void {
    const at = this.tok;
    const name = this.ident();
    const extensibility = this.extensibilityOf(annos, `union '${name}'`, at);
    if (extensibility === 'mutable') this.fail('@mutable unions are not supported', at);
    this.expect('switch');
    this.expect('(');
    const dt = this.tok;
    const discriminator = this.typeSpec();
    const okDisc =
      discriminator.kind === 'enum' ||
      (discriminator.kind === 'primitive' &&
        !['float', 'double', 'int64', 'uint64'].includes(discriminator.name));
    if (!okDisc)
      this.fail(
        'union discriminator must be an integer (up to 32 bits), char, boolean, octet or enum',
        dt,
      );
    this.expect(')');
    this.expect('{');
    const cases: UnionCase[] = [];
    const seen = new Set<number>();
    let hasDefault = false;
    while (!this.accept('}')) {
      if (this.tok.kind === 'eof') this.fail(`unterminated union '${name}'`);
      const labels: number[] = [];
      let isDefault = false;
      do {
        const lt = this.tok;
        if (this.accept('default')) {
          if (hasDefault) this.fail(`union '${name}' has two default cases`, lt);
          isDefault = hasDefault = true;
        } else {
          this.expect('case');
          const v = this.constExpr();
          if (seen.has(v)) this.fail(`duplicate case label ${v} in union '${name}'`, lt);
          seen.add(v);
          labels.push(v);
        }
        this.expect(':');
      } while (this.is('case') || this.is('default'));
      const mannos = this.annotations();
      if (mannos.length > 0)
        this.fail(`unsupported annotation @${mannos[0].name} on a union member`);
      const type = this.typeSpec();
      const mt = this.tok;
      const mname = this.ident();
      if (mname === 'discriminator')
        this.fail(`a union member cannot be named 'discriminator'`, mt);
      cases.push({
        labels,
        isDefault,
        member: {
          name: mname,
          type: this.arrayDims(type),
          key: false,
          optional: false,
          id: cases.length,
        },
      });
      this.expect(';');
    }
    this.expect(';');
    if (cases.length === 0) this.fail(`union '${name}' has no cases`, at);
    const decl: UnionDecl = {
      kind: 'union',
      scopedName: this.scoped(name),
      simpleName: name,
      file: at.file,
      extensibility,
      discriminator,
      cases,
      topic: false,
      tsName: name,
    };
    this.declare(name, decl, at);
    this.aggregates.push({ decl, nested: this.nestedness(annos) });
    this.decls.push(decl);
  }

  private enumDecl(annos: Annotation[]): void {
    const at = this.tok;
    const name = this.ident();
    let bitBound = 32;
    for (const a of annos) {
      if (a.name === 'bit_bound') bitBound = this.intArg(a, 1, 32);
      else this.fail(`unsupported annotation @${a.name} on enum '${name}'`, at);
    }
    this.expect('{');
    const enumerators: string[] = [];
    const values: number[] = [];
    let defaultIndex = -1;
    do {
      const eannos = this.annotations();
      const et = this.tok;
      const e = this.ident();
      // Without @value an enumerator is one more than the previous one (the first is 0).
      let value = values.length === 0 ? 0 : values[values.length - 1] + 1;
      for (const a of eannos) {
        if (a.name === 'value') value = this.intArg(a, 0, 2 ** 32 - 1);
        else if (a.name === 'default_literal') {
          if (defaultIndex >= 0) this.fail(`enum '${name}' has two @default_literal`, et);
          defaultIndex = enumerators.length;
        } else this.fail(`unsupported annotation @${a.name} on an enumerator`, et);
      }
      if (value >= 2 ** bitBound)
        this.fail(`enumerator '${e}' = ${value} does not fit @bit_bound(${bitBound})`, et);
      if (values.includes(value))
        this.fail(`enumerator '${e}' repeats the value ${value} in enum '${name}'`, et);
      enumerators.push(e);
      values.push(value);
      this.declare(e, { kind: 'const', value }, et);
    } while (this.accept(','));
    this.expect('}');
    this.expect(';');
    const decl: EnumDecl = {
      kind: 'enum',
      scopedName: this.scoped(name),
      simpleName: name,
      file: at.file,
      enumerators,
      values,
      bitBound,
      defaultIndex: Math.max(0, defaultIndex),
      tsName: name,
    };
    this.declare(name, decl, at);
    this.decls.push(decl);
  }

  private bitmask(annos: Annotation[]): void {
    const at = this.tok;
    const name = this.ident();
    let bitBound = 32;
    for (const a of annos) {
      if (a.name === 'bit_bound') bitBound = this.intArg(a, 1, 64);
      else this.fail(`unsupported annotation @${a.name} on bitmask '${name}'`, at);
    }
    this.expect('{');
    const flags: { name: string; position: number }[] = [];
    do {
      const fannos = this.annotations();
      const ft = this.tok;
      const f = this.ident();
      // Without @position a flag takes the bit after the previous one (the first takes bit 0).
      let position = flags.length === 0 ? 0 : flags[flags.length - 1].position + 1;
      for (const a of fannos) {
        if (a.name === 'position') position = this.intArg(a, 0, 63);
        else this.fail(`unsupported annotation @${a.name} on a bitmask flag`, ft);
      }
      if (position >= bitBound)
        this.fail(`flag '${f}' at position ${position} does not fit @bit_bound(${bitBound})`, ft);
      if (flags.some((x) => x.position === position))
        this.fail(`flag '${f}' repeats position ${position} in bitmask '${name}'`, ft);
      flags.push({ name: f, position });
      this.declare(f, { kind: 'const', value: 2 ** position }, ft);
    } while (this.accept(','));
    this.expect('}');
    this.expect(';');
    const decl: BitmaskDecl = {
      kind: 'bitmask',
      scopedName: this.scoped(name),
      simpleName: name,
      file: at.file,
      flags,
      bitBound,
      tsName: name,
    };
    this.declare(name, decl, at);
    this.decls.push(decl);
  }

  private typedef(): void {
    const base = this.typeSpec();
    do {
      const at = this.tok;
      const name = this.ident();
      this.declare(name, { kind: 'typedef', type: this.arrayDims(base) }, at);
    } while (this.accept(','));
    this.expect(';');
  }

  private constDecl(): void {
    const type = this.typeSpec();
    if (type.kind !== 'primitive' || !/int/.test(type.name))
      this.fail('only integer constants are supported');
    const at = this.tok;
    const name = this.ident();
    this.expect('=');
    this.declare(name, { kind: 'const', value: this.constExpr() }, at);
    this.expect(';');
  }

  /** Integer constant expressions: literals, constants, + - * / << >> and parentheses. */
  private constExpr(): number {
    let v = this.constTerm();
    while (this.is('+') || this.is('-') || this.is('<<') || this.is('>>')) {
      const op = this.next().text;
      const r = this.constTerm();
      v =
        op === '+' ? v + r : op === '-' ? v - r : op === '<<' ? v * 2 ** r : Math.floor(v / 2 ** r);
    }
    return v;
  }

  private constTerm(): number {
    let v = this.constAtom();
    while (this.is('*') || this.is('/')) {
      const op = this.next().text;
      const r = this.constAtom();
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  }

  private constAtom(): number {
    if (this.accept('(')) {
      const v = this.constExpr();
      this.expect(')');
      return v;
    }
    if (this.accept('-')) return -this.constAtom();
    const t = this.tok;
    if (t.kind === 'int') {
      this.next();
      return Number(t.text);
    }
    if (t.text === 'TRUE' || t.text === 'FALSE') {
      this.next();
      return t.text === 'TRUE' ? 1 : 0;
    }
    const named = this.lookup(this.scopedNameRef());
    if (named?.kind !== 'const') this.fail(`expected an integer constant`, t);
    return named.value;
  }

  private positive(): number {
    const at = this.tok;
    const v = this.constExpr();
    if (!Number.isSafeInteger(v) || v <= 0) this.fail(`expected a positive integer, got ${v}`, at);
    return v;
  }

  private arrayDims(base: IdlType): IdlType {
    const dims: number[] = [];
    while (this.accept('[')) {
      dims.push(this.positive());
      this.expect(']');
    }
    if (dims.length === 0) return base;
    if (base.kind === 'array')
      return { kind: 'array', element: base.element, dims: [...dims, ...base.dims] };
    return { kind: 'array', element: base, dims };
  }

  private scopedNameRef(): string {
    const parts: string[] = [];
    const absolute = this.accept('::');
    parts.push(this.ident());
    while (this.accept('::')) parts.push(this.ident());
    return (absolute ? '::' : '') + parts.join('::');
  }

  private lookup(ref: string): Named | undefined {
    if (ref.startsWith('::')) return this.names.get(ref.slice(2));
    for (let n = this.scope.length; n >= 0; n--) {
      const hit = this.names.get([...this.scope.slice(0, n), ref].join('::'));
      if (hit) return hit;
    }
    return undefined;
  }

  private typeSpec(): IdlType {
    const t = this.tok;
    if (t.escaped) return this.namedType(t);
    if (t.kind !== 'ident' && !this.is('::'))
      this.fail(`expected a type, found ${this.describe(t)}`);
    if (t.text === 'unsigned') {
      this.next();
      const u = this.typeSpec();
      if (
        u.kind === 'primitive' &&
        (u.name === 'int16' || u.name === 'int32' || u.name === 'int64')
      ) {
        return { kind: 'primitive', name: `u${u.name}` as PrimitiveName };
      }
      this.fail(`'unsigned' must precede short, long or long long`, t);
    }
    if (t.text === 'long') {
      this.next();
      if (this.accept('long')) return { kind: 'primitive', name: 'int64' };
      if (this.is('double')) this.fail('long double is not supported');
      return { kind: 'primitive', name: 'int32' };
    }
    if (t.text === 'string') {
      this.next();
      let bound = 0;
      if (this.accept('<')) {
        bound = this.positive();
        this.expect('>');
      }
      return { kind: 'string', bound };
    }
    if (t.text === 'sequence') {
      this.next();
      this.expect('<');
      const element = this.typeSpec();
      let bound = 0;
      if (this.accept(',')) bound = this.positive();
      this.expect('>');
      return { kind: 'sequence', element, bound };
    }
    if (t.text === 'map')
      this.fail("map<K, V> is not supported: Cyclone DDS 0.10.2's idlc cannot compile maps");
    if (['wchar', 'wstring', 'any', 'fixed'].includes(t.text)) {
      this.fail(`type '${t.text}' is not supported`);
    }
    if (t.kind === 'ident' && BASE_TYPES[t.text]) {
      this.next();
      return { kind: 'primitive', name: BASE_TYPES[t.text] };
    }
    return this.namedType(t);
  }

  private namedType(t: Token): IdlType {
    const ref = this.scopedNameRef();
    const named = this.lookup(ref);
    if (!named) this.fail(`unknown type '${ref}'`, t);
    switch (named.kind) {
      case 'struct':
        return { kind: 'struct', decl: named };
      case 'enum':
        return { kind: 'enum', decl: named };
      case 'bitmask':
        return { kind: 'bitmask', decl: named };
      case 'union':
        return { kind: 'union', decl: named };
      case 'typedef':
        return named.type;
      default:
        return this.fail(`'${ref}' is not a type`, t);
    }
  }
}
