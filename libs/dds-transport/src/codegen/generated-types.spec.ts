/* eslint-disable @typescript-eslint/no-explicit-any -- cases mix unrelated generated types */
import fc from 'fast-check';
import { DdsTypeError } from '../lib/cdr/dds-type-error';
import { transientEncoder } from '../lib/cdr/type-support-factory';
import type { TypeSupport } from '../lib/type-support';
import * as gen from '../../tmp/generated/all-types';
import * as arb from '../../test/fixtures/all-types.arbitraries';

const all: [string, TypeSupport<any>, fc.Arbitrary<any>][] = [
  ['Prims', gen.PrimsType, arb.prims],
  ['Containers', gen.ContainersType, arb.containers],
  ['KeyedFinal', gen.KeyedFinalType, arb.keyedFinal],
  ['NestedKey', gen.NestedKeyType, arb.nestedKey],
  ['ArrKey', gen.ArrKeyType, arb.arrKey],
  ['EnumKey', gen.EnumKeyType, arb.enumKey],
  ['App', gen.AppType, arb.app],
  ['Mut', gen.MutType, arb.mut],
  ['FinalWithApp', gen.FinalWithAppType, arb.finalWithApp],
  ['Holder (unions)', gen.HolderType, arb.holder],
];

const prims: gen.Prims = {
  b: true,
  c: 'x',
  o: 255,
  i8: -128,
  u8: 200,
  s: -3,
  us: 65535,
  l: -5,
  ul: 4000000000,
  ll: -(2n ** 63n),
  ull: 2n ** 64n - 1n,
  f: 1.5,
  d: Math.PI,
};

const containers: gen.Containers = {
  s: 'hello',
  bs: '12345678',
  sl: [1, 2, 3],
  bss: ['a', 'b'],
  blob: new Uint8Array([1, 2, 3]),
  inners: [{ a: 1, b: 'one' }],
  nested: [[1], [2, 3]],
  colors: [gen.Color.RED, gen.Color.BLUE],
  c: gen.Color.GREEN,
  arr: [
    [1, 2, 3],
    [4, 5, 6],
  ],
  mac: new Uint8Array(6),
  names: ['x', 'y'],
  pair: [
    { a: 1, b: 'p' },
    { a: 2, b: 'q' },
  ],
  m: [
    [1, 2, 3],
    [4, 5, 6],
  ],
  ls: [],
  flags: [true, false],
  lls: [1n],
  tag: 'z',
};

