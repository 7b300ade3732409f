import { IdlParseError, parseIdl } from './idl-parser';
import type { IdlType, StructDecl } from './idl-model';
import { needsXcdr2 } from './idl-model';

const struct = (src: string, name: string): StructDecl => {
  const d = parseIdl(src, 'x.idl').decls.find((x) => x.kind === 'struct' && x.simpleName === name);
  if (!d || d.kind !== 'struct') throw new Error(`no struct ${name}`);
  return d;
};
const typeOf = (s: StructDecl, member: string): IdlType => {
  const m = s.members.find((x) => x.name === member);
  if (!m) throw new Error(`no member ${member}`);
  return m.type;
};

describe('parseIdl', () => {
  it('resolves modules, scoped names, typedefs, constants and array dimensions', () => {
    const src = `
      module a { module b {
        const long N = 2 * (3 + 1);
        enum E { X, Y };
        typedef long Row[N];
        typedef sequence<Row, 5> Rows;
        struct P { @key E e; };
      }; };
      module c {
        struct Q { ::a::b::P p; a::b::Rows rows; a::b::Row grid[2]; unsigned long long u; long double_; string<a::b::N> s; };
      };`;
    const q = struct(src, 'Q');
    expect(q.scopedName).toBe('c::Q');
    expect(q.extensibility).toBe('final');
    expect(typeOf(q, 'p')).toMatchObject({ kind: 'struct', decl: { scopedName: 'a::b::P' } });
    expect(typeOf(q, 'rows')).toMatchObject({
      kind: 'sequence',
      bound: 5,
      element: { kind: 'array', dims: [8], element: { kind: 'primitive', name: 'int32' } },
    });
    expect(typeOf(q, 'grid')).toMatchObject({ kind: 'array', dims: [2, 8] });
    expect(typeOf(q, 'u')).toEqual({ kind: 'primitive', name: 'uint64' });
    expect(typeOf(q, 's')).toEqual({ kind: 'string', bound: 8 });
    expect(struct(src, 'P').members[0]).toMatchObject({ name: 'e', key: true, optional: false });
  });

  it('reads unions with their labels, default case and discriminator type', () => {
    const d = parseIdl(
      "enum K { A, B }; @appendable union U switch (K) { case A: case B: long x; default: string y; }; union C switch (char) { case 'q': octet o; };",
      'x.idl',
    ).decls;
    expect(d.find((x) => x.simpleName === 'U')).toMatchObject({
      kind: 'union',
      extensibility: 'appendable',
      discriminator: { kind: 'enum' },
      cases: [
        { labels: [0, 1], isDefault: false, member: { name: 'x' } },
        { labels: [], isDefault: true, member: { name: 'y', type: { kind: 'string' } } },
      ],
    });
    expect(d.find((x) => x.simpleName === 'C')).toMatchObject({ cases: [{ labels: [113] }] });
  });

  it('strips the escape underscore of identifiers, as idlc does', () => {
    const s = struct(
      'struct _struct { @key long _long; _struct _module; };'.replace(
        ' _struct _module',
        ' long _module',
      ),
      'struct',
    );
    expect(s.members.map((m) => m.name)).toEqual(['long', 'module']);
    expect(s.members[0].type).toEqual({ kind: 'primitive', name: 'int32' });
  });

  it('reads extensibility and member annotations', () => {
    const src = `@appendable struct A { @key long k; @optional string o; };
      @extensibility(MUTABLE) struct M { @id(5) long k; };
      @mutable struct N { A a; };
      struct F { long x; };
      struct G { N n; };`;
    expect(struct(src, 'A').extensibility).toBe('appendable');
    expect(struct(src, 'A').members[1]).toMatchObject({ name: 'o', optional: true, key: false });
    expect(struct(src, 'M').extensibility).toBe('mutable');
    expect(needsXcdr2({ kind: 'struct', decl: struct(src, 'F') })).toBe(false);
    expect(needsXcdr2({ kind: 'struct', decl: struct(src, 'G') })).toBe(true);
  });

  it.each([
    ['struct S { wstring w; };', "x.idl:1:12: type 'wstring' is not supported"],
    [
      'union U switch (double) { case 1: long a; };',
      'x.idl:1:17: union discriminator must be an integer (up to 32 bits), char, boolean, octet or enum',
    ],
    [
      'union U switch (long) { case 1: long a; case 1: long b; };',
      "x.idl:1:41: duplicate case label 1 in union 'U'",
    ],
    [
      'union U switch (long) { default: long a; default: long b; };',
      "x.idl:1:42: union 'U' has two default cases",
    ],
    [
      '#include "other.idl"\n',
      'x.idl:1:1: preprocessor directive not supported: #include "other.idl" (keep all types in one file)',
    ],
    ['struct S { Unknown u; };', "x.idl:1:12: unknown type 'Unknown'"],
    ['struct S { long a; long A; };', "x.idl:1:25: duplicate member 'A' in 'S'"],
    ['struct S { long a }', "x.idl:1:19: expected ';', found '}'"],
    ['struct S {};', "x.idl:1:8: struct 'S' has no members"],
    ['struct S { long a[0]; };', 'x.idl:1:19: expected a positive integer, got 0'],
    ['struct S { @key @optional long a; };', 'x.idl:1:27: a key member cannot be @optional'],
    ['struct S : B { long a; };', 'x.idl:1:10: struct inheritance is not supported by dds-idl yet'],
    ['struct S { long a; };\nstruct S { long b; };', "x.idl:2:8: 'S' is already declared"],
    ['module m { struct S { long a; };', "x.idl:1:33: unterminated module 'm'"],
    ['/* open', 'x.idl:1:1: unterminated comment'],
    ['struct S { @foo long a; };', "x.idl:1:17: unsupported annotation @foo on a member of 'S'"],
    ['struct S { long double d; };', 'x.idl:1:17: long double is not supported'],
  ])('rejects %p with a located message', (src, message) => {
    let err: unknown;
    try {
      parseIdl(src, 'x.idl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IdlParseError);
    expect((err as Error).message).toBe(message);
  });
});
