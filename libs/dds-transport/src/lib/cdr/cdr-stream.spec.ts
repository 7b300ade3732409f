import fc from 'fast-check';
import { CdrReader } from './cdr-reader';
import { CdrWriter } from './cdr-writer';
import { DdsTypeError } from './dds-type-error';
import { Encapsulation, encapsulationFor, parseEncapsulation } from './encapsulation';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('CdrWriter', () => {
  it('aligns relative to the end of the header; 8-byte values to 8 in XCDR1, to 4 in XCDR2', () => {
    const w = new CdrWriter();
    w.begin(Encapsulation.CDR_LE, false);
    w.u8(1);
    w.i64(2n);
    expect(hex(w.finish())).toBe('00010000' + '01000000000000000200000000000000');
    w.begin(Encapsulation.CDR2_LE, true);
    w.u8(1);
    w.i64(2n);
    expect(hex(w.finish())).toBe('00070000' + '010000000200000000000000');
  });

  it('writes big-endian for a BE encapsulation and pads to 4 with the pad count in the options', () => {
    const w = new CdrWriter();
    w.begin(Encapsulation.CDR_BE, false);
    w.u16(0x0102);
    w.u8(3);
    expect(hex(w.finish())).toBe('00000001' + '01020300');
  });

  it('writes strings with length and NUL, and reports NULs and byte lengths', () => {
    const w = new CdrWriter();
    w.begin(Encapsulation.CDR_LE, false);
    expect(w.str('hé')).toBe(3);
    expect(hex(w.finish())).toBe('00010000' + '04000000' + '68c3a900');
    w.begin(Encapsulation.CDR_LE, false);
    expect(w.str('a\0')).toBe(-1);
    expect(w.str('é\0')).toBe(-1);
  });

  it('grows its buffer and zeroes reused padding', () => {
    const w = new CdrWriter();
    w.begin(Encapsulation.CDR_LE, false);
    for (let i = 0; i < 1000; i++) w.u32(0xffffffff);
    expect(w.finish().length).toBe(4004);
    w.begin(Encapsulation.CDR_LE, false);
    w.u8(7);
    w.u32(1);
    expect(hex(w.finish())).toBe('00010000' + '07000000' + '01000000');
  });

  it('patches DHEADERs and EMHEADERs with NEXTINT', () => {
    const w = new CdrWriter();
    w.begin(Encapsulation.PL_CDR2_LE, true);
    const d = w.reserve4();
    const m = w.beginMember(3, true, 4);
    w.u16(5);
    w.endMember(m);
    w.patchSize(d);
    expect(hex(w.finish())).toBe(
      '000b0002' + '0a000000' + '030000c0' + '02000000' + '0500' + '0000',
    );
  });
});

