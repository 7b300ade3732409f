import type { Extensibility } from '../lib/cdr/encapsulation';
import type {
  EnumDecl,
  IdlFile,
  IdlType,
  MemberDecl,
  PrimitiveName,
  StructDecl,
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
  readonly kind: 'ident' | 'int' | 'punct' | 'string' | 'eof';
  readonly text: string;
  /** An identifier written with IDL's escape underscore (`_long` is the identifier `long`). */
  readonly escaped?: boolean;
  readonly line: number;
  readonly column: number;
}

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

function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
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
      fail(`preprocessor directive not supported: ${directive} (keep all types in one file)`);
    }
    const column = i - lineStart + 1;
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 256));
    if (ident) {
      const escaped = ident[0].startsWith('_') && ident[0].length > 1;
      out.push({
        kind: 'ident',
        text: escaped ? ident[0].slice(1) : ident[0],
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
      out.push({ kind: 'int', text: num[0], line, column });
      i += num[0].length;
      continue;
    }
    const chr = /^'(\\?.)'/.exec(src.slice(i, i + 4));
    if (chr) {
      const ch =
        chr[1].length === 2
          ? (({ n: '\n', t: '\t', '0': '\0' } as Record<string, string>)[chr[1][1]] ?? chr[1][1])
          : chr[1];
      out.push({ kind: 'int', text: String(ch.charCodeAt(0)), line, column });
      i += chr[0].length;
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) fail('unterminated string literal');
      out.push({ kind: 'string', text: src.slice(i + 1, end), line, column });
      i = end + 1;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) fail(`unexpected character '${c}'`);
    out.push({ kind: 'punct', text: p as string, line, column });
    i += (p as string).length;
  }
  out.push({ kind: 'eof', text: '', line, column: i - lineStart + 1 });
  return out;
}

interface Annotation {
  readonly name: string;
  readonly args: readonly Token[];
}

type Named =
  | StructDecl
  | EnumDecl
  | UnionDecl
  | { kind: 'typedef'; type: IdlType }
  | { kind: 'const'; value: number };

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

/**
 * A recursive-descent parser for the IDL subset the generator supports: modules, structs
 * (`@final`/`@appendable`/`@mutable`, `@key`, `@optional`), enums, typedefs, integer constants,
 * all primitive types, (bounded) strings, (bounded) sequences and multi-dimensional arrays.
 * Validation of the full grammar is left to `idlc`, which runs on the same file.
 */
export function parseIdl(src: string, file = '<idl>'): IdlFile {
  return new Parser(tokenize(src, file), file).parseFile();
}

class Parser {
  private i = 0;
  private readonly scope: string[] = [];
  private readonly names = new Map<string, Named>();
  private readonly decls: (StructDecl | EnumDecl | UnionDecl)[] = [];

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  private get tok(): Token {
    return this.toks[this.i];
  }

  private fail(msg: string, t: Token = this.tok): never {
    throw new IdlParseError(msg, this.file, t.line, t.column);
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private is(text: string): boolean {
    return this.tok.text === text && this.tok.kind !== 'string' && !this.tok.escaped;
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
    return { decls: this.decls };
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
    const annos = this.annotations();
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(`expected a definition, found ${this.describe(t)}`);
    switch (t.text) {
      case 'module': {
        this.next();
        const name = this.ident();
        this.expect('{');
        this.scope.push(name);
        while (!this.is('}')) {
          if (this.tok.kind === 'eof') this.fail(`unterminated module '${name}'`);
          this.definition();
        }
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
        this.enumDecl();
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
      extensibility,
      members: [],
      tsName: name,
    };
    this.declare(name, decl, at);
    this.expect('{');
    while (!this.accept('}')) {
      if (this.tok.kind === 'eof') this.fail(`unterminated struct '${name}'`);
      const mannos = this.annotations();
      let key = false;
      let optional = false;
      for (const a of mannos) {
        const on = a.args.length === 0 || /^true$/i.test(a.args[0].text);
        if (a.name === 'key') key = on;
        else if (a.name === 'optional') optional = on;
        else if (!['id', 'hashid', 'must_understand', 'external'].includes(a.name)) {
          this.fail(`unsupported annotation @${a.name} on a member of '${name}'`);
        }
      }
      if (key && optional) this.fail('a key member cannot be @optional');
      const base = this.typeSpec();
      do {
        const nameTok = this.tok;
        const mname = this.ident();
        const type = this.arrayDims(base);
        if (decl.members.some((m) => m.name.toLowerCase() === mname.toLowerCase())) {
          this.fail(`duplicate member '${mname}' in '${name}'`, nameTok);
        }
        decl.members.push({ name: mname, type, key, optional } satisfies MemberDecl);
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
        member: { name: mname, type: this.arrayDims(type), key: false, optional: false },
      });
      this.expect(';');
    }
    this.expect(';');
    if (cases.length === 0) this.fail(`union '${name}' has no cases`, at);
    const decl: UnionDecl = {
      kind: 'union',
      scopedName: this.scoped(name),
      simpleName: name,
      extensibility,
      discriminator,
      cases,
      tsName: name,
    };
    this.declare(name, decl, at);
    this.decls.push(decl);
  }

  private enumDecl(): void {
    const at = this.tok;
    const name = this.ident();
    this.expect('{');
    const enumerators: string[] = [];
    do {
      const annos = this.annotations();
      if (annos.length > 0) this.fail(`unsupported annotation @${annos[0].name} on an enumerator`);
      const e = this.ident();
      enumerators.push(e);
      this.declare(e, { kind: 'const', value: enumerators.length - 1 }, at);
    } while (this.accept(','));
    this.expect('}');
    this.expect(';');
    const decl: EnumDecl = {
      kind: 'enum',
      scopedName: this.scoped(name),
      simpleName: name,
      enumerators,
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
    if (['wchar', 'wstring', 'any', 'fixed', 'map', 'bitset', 'bitmask'].includes(t.text)) {
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
      case 'union':
        return { kind: 'union', decl: named };
      case 'typedef':
        return named.type;
      default:
        return this.fail(`'${ref}' is not a type`, t);
    }
  }
}