describe('generated type support', () => {
  describe.each(all)('%s', (_name, type, arbitrary) => {
    it('decode(encode(x)) equals x in every representation the type allows', () => {
      const reps =
        type.defaultDataRepresentation === 'XCDR1'
          ? (['XCDR1', 'XCDR2'] as const)
          : (['XCDR2'] as const);
      fc.assert(
        fc.property(arbitrary, fc.constantFrom(...reps), (x, rep) => {
          expect(type.decode(type.encode(x, rep))).toEqual(x);
        }),
        { numRuns: 150 },
      );
    });

    it('the transient encoder gives the bytes of encode; encode results stay intact after later encodes', () => {
      const transient = transientEncoder(type.encode);
      if (transient === undefined) throw new Error('generated types have a transient encoder');
      expect(
        transientEncoder({ ...type, encode: (x: unknown) => type.encode(x as never) }.encode),
      ).toBe(undefined);
      fc.assert(
        fc.property(arbitrary, arbitrary, (x, y) => {
          const copy = type.encode(x);
          const snapshot = Uint8Array.from(copy);
          expect(Array.from(transient(x))).toEqual(Array.from(copy));
          transient(y);
          type.encode(y);
          expect(copy).toEqual(snapshot);
        }),
        { numRuns: 100 },
      );
    });

    it('decoding arbitrary bytes returns or throws DdsTypeError, nothing else', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 96 }),
          fc.constantFrom(0x0001, 0x0000, 0x0007, 0x0009, 0x000b),
          (tail, id) => {
            const bytes = new Uint8Array(4 + tail.length);
            bytes[0] = id >> 8;
            bytes[1] = id & 0xff;
            bytes.set(tail, 4);
            for (const f of [() => type.decode(bytes), () => type.decodeKey(bytes)]) {
              try {
                f();
              } catch (e) {
                expect(e).toBeInstanceOf(DdsTypeError);
              }
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('decoding a valid payload cut short throws DdsTypeError', () => {
      fc.assert(
        fc.property(arbitrary, fc.nat(), (x, cut) => {
          const p = type.encode(x);
          const n = 4 + (cut % Math.max(1, p.length - 4 - (p[3] & 3)));
          let threw: unknown;
          try {
            type.decode(p.subarray(0, n));
          } catch (e) {
            threw = e;
          }
          // A shorter prefix may still be a complete sample only when the tail was padding.
          if (threw !== undefined) expect(threw).toBeInstanceOf(DdsTypeError);
        }),
        { numRuns: 100 },
      );
    });
  });

  it('describes the type as the runtime needs it', () => {
    expect(gen.PrimsType.typeName).toBe('fx::Prims');
    expect(gen.PrimsType.keyless).toBe(true);
    expect(gen.PrimsType.defaultDataRepresentation).toBe('XCDR1');
    expect(gen.KeyedFinalType.keyless).toBe(false);
    expect(gen.KeyedFinalType.descriptor.keys.map((k) => k.name)).toEqual(['id', 'n']);
    expect(gen.NestedKeyType.descriptor.keys.map((k) => k.name)).toEqual(['in1.a', 'in1.b']);
    expect(gen.AppType.defaultDataRepresentation).toBe('XCDR2');
    expect(gen.MutType.defaultDataRepresentation).toBe('XCDR2');
    expect(gen.FinalWithAppType.defaultDataRepresentation).toBe('XCDR2');
    expect(gen.AppType.descriptor.typeInformation.length).toBeGreaterThan(0);
    expect(gen.AppType.descriptor.typeMapping.length).toBeGreaterThan(0);
  });

  it('writes the encapsulation header Cyclone uses for each extensibility and representation', () => {
    const hdr = (p: Uint8Array) => (p[0] << 8) | p[1];
    expect(hdr(gen.PrimsType.encode(prims))).toBe(0x0001);
    expect(hdr(gen.PrimsType.encode(prims, 'XCDR2'))).toBe(0x0007);
    const app: gen.App = { k: 1, names: [], in1: { a: 1, b: '' }, d: 0, big: 0n };
    expect(hdr(gen.AppType.encode(app))).toBe(0x0009);
    expect(
      hdr(
        gen.MutType.encode({
          k: 1,
          ds: [],
          in1: { a: 1, b: '' },
          app,
          s: 0,
          ss: [],
          blob: new Uint8Array(),
          ll: 0n,
          flag: false,
        }),
      ),
    ).toBe(0x000b);
    const p = gen.InnerType.encode({ a: 1, b: 'ab' });
    expect(p.length % 4).toBe(0);
    expect(Array.from(p)).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0, 0]);
  });

  it('aligns 64-bit values to 8 in XCDR1 and to 4 in XCDR2', () => {
    const x: gen.KeyedFinal = { id: 'a', n: 1, v: 7n };
    // id: len(4) 'a\0'(2) pad(2) n(4) -> offset 12; v at 16 in XCDR1, at 12 in XCDR2
    expect(gen.KeyedFinalType.encode(x, 'XCDR1').length).toBe(4 + 16 + 8);
    expect(gen.KeyedFinalType.encode(x, 'XCDR2').length).toBe(4 + 12 + 8);
  });

  it('round-trips a sample with every construct exactly', () => {
    expect(gen.PrimsType.decode(gen.PrimsType.encode(prims))).toEqual(prims);
    expect(gen.ContainersType.decode(gen.ContainersType.encode(containers))).toEqual(containers);
    expect(gen.ContainersType.decode(gen.ContainersType.encode(containers, 'XCDR2'))).toEqual(
      containers,
    );
    const decoded = gen.ContainersType.decode(gen.ContainersType.encode(containers));
    expect(decoded.blob).toBeInstanceOf(Uint8Array);
    expect(decoded.mac).toBeInstanceOf(Uint8Array);
  });

  it('decodes from a Buffer view at any offset into a larger buffer', () => {
    const p = gen.ContainersType.encode(containers);
    const big = Buffer.alloc(p.length + 13, 0xee);
    big.set(p, 7);
    expect(gen.ContainersType.decode(big.subarray(7, 7 + p.length))).toEqual(containers);
  });

  it('keeps optional members absent or present', () => {
    const base: gen.App = { k: 1, names: ['n'], in1: { a: 1, b: 'b' }, d: 2.5, big: -1n };
    expect(gen.AppType.decode(gen.AppType.encode(base)).opt).toBeUndefined();
    expect(gen.AppType.decode(gen.AppType.encode({ ...base, opt: 0 })).opt).toBe(0);
  });

  it('decodes a key-only payload (key fields in key order, as Cyclone writes for dispose)', () => {
    const le = [0, 1, 0, 0, 4, 0, 0, 0, 0x61, 0x62, 0x63, 0, 9, 0, 0, 0];
    expect(gen.KeyedFinalType.decodeKey(new Uint8Array(le))).toEqual({ id: 'abc', n: 9 });
    const be = [0, 0, 0, 0, 0, 0, 0, 4, 0x61, 0x62, 0x63, 0, 0, 0, 0, 9];
    expect(gen.KeyedFinalType.decodeKey(new Uint8Array(be))).toEqual({ id: 'abc', n: 9 });
    expect(() => gen.KeyedFinalType.decodeKey(new Uint8Array(le.slice(0, 14)))).toThrow(
      'fx::KeyedFinal: truncated payload',
    );
  });

  it('rejects XCDR1 for types that need XCDR2', () => {
    const app: gen.App = { k: 1, names: [], in1: { a: 1, b: '' }, d: 0, big: 0n };
    expect(() => gen.AppType.encode(app, 'XCDR1')).toThrow(
      new DdsTypeError(
        'XCDR1 cannot represent this type (it has @appendable/@mutable structs or @optional members); use XCDR2',
        '',
        'fx::App',
      ),
    );
    expect(() => gen.AppType.encode(app, 'XCDR3' as never)).toThrow(RangeError);
  });

  it('rejects a payload whose encapsulation does not fit the type', () => {
    const p = gen.PrimsType.encode(prims);
    expect(() => gen.AppType.decode(p)).toThrow(
      'fx::App: encapsulation is XCDR1 plain, but an appendable type needs XCDR2 delimited',
    );
    expect(() => gen.PrimsType.decode(new Uint8Array([0, 0x0c, 0, 0]))).toThrow(
      'fx::Prims: unknown encapsulation identifier 0x000c',
    );
    expect(() => gen.PrimsType.decode(new Uint8Array([0, 1]))).toThrow(
      'fx::Prims: payload shorter than the encapsulation header',
    );
    expect(() => gen.PrimsType.decode('nope' as never)).toThrow('fx::Prims: expected a Uint8Array');
  });
});

