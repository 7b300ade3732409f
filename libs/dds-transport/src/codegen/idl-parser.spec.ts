import { hashMemberId, IdlParseError, parseIdl } from './idl-parser';
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

  it('decides which structs and unions are topic types as idlc does', () => {
    const src = `
      module a {
        struct Plain { long x; };
        @nested struct N { long x; };
        @nested(FALSE) struct NF { long x; };
        @topic struct T { long x; };
        @topic(platform="other") @nested struct Other { long x; };
        union U switch (long) { case 1: long x; };
      };
      @default_nested module b {
        struct Plain { long x; };
        @topic struct T { long x; };
        module inner { struct I { long x; }; };
        @nested(FALSE) union V switch (long) { case 1: long x; };
      };
      @default_nested(FALSE) module c { struct Plain { long x; }; @nested struct N { long x; }; };
      module b { struct Reopened { long x; }; };`;
    const topics = parseIdl(src, 'x.idl')
      .decls.filter((d) => (d.kind === 'struct' || d.kind === 'union') && d.topic)
      .map((d) => d.scopedName);
    // The same set idlc 0.10.2 generates topic descriptors for.
    expect(topics).toEqual([
      'a::Plain',
      'a::NF',
      'a::T',
      'a::U',
      'b::T',
      'b::V',
      'c::Plain',
      'b::Reopened',
    ]);
  });

  it('with #pragma keylist, exactly the keylisted structs are topics and keylists mark keys', () => {
    const src =
      'module m {\nstruct S { long a; long b; };\n#pragma keylist S a\nstruct T { long v; };\n};\n';
    const file = parseIdl(src, 'x.idl');
    expect(struct(src, 'S')).toMatchObject({
      topic: true,
      members: [{ key: true }, { key: false }],
    });
    expect(struct(src, 'T').topic).toBe(false);
    expect(file.decls).toHaveLength(2);
  });

  it('reads enum @value, @default_literal and @bit_bound', () => {
    const d = parseIdl(
      '@bit_bound(8) enum E { A, @value(5) B, C, @default_literal D }; enum F { X, Y };',
      'x.idl',
    ).decls;
    expect(d[0]).toMatchObject({
      kind: 'enum',
      enumerators: ['A', 'B', 'C', 'D'],
      values: [0, 5, 6, 7],
      bitBound: 8,
      defaultIndex: 3,
    });
    expect(d[1]).toMatchObject({ values: [0, 1], bitBound: 32, defaultIndex: 0 });
  });

  it('reads bitmasks with @position and @bit_bound', () => {
    const [m] = parseIdl(
      '@bit_bound(40) bitmask M { F0, @position(5) F5, F6, @position(39) TOP };',
      'x.idl',
    ).decls;
    expect(m).toMatchObject({
      kind: 'bitmask',
      bitBound: 40,
      flags: [
        { name: 'F0', position: 0 },
        { name: 'F5', position: 5 },
        { name: 'F6', position: 6 },
        { name: 'TOP', position: 39 },
      ],
    });
  });

  it('assigns member ids as idlc does: sequential, @id, @hashid and @autoid(HASH)', () => {
    const src = `
      @mutable struct S { long a; @id(10) long b; long c; @hashid long d; long e; };
      @mutable @autoid(HASH) struct H { long a; @id(3) long b; };
      @autoid module m { @mutable struct M { long a; @hashid("a") long b; }; };`;
    const ids = (name: string): number[] => struct(src, name).members.map((m) => m.id);
    const hash = hashMemberId;
    expect(ids('S')).toEqual([0, 10, 11, hash('d'), hash('d') + 1]);
    expect(ids('H')).toEqual([hash('a'), 3]);
    expect(ids('M')).toEqual([hash('a'), hash('a')]);
    // MD5("a") = 0cc175b9…: its first 4 bytes little-endian, masked to 28 bits.
    expect(hash('a')).toBe(0x0975c10c);
  });

  it('follows line markers: declarations and errors name the file and line they come from', () => {
    const pre = [
      '# 1 "/abs/main.idl"',
      '# 1 "/abs/inc/common.idl" 1 "common.idl"',
      'module common { struct P { long x; }; };',
      '# 2 "/abs/main.idl" 2',
      'struct Top { common::P p; };',
    ].join('\n');
    const file = parseIdl(pre, 'main.idl');
    expect(file.sources).toEqual([
      { file: 'main.idl' },
      { file: '/abs/inc/common.idl', spelled: 'common.idl' },
    ]);
    expect(file.decls.map((d) => [d.scopedName, d.file])).toEqual([
      ['common::P', '/abs/inc/common.idl'],
      ['Top', 'main.idl'],
    ]);
    const bad = pre.replace('long x;', '\n\n  any x;');
    expect(() => parseIdl(bad, 'main.idl')).toThrow(
      new IdlParseError("type 'any' is not supported", '/abs/inc/common.idl', 3, 3),
    );
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
      'x.idl:1:1: preprocessor directive #include "other.idl" needs the preprocessor (dds-idl gen runs idlc -E first)',
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
    [
      'struct S {\n  map<long, string> m;\n};',
      "x.idl:2:3: map<K, V> is not supported: Cyclone DDS 0.10.2's idlc cannot compile maps",
    ],
    [
      'bitset B { bitfield<3> a; };',
      "x.idl:1:1: bitset is not supported: Cyclone DDS 0.10.2's idlc cannot compile bitsets",
    ],
    ['enum E { A, @value(0) B };', "x.idl:1:23: enumerator 'B' repeats the value 0 in enum 'E'"],
    [
      '@bit_bound(4) enum E { A, @value(16) B };',
      "x.idl:1:38: enumerator 'B' = 16 does not fit @bit_bound(4)",
    ],
    ['@bit_bound(33) enum E { A };', 'x.idl:1:12: @bit_bound takes an integer in [1, 32]'],
    [
      '@bit_bound(8) bitmask M { A, @position(8) B };',
      "x.idl:1:43: flag 'B' at position 8 does not fit @bit_bound(8)",
    ],
    ['bitmask M { A, @position(0) B };', "x.idl:1:29: flag 'B' repeats position 0 in bitmask 'M'"],
    ['@nested(maybe) struct S { long a; };', 'x.idl:1:9: @nested takes TRUE or FALSE'],
    [
      '@foo module m { struct S { long a; }; };',
      "x.idl:1:6: unsupported annotation @foo on module 'm'",
    ],
    [
      'struct S { @id(1) long a, b; };',
      'x.idl:1:12: @id/@hashid cannot apply to several declarators at once',
    ],
    ['#pragma keylist Nope a\n', "x.idl:1:1: #pragma keylist: 'Nope' is not a struct"],
    [
      'struct S { long a; };\n#pragma keylist S b\n',
      "x.idl:2:1: #pragma keylist: 'S' has no member 'b'",
    ],
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