describe('CdrReader', () => {
  it('reads what the writer wrote in both byte orders', () => {
    for (const id of [
      Encapsulation.CDR_LE,
      Encapsulation.CDR_BE,
      Encapsulation.CDR2_LE,
      Encapsulation.CDR2_BE,
    ]) {
      const xcdr2 = id >= Encapsulation.CDR2_BE;
      const w = new CdrWriter();
      w.begin(id, xcdr2);
      w.u8(200);
      w.i16(-2);
      w.u64(2n ** 64n - 1n);
      w.f32(1.5);
      w.f64(-0.25);
      w.str('¡hola!');
      w.i32(-7);
      const r = new CdrReader();
      r.begin(w.finish());
      expect([r.u8(), r.i16(), r.u64(), r.f32(), r.f64(), r.str(), r.i32()]).toEqual([
        200,
        -2,
        2n ** 64n - 1n,
        1.5,
        -0.25,
        '¡hola!',
        -7,
      ]);
    }
  });

  it.each([
    [[0, 1, 0, 0, 1, 0, 0], 'truncated payload', (r: CdrReader) => r.u32()],
    [[0, 1, 0, 0, 2], 'invalid boolean value 2', (r: CdrReader) => r.bool()],
    [[0, 1, 0, 0, 0, 0, 0, 0], 'string without terminating NUL', (r: CdrReader) => r.str()],
    [
      [0, 1, 0, 0, 2, 0, 0, 0, 0x61, 0x62],
      'string without terminating NUL',
      (r: CdrReader) => r.str(),
    ],
    [
      [0, 1, 0, 0, 3, 0, 0, 0, 0x61, 0x62, 0],
      'string of 2 bytes exceeds bound 1',
      (r: CdrReader) => r.str(1),
    ],
    [[0, 1, 0, 0, 0xff, 0xff, 0xff, 0x7f], 'truncated payload', (r: CdrReader) => r.seqLength(1)],
    [
      [0, 1, 0, 0, 3, 0, 0, 0],
      'sequence of 3 elements exceeds bound 2',
      (r: CdrReader) => r.seqLength(1, 2),
    ],
    [[0, 9, 0, 0, 9, 0, 0, 0], 'DHEADER exceeds payload', (r: CdrReader) => r.dheader()],
    [
      [0, 11, 0, 0, 0x04, 0, 0, 0x40, 8, 0, 0, 0],
      'member length exceeds payload',
      (r: CdrReader) => r.member(),
    ],
  ])('rejects %p: %s', (bytes, message, read) => {
    const r = new CdrReader();
    r.begin(new Uint8Array(bytes));
    expect(() => read(r)).toThrow(new DdsTypeError(message));
  });

  it('narrows reads to a DHEADER region and skips the rest of it', () => {
    const r = new CdrReader();
    r.begin(new Uint8Array([0, 9, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 9, 0, 0, 0]));
    const end = r.dheader();
    const outer = r.enter(end);
    expect(r.u8()).toBe(1);
    r.leave(end, outer);
    expect(r.u32()).toBe(9);
    const r2 = new CdrReader();
    r2.begin(new Uint8Array([0, 9, 0, 0, 2, 0, 0, 0, 1, 2, 0, 0, 9, 0, 0, 0]));
    const e2 = r2.dheader();
    r2.enter(e2);
    expect(() => r2.u32()).toThrow('truncated payload');
  });

  it('never throws anything but DdsTypeError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 12 }),
        (bytes, ops) => {
          const r = new CdrReader();
          try {
            r.begin(bytes);
            for (const op of ops) {
              [
                () => r.u8(),
                () => r.bool(),
                () => r.i16(),
                () => r.u32(),
                () => r.i64(),
                () => r.f64(),
                () => r.str(),
                () => r.seqLength(4),
                () => r.member(),
              ][op]();
            }
          } catch (e) {
            expect(e).toBeInstanceOf(DdsTypeError);
          }
        },
      ),
    );
  });
});

describe('encapsulation', () => {
  it('maps extensibility and version to Cyclone identifiers and back', () => {
    expect(encapsulationFor('final', false)).toBe(0x0001);
    expect(encapsulationFor('final', true)).toBe(0x0007);
    expect(encapsulationFor('appendable', true)).toBe(0x0009);
    expect(encapsulationFor('mutable', true)).toBe(0x000b);
    expect(encapsulationFor('mutable', false)).toBe(0x0003);
    expect(parseEncapsulation(0x0008)).toEqual({
      littleEndian: false,
      xcdr2: true,
      format: 'delimited',
    });
    expect(parseEncapsulation(0x0002)).toEqual({
      littleEndian: false,
      xcdr2: false,
      format: 'parameter-list',
    });
    expect(parseEncapsulation(0x0004)).toBeUndefined();
    expect(parseEncapsulation(0x000c)).toBeUndefined();
  });
});

describe('DdsTypeError', () => {
  it('composes type, path and reason', () => {
    const e = new DdsTypeError('missing required field', 'b')
      .withPrefix('[2]')
      .withPrefix('items')
      .inType('m::T');
    expect(e.message).toBe('m::T.items[2].b: missing required field');
    expect(e.path).toBe('items[2].b');
    expect(e.reason).toBe('missing required field');
    expect(e.name).toBe('DdsTypeError');
    expect(e).toBeInstanceOf(Error);
  });
});