describe('validation errors name the field', () => {
  const msg = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DdsTypeError);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };
  const enc = (patch: Partial<Record<keyof gen.Containers, unknown>>) => () =>
    gen.ContainersType.encode({ ...containers, ...patch } as gen.Containers);

  it.each([
    [{ l: undefined }, 'fx::Prims.l: missing required field'],
    [{ l: 1.5 }, 'fx::Prims.l: expected int32 (integer in [-2147483648, 2147483647]), got 1.5'],
    [
      { l: 2 ** 31 },
      'fx::Prims.l: expected int32 (integer in [-2147483648, 2147483647]), got 2147483648',
    ],
    [{ l: '1' }, 'fx::Prims.l: expected int32 (integer in [-2147483648, 2147483647]), got "1"'],
    [{ o: 256 }, 'fx::Prims.o: expected octet (integer in [0, 255]), got 256'],
    [{ i8: -129 }, 'fx::Prims.i8: expected int8 (integer in [-128, 127]), got -129'],
    [{ us: -1 }, 'fx::Prims.us: expected uint16 (integer in [0, 65535]), got -1'],
    [{ ul: -1 }, 'fx::Prims.ul: expected uint32 (integer in [0, 4294967295]), got -1'],
    [{ ll: 1 }, 'fx::Prims.ll: expected int64 (bigint in [-2^63, 2^63-1]), got 1'],
    [
      { ll: 2n ** 63n },
      'fx::Prims.ll: expected int64 (bigint in [-2^63, 2^63-1]), got 9223372036854775808n',
    ],
    [{ ull: -1n }, 'fx::Prims.ull: expected uint64 (bigint in [0, 2^64-1]), got -1n'],
    [{ b: 1 }, 'fx::Prims.b: expected boolean, got 1'],
    [
      { c: 'ab' },
      'fx::Prims.c: expected char (a one-character string, code point <= 255), got "ab"',
    ],
    [{ d: null }, 'fx::Prims.d: expected double (number), got null'],
  ])('Prims %p', (patch, message) => {
    expect(msg(() => gen.PrimsType.encode({ ...prims, ...patch } as gen.Prims))).toBe(message);
  });

  it.each([
    [{ bs: '123456789' }, 'fx::Containers.bs: string of 9 UTF-8 bytes exceeds bound 8'],
    [{ bs: 'ééééé' }, 'fx::Containers.bs: string of 10 UTF-8 bytes exceeds bound 8'],
    [{ s: 'a\0b' }, 'fx::Containers.s: string contains a NUL character'],
    [{ s: 5 }, 'fx::Containers.s: expected string, got 5'],
    [
      { sl: [1, 2, 'x'] },
      'fx::Containers.sl[2]: expected int32 (integer in [-2147483648, 2147483647]), got "x"',
    ],
    [{ sl: {} }, 'fx::Containers.sl: expected an array, got an object'],
    [
      { bss: ['a', 'b', 'c', 'd', 'e'] },
      'fx::Containers.bss: sequence of 5 elements exceeds bound 4',
    ],
    [{ blob: [1, 2] }, 'fx::Containers.blob: expected a Uint8Array, got an array of length 2'],
    [
      { inners: [{ a: 1, b: 'x' }, { a: 1 }] },
      'fx::Containers.inners[1].b: missing required field',
    ],
    [{ inners: [null] }, 'fx::Containers.inners[0]: expected an object, got null'],
    [
      { nested: [[1], [2, 70000]] },
      'fx::Containers.nested[1][1]: expected int16 (integer in [-32768, 32767]), got 70000',
    ],
    [{ colors: [3] }, 'fx::Containers.colors[0]: expected Color (integer in [0, 2]), got 3'],
    [{ c: -1 }, 'fx::Containers.c: expected Color (integer in [0, 2]), got -1'],
    [
      { arr: [[1, 2, 3]] },
      'fx::Containers.arr: expected an array of length 2, got an array of length 1',
    ],
    [
      {
        arr: [
          [1, 2, 3],
          [4, 5],
        ],
      },
      'fx::Containers.arr[1]: expected an array of length 3, got an array of length 2',
    ],
    [
      {
        arr: [
          [1, 2, 3],
          [4, 5, '6'],
        ],
      },
      'fx::Containers.arr[1][2]: expected double (number), got "6"',
    ],
    [
      { mac: new Uint8Array(5) },
      'fx::Containers.mac: expected a Uint8Array of length 6, got a Uint8Array of length 5',
    ],
    [
      {
        pair: [
          { a: 1, b: 'p' },
          { a: 2, b: 3 },
        ],
      },
      'fx::Containers.pair[1].b: expected string, got 3',
    ],
    [{ m: undefined }, 'fx::Containers.m: missing required field'],
  ])('Containers %p', (patch, message) => {
    expect(msg(enc(patch as Partial<Record<keyof gen.Containers, unknown>>))).toBe(message);
  });

  it('names nested members of mutable and appendable types', () => {
    const app: gen.App = { k: 1, names: [], in1: { a: 1, b: '' }, d: 0, big: 0n };
    expect(msg(() => gen.AppType.encode({ ...app, opt: 1.5 }))).toBe(
      'fx::App.opt: expected int32 (integer in [-2147483648, 2147483647]), got 1.5',
    );
    const mut = {
      k: 1,
      ds: [],
      in1: { a: 1, b: '' },
      app,
      s: 0,
      ss: [],
      blob: new Uint8Array(),
      ll: 0n,
      flag: false,
    };
    expect(
      msg(() => gen.MutType.encode({ ...mut, app: { ...app, in1: { a: 1, b: 2 } } } as never)),
    ).toBe('fx::Mut.app.in1.b: expected string, got 2');
    expect(msg(() => gen.PrimsType.encode(null as never))).toBe(
      'fx::Prims: expected an object, got null',
    );
  });

  it('turns a throwing getter into a DdsTypeError and stays usable', () => {
    const evil = Object.defineProperty({ ...prims }, 'l', {
      get() {
        throw new Error('boom');
      },
    });
    expect(msg(() => gen.PrimsType.encode(evil))).toBe('fx::Prims: invalid value (boom)');
    expect(gen.PrimsType.decode(gen.PrimsType.encode(prims))).toEqual(prims);
  });
});

