import { DdsTypeError } from './dds-type-error';

const utf8 = new TextEncoder();

/**
 * A growing CDR output buffer. Offsets for alignment are counted from the end of the 4-byte
 * encapsulation header, as the XTypes spec and CycloneDDS do; 64-bit values align to 8 in XCDR1
 * and to 4 in XCDR2. Generated encoders call it directly; one instance is reused per module, so
 * `finish()` returns a copy.
 */
export class CdrWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  /** Write position (absolute, header included). */
  pos = 0;
  /** Whether this payload is XCDR2 (DHEADERs, EMHEADERs, 4-byte max alignment). */
  xcdr2 = false;
  /** Byte order of the payload. */
  le = true;
  private maxAlign = 8;

  /** Starts a payload: writes the encapsulation header for `encapsulation` (an `Encapsulation` id). */
  begin(encapsulation: number, xcdr2: boolean): void {
    this.xcdr2 = xcdr2;
    this.le = (encapsulation & 1) === 1;
    this.maxAlign = xcdr2 ? 4 : 8;
    this.pos = 0;
    const b = this.buf;
    b[0] = encapsulation >> 8;
    b[1] = encapsulation & 0xff;
    b[2] = 0;
    b[3] = 0;
    this.pos = 4;
  }

  /**
   * Ends the payload: pads it to a multiple of 4 (DDSI requires it), records the padding in the
   * header options as Cyclone does, and returns a copy of the bytes.
   */
  finish(): Uint8Array {
    this.pad4();
    return this.buf.slice(0, this.pos);
  }

  /**
   * Like `finish` but returns a view of the internal buffer instead of a copy: valid only until
   * this writer is used again. For callers that consume the bytes at once (the DDS writer hands
   * them to Cyclone, which copies), saving an ArrayBuffer allocation per sample.
   */
  finishView(): Uint8Array {
    this.pad4();
    return this.buf.subarray(0, this.pos);
  }

  private pad4(): void {
    const pad = (4 - (this.pos & 3)) & 3;
    this.ensure(pad);
    for (let i = 0; i < pad; i++) this.buf[this.pos++] = 0;
    this.buf[3] = pad;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    if (size > 0x7fffffff) throw new DdsTypeError('sample too large to serialize');
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Aligns to `n` bytes (capped at the representation's maximum), writing zero padding. */
  align(n: number): void {
    const a = n > this.maxAlign ? this.maxAlign : n;
    const pad = (4 - this.pos) & (a - 1);
    if (pad === 0) return;
    this.ensure(pad);
    for (let i = 0; i < pad; i++) this.buf[this.pos++] = 0;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  i16(v: number): void {
    this.align(2);
    this.ensure(2);
    this.view.setInt16(this.pos, v, this.le);
    this.pos += 2;
  }

  u16(v: number): void {
    this.align(2);
    this.ensure(2);
    this.view.setUint16(this.pos, v, this.le);
    this.pos += 2;
  }

  i32(v: number): void {
    this.align(4);
    this.ensure(4);
    this.view.setInt32(this.pos, v, this.le);
    this.pos += 4;
  }

  u32(v: number): void {
    this.align(4);
    this.ensure(4);
    this.view.setUint32(this.pos, v, this.le);
    this.pos += 4;
  }

  i64(v: bigint): void {
    this.align(8);
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, this.le);
    this.pos += 8;
  }

  u64(v: bigint): void {
    this.align(8);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, this.le);
    this.pos += 8;
  }

  f32(v: number): void {
    this.align(4);
    this.ensure(4);
    this.view.setFloat32(this.pos, v, this.le);
    this.pos += 4;
  }

  f64(v: number): void {
    this.align(8);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, this.le);
    this.pos += 8;
  }

  /** Raw bytes, no alignment (octet sequences and arrays). */
  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /**
   * A CDR string: uint32 length including the terminating NUL, UTF-8 bytes, NUL. Returns the
   * number of UTF-8 bytes (without NUL) so callers can check bounds, or -1 when the string
   * contains a NUL character (C peers would silently truncate it); the caller then throws.
   */
  str(v: string): number {
    this.align(4);
    const lenAt = this.pos;
    const n = v.length;
    this.ensure(4 + n * 3 + 1);
    let p = lenAt + 4;
    const b = this.buf;
    let i = 0;
    if (n > 24) {
      // Long strings: the native encoder beats a JS loop.
      if (v.indexOf('\0') !== -1) return -1;
      p += utf8.encodeInto(v, b.subarray(p)).written;
      i = n;
    }
    // ASCII fast path for short strings; most keys and identifiers never leave it.
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      if (c === 0) return -1;
      b[p++] = c;
    }
    if (i < n) {
      const r = utf8.encodeInto(v.substring(i), b.subarray(p));
      p += r.written;
      if (v.indexOf('\0', i) !== -1) return -1;
    }
    b[p++] = 0;
    const len = p - lenAt - 4;
    this.view.setUint32(lenAt, len, this.le);
    this.pos = p;
    return len - 1;
  }

  /** Reserves an aligned uint32 (DHEADER, NEXTINT) and returns its position for `patchSize`. */
  reserve4(): number {
    this.align(4);
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Writes at `at` the number of bytes written since the reserved uint32 ended. */
  patchSize(at: number): void {
    this.view.setUint32(at, this.pos - at - 4, this.le);
  }

  /** Overwrites a uint32 at an earlier position (EMHEADER). */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, this.le);
  }

  /**
   * Starts a mutable-struct member: writes its EMHEADER (with NEXTINT when `lengthCode` is 4)
   * and returns the position to hand to `endMember`.
   */
  beginMember(memberId: number, mustUnderstand: boolean, lengthCode: number): number {
    const at = this.reserve4();
    this.view.setUint32(
      at,
      ((mustUnderstand ? 0x80000000 : 0) | (lengthCode << 28) | memberId) >>> 0,
      this.le,
    );
    if (lengthCode === 4) this.reserve4();
    return at;
  }

  /** Ends a member started by `beginMember`, filling in its NEXTINT when it has one. */
  endMember(at: number): void {
    if (((this.view.getUint32(at, this.le) >>> 28) & 7) === 4) this.patchSize(at + 4);
  }

  // Bulk writers for sequences/arrays of one primitive (validated by the caller): one alignment
  // and one capacity check for the whole run instead of one per element.

  i16s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(2);
    this.ensure(len * 2);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 2) v.setInt16(p, a[i], le);
    this.pos = p;
  }

  u16s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(2);
    this.ensure(len * 2);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 2) v.setUint16(p, a[i], le);
    this.pos = p;
  }

  i32s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(4);
    this.ensure(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) v.setInt32(p, a[i], le);
    this.pos = p;
  }

  u32s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(4);
    this.ensure(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) v.setUint32(p, a[i], le);
    this.pos = p;
  }

  f32s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(4);
    this.ensure(len * 4);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 4) v.setFloat32(p, a[i], le);
    this.pos = p;
  }

  f64s(a: readonly number[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(8);
    this.ensure(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) v.setFloat64(p, a[i], le);
    this.pos = p;
  }

  i64s(a: readonly bigint[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(8);
    this.ensure(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) v.setBigInt64(p, a[i], le);
    this.pos = p;
  }

  u64s(a: readonly bigint[]): void {
    const len = a.length;
    if (len === 0) return;
    this.align(8);
    this.ensure(len * 8);
    const v = this.view;
    const le = this.le;
    let p = this.pos;
    for (let i = 0; i < len; i++, p += 8) v.setBigUint64(p, a[i], le);
    this.pos = p;
  }
}
