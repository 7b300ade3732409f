import { DdsTypeError } from './dds-type-error';
import { EncodingFormat, parseEncapsulation } from './encapsulation';

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
const EMPTY_BUFFER = Buffer.alloc(0);

/**
 * A bounds-checked CDR input over one serialized payload (encapsulation header included).
 * Every read checks against `end`, so hostile bytes end in a `DdsTypeError`, never in an engine
 * RangeError or a huge allocation.
 */
export class CdrReader {
  private bytes: Uint8Array = EMPTY;
  private view: DataView = EMPTY_VIEW;
  /** The same bytes as a Buffer, for Node's fast UTF-8 decoding (made on first string). */
  private text: Buffer | undefined = EMPTY_BUFFER;
  /** Read position (absolute, header included). */
  pos = 0;
  /** End of the region being read (a DHEADER or EMHEADER narrows it). */
  end = 0;
  xcdr2 = false;
  le = true;
  format: EncodingFormat = 'plain';
  private maxAlign = 8;

  /** Starts reading `bytes`: parses the encapsulation header. */
  begin(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new DdsTypeError('expected a Uint8Array');
    if (bytes.length < 4) throw new DdsTypeError('payload shorter than the encapsulation header');
    const info = parseEncapsulation((bytes[0] << 8) | bytes[1]);
    if (info === undefined) {
      throw new DdsTypeError(
        `unknown encapsulation identifier 0x${hex4((bytes[0] << 8) | bytes[1])}`,
      );
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = undefined;
    this.pos = 4;
    this.end = bytes.length;
    this.xcdr2 = info.xcdr2;
    this.le = info.littleEndian;
    this.format = info.format;
    this.maxAlign = info.xcdr2 ? 4 : 8;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DdsTypeError('truncated payload');
  }

  align(n: number): void {
    const a = n > this.maxAlign ? this.maxAlign : n;
    this.pos += (4 - this.pos) & (a - 1);
    if (this.pos > this.end) throw new DdsTypeError('truncated payload');
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  i8(): number {
    this.need(1);
    return (this.bytes[this.pos++] << 24) >> 24;
  }

  bool(): boolean {
    this.need(1);
    const v = this.bytes[this.pos++];
    if (v > 1) throw new DdsTypeError(`invalid boolean value ${v}`);
    return v === 1;
  }

  i16(): number {
    this.align(2);
    this.need(2);
    const v = this.view.getInt16(this.pos, this.le);
    this.pos += 2;
    return v;
  }

  u16(): number {
    this.align(2);
    this.need(2);
    const v = this.view.getUint16(this.pos, this.le);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.align(4);
    this.need(4);
    const v = this.view.getInt32(this.pos, this.le);
    this.pos += 4;
    return v;
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.view.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }

  i64(): bigint {
    this.align(8);
    this.need(8);
    const v = this.view.getBigInt64(this.pos, this.le);
    this.pos += 8;
    return v;
  }

  u64(): bigint {
    this.align(8);
    this.need(8);
    const v = this.view.getBigUint64(this.pos, this.le);
    this.pos += 8;
    return v;
  }

  f32(): number {
    this.align(4);
    this.need(4);
    const v = this.view.getFloat32(this.pos, this.le);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.align(8);
    this.need(8);
    const v = this.view.getFloat64(this.pos, this.le);
    this.pos += 8;
    return v;
  }

  /** `n` raw bytes, copied (the input buffer may be reused by the caller). */
  bytesCopy(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A CDR string; `bound` (bytes, without NUL) is checked when given (> 0). */
  str(bound = 0): string {
    const len = this.u32();
    if (len === 0) throw new DdsTypeError('string without terminating NUL');
    this.need(len);
    const start = this.pos;
    const stop = start + len - 1;
    const b = this.bytes;
    if (b[stop] !== 0) throw new DdsTypeError('string without terminating NUL');
    if (bound > 0 && len - 1 > bound) {
      throw new DdsTypeError(`string of ${len - 1} bytes exceeds bound ${bound}`);
    }
    this.pos = stop + 1;
    if (len <= 17) {
      let s = '';
      for (let i = start; i < stop; i++) {
        const c = b[i];
        if (c >= 0x80) return this.utf8(start, stop);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8(start, stop);
  }

  private utf8(start: number, stop: number): string {
    const b = this.bytes;
    this.text ??= Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return this.text.toString('utf8', start, stop);
  }

  /** Drops the reference to the payload (so a shared reader does not keep it alive). */
  release(): void {
    this.bytes = EMPTY;
    this.view = EMPTY_VIEW;
    this.text = EMPTY_BUFFER;
  }

  /**
   * A sequence length, checked against the bytes left (each element takes at least
   * `minElementSize` bytes) and against `bound` when > 0.
   */
  seqLength(minElementSize: number, bound = 0): number {
    const n = this.u32();
    if (bound > 0 && n > bound)
      throw new DdsTypeError(`sequence of ${n} elements exceeds bound ${bound}`);
    if (n * minElementSize > this.end - this.pos) throw new DdsTypeError('truncated payload');
    return n;
  }

  /** Reads a DHEADER and returns the end position of the region it delimits. */
  dheader(): number {
    const size = this.u32();
    if (size > this.end - this.pos) throw new DdsTypeError('DHEADER exceeds payload');
    return this.pos + size;
  }

  /**
   * Reads an EMHEADER (and NEXTINT) of a mutable-struct member: returns the member id with the
   * must-understand flag in bit 31, and sets `memberEnd` to where the member's value ends.
   */
  member(): number {
    const em = this.u32();
    const lc = (em >>> 28) & 7;
    let size: number;
    if (lc < 4) size = 1 << lc;
    else if (lc === 4) size = this.u32();
    else {
      this.need(4);
      const n = this.view.getUint32(this.pos, this.le);
      size = 4 + n * (lc === 5 ? 1 : lc === 6 ? 4 : 8);
    }
    if (size > this.end - this.pos) throw new DdsTypeError('member length exceeds payload');
    this.memberEnd = this.pos + size;
    return (em & 0x8fffffff) >>> 0;
  }

  /** End of the member whose EMHEADER `member()` read last. */
  memberEnd = 0;

  /** Narrows reading to `end` (which must be within the current region); returns the old end. */
  enter(end: number): number {
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Leaves a region entered with `enter`: skips what is left of it and restores the outer end. */
  leave(regionEnd: number, outerEnd: number): void {
    this.pos = regionEnd;
    this.end = outerEnd;
  }

  // Bulk readers for sequences/arrays of one primitive.

  i16s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(2);
    this.need(len * 2);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 2) out[i] = v.getInt16(p, le);
    this.pos = p;
    return out;
  }

  u16s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(2);
    this.need(len * 2);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 2) out[i] = v.getUint16(p, le);
    this.pos = p;
    return out;
  }

  i32s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(4);
    this.need(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) out[i] = v.getInt32(p, le);
    this.pos = p;
    return out;
  }

  u32s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(4);
    this.need(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) out[i] = v.getUint32(p, le);
    this.pos = p;
    return out;
  }

  f32s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(4);
    this.need(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) out[i] = v.getFloat32(p, le);
    this.pos = p;
    return out;
  }

  f64s(len: number): number[] {
    const out: number[] = new Array(len);
    if (len === 0) return out;
    this.align(8);
    this.need(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) out[i] = v.getFloat64(p, le);
    this.pos = p;
    return out;
  }

  i64s(len: number): bigint[] {
    const out: bigint[] = new Array(len);
    if (len === 0) return out;
    this.align(8);
    this.need(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) out[i] = v.getBigInt64(p, le);
    this.pos = p;
    return out;
  }

  u64s(len: number): bigint[] {
    const out: bigint[] = new Array(len);
    if (len === 0) return out;
    this.align(8);
    this.need(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) out[i] = v.getBigUint64(p, le);
    this.pos = p;
    return out;
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