describe('type evolution', () => {
  it('an appendable reader of a newer version fills members an older writer did not send', () => {
    const old = gen.evo1_RecType.encode({ k: 1, a: 'x' });
    expect(gen.evo2_RecType.decode(old)).toEqual({
      k: 1,
      a: 'x',
      b: [],
      c: undefined,
      in1: { a: 0, b: '' },
      mac: new Uint8Array(2),
    });
  });

  it('an appendable reader of an older version skips members it does not know', () => {
    const v2: gen.evo2_Rec = {
      k: 2,
      a: 'y',
      b: [1, 2],
      c: 0.5,
      in1: { a: 3, b: 'z' },
      mac: new Uint8Array([1, 2]),
    };
    expect(gen.evo1_RecType.decode(gen.evo2_RecType.encode(v2))).toEqual({ k: 2, a: 'y' });
  });

  it('a mutable reader matches members by id in both directions', () => {
    const v2: gen.evo2_MRec = { k: 3, a: 'w', b: [7], c: gen.Color.BLUE };
    expect(gen.evo1_MRecType.decode(gen.evo2_MRecType.encode(v2))).toEqual({ k: 3, a: 'w' });
    expect(gen.evo2_MRecType.decode(gen.evo1_MRecType.encode({ k: 4, a: 'v' }))).toEqual({
      k: 4,
      a: 'v',
      b: [],
      c: gen.Color.RED,
    });
  });

  it('a mutable payload without its key member is rejected', () => {
    // DHEADER 10, then member id 1 (string 'a'): EMHEADER LC=5, length 2, "a\0"
    const bytes = new Uint8Array([
      0, 0x0b, 0, 2, 10, 0, 0, 0, 1, 0, 0, 0x50, 2, 0, 0, 0, 0x61, 0, 0, 0,
    ]);
    expect(() => gen.evo1_MRecType.decode(bytes)).toThrow('evo1::MRec: key member k is missing');
  });
});

describe('unions', () => {
  const holder: gen.Holder = {
    id: 1,
    v: { discriminator: gen.Kind.K_TEXT, s: 'text' },
    av: { discriminator: 9, other: 'default branch' },
    vs: [{ discriminator: gen.Kind.K_NONE }, { discriminator: gen.Kind.K_INT, i: -4 }],
    cv: { discriminator: 'b', l: [1, 2] },
    bv: { discriminator: true, t: 5n },
    arr: [{ discriminator: gen.Kind.K_INT, i: 1 }, { discriminator: gen.Kind.K_NONE }],
  };

  it('round-trips every branch, the default branch and discriminators without a branch', () => {
    expect(gen.HolderType.decode(gen.HolderType.encode(holder))).toEqual(holder);
    const other = {
      ...holder,
      cv: { discriminator: 'x' },
      bv: { discriminator: false },
    } as gen.Holder;
    expect(gen.HolderType.decode(gen.HolderType.encode(other))).toEqual(other);
  });

  it('validates the discriminator and the selected member', () => {
    const enc = (patch: Partial<Record<keyof gen.Holder, unknown>>) => () =>
      gen.HolderType.encode({ ...holder, ...patch } as gen.Holder);
    expect(enc({ v: { discriminator: 5 } })).toThrow(
      'un::Holder.v.discriminator: expected Kind (integer in [0, 2]), got 5',
    );
    expect(enc({ v: { discriminator: gen.Kind.K_TEXT } })).toThrow(
      'un::Holder.v.s: missing required field',
    );
    expect(enc({ av: { discriminator: 3, p: { a: 1 } } })).toThrow(
      'un::Holder.av.p.b: missing required field',
    );
    expect(enc({ cv: { discriminator: 'ab' } })).toThrow(
      'un::Holder.cv.discriminator: expected char (a one-character string, code point <= 255), got "ab"',
    );
    expect(enc({ vs: [{ discriminator: gen.Kind.K_INT, i: 'x' }] })).toThrow(
      'un::Holder.vs[0].i: expected int32 (integer in [-2147483648, 2147483647]), got "x"',
    );
  });
});
