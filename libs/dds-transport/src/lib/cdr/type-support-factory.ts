import type { DataRepresentation, TopicDescriptorData, TypeSupport } from '../type-support';
import { CdrReader } from './cdr-reader';
import { CdrWriter } from './cdr-writer';
import { DdsTypeError } from './dds-type-error';
import { EncodingFormat, Extensibility, encapsulationFor } from './encapsulation';

/**
 * What `dds-idl gen` emits per struct; `makeTypeSupport` turns it into a `TypeSupport<T>`.
 * @internal Used by generated code only; its shape may change with the generator.
 */
export interface GeneratedType<T> {
  readonly typeName: string;
  readonly descriptor: TopicDescriptorData;
  readonly extensibility: Extensibility;
  /** The type (or a type it contains) is appendable/mutable or has optional members. */
  readonly xcdr2Only: boolean;
  readonly encode: (w: CdrWriter, sample: unknown) => void;
  readonly decode: (r: CdrReader) => T;
  readonly decodeKey: (r: CdrReader) => Partial<T>;
}

let shared: CdrWriter | undefined = new CdrWriter();

type Encoder = (sample: unknown, representation?: DataRepresentation) => Uint8Array;
const transientEncoders = new WeakMap<object, Encoder>();

/**
 * For an `encode` made by `makeTypeSupport`: the same encoder returning a view of the reused
 * output buffer (valid until the next encode on this thread) instead of a copy. Keyed by the
 * function, so a TypeSupport whose `encode` was replaced (e.g. `{ ...Type, encode }`) gets none.
 * @internal The writer's hot path.
 */
export function transientEncoder(encode: object): Encoder | undefined {
  return transientEncoders.get(encode);
}
const reader = new CdrReader();

function formatFor(extensibility: Extensibility, xcdr2: boolean): EncodingFormat {
  if (extensibility === 'mutable') return 'parameter-list';
  return extensibility === 'appendable' && xcdr2 ? 'delimited' : 'plain';
}

function asTypeError(e: unknown, typeName: string): DdsTypeError {
  if (e instanceof DdsTypeError) return e.inType(typeName);
  const msg = e instanceof Error ? e.message : String(e);
  return new DdsTypeError(`invalid value (${msg})`, '', typeName);
}

/**
 * Builds the `TypeSupport<T>` of a generated type: picks the encapsulation for the requested
 * data representation, reuses one output buffer across calls, and turns every failure into a
 * `DdsTypeError` naming the type (and field).
 * @internal Used by generated code.
 */
export function makeTypeSupport<T>(g: GeneratedType<T>): TypeSupport<T> {
  const { typeName, extensibility, xcdr2Only } = g;
  const keyless = g.descriptor.keys.length === 0;
  const defaultDataRepresentation: DataRepresentation = xcdr2Only ? 'XCDR2' : 'XCDR1';
  const encap1 = encapsulationFor(extensibility, false);
  const encap2 = encapsulationFor(extensibility, true);
  const encodeWith = (
    sample: T,
    representation: DataRepresentation | undefined,
    transient: boolean,
  ): Uint8Array => {
    let xcdr2: boolean;
    if (representation === undefined) xcdr2 = xcdr2Only;
    else if (representation === 'XCDR2') xcdr2 = true;
    else if (representation === 'XCDR1') xcdr2 = false;
    else
      throw new RangeError(
        `representation must be 'XCDR1' or 'XCDR2', got ${String(representation)}`,
      );
    if (!xcdr2 && xcdr2Only) {
      throw new DdsTypeError(
        'XCDR1 cannot represent this type (it has @appendable/@mutable structs or @optional members); use XCDR2',
        '',
        typeName,
      );
    }
    // A getter on the sample could re-enter encode; it then gets a writer of its own.
    const w = shared ?? new CdrWriter();
    shared = undefined;
    try {
      w.begin(xcdr2 ? encap2 : encap1, xcdr2);
      g.encode(w, sample);
      return transient ? w.finishView() : w.finish();
    } catch (e) {
      throw asTypeError(e, typeName);
    } finally {
      shared = w;
    }
  };
  const encode = (sample: T, representation?: DataRepresentation): Uint8Array =>
    encodeWith(sample, representation, false);
  transientEncoders.set(encode, (sample, representation) =>
    encodeWith(sample as T, representation, true),
  );
  return {
    typeName,
    descriptor: g.descriptor,
    keyless,
    defaultDataRepresentation,
    encode,
    decode(bytes: Uint8Array): T {
      // Decoding runs no user code, so one reader per thread is safe to share.
      const r = reader;
      try {
        r.begin(bytes);
        const want = formatFor(extensibility, r.xcdr2);
        if (r.format !== want || (extensibility !== 'final' && !r.xcdr2)) {
          throw new DdsTypeError(
            `encapsulation is ${r.xcdr2 ? 'XCDR2' : 'XCDR1'} ${r.format}, but a${extensibility === 'appendable' ? 'n' : ''} ${extensibility} type needs ${extensibility === 'final' ? 'plain CDR' : `XCDR2 ${formatFor(extensibility, true)}`}`,
          );
        }
        return g.decode(r);
      } catch (e) {
        throw asTypeError(e, typeName);
      } finally {
        r.release();
      }
    },
    decodeKey(bytes: Uint8Array): Partial<T> {
      const r = reader;
      try {
        r.begin(bytes);
        return g.decodeKey(r);
      } catch (e) {
        throw asTypeError(e, typeName);
      } finally {
        r.release();
      }
    },
  };
}

/** Base64 to bytes (descriptor blobs in generated code). @internal */
export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

const EXPECTED: Record<string, string> = {
  int8: 'int8 (integer in [-128, 127])',
  uint8: 'uint8 (integer in [0, 255])',
  octet: 'octet (integer in [0, 255])',
  int16: 'int16 (integer in [-32768, 32767])',
  uint16: 'uint16 (integer in [0, 65535])',
  int32: 'int32 (integer in [-2147483648, 2147483647])',
  uint32: 'uint32 (integer in [0, 4294967295])',
  int64: 'int64 (bigint in [-2^63, 2^63-1])',
  uint64: 'uint64 (bigint in [0, 2^64-1])',
  float: 'float (number)',
  double: 'double (number)',
  boolean: 'boolean',
  char: 'char (a one-character string, code point <= 255)',
  string: 'string',
};

/** A short description of a received value for error messages. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'string':
      return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `an array of length ${v.length}`;
      if (v instanceof Uint8Array) return `a Uint8Array of length ${v.length}`;
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}

/** The error for a value of the wrong type or out of range. @internal */
export function badValue(path: string, expected: string, v: unknown): DdsTypeError {
  if (v === undefined) return new DdsTypeError('missing required field', path);
  return new DdsTypeError(
    `expected ${EXPECTED[expected] ?? expected}, got ${describeValue(v)}`,
    path,
  );
}

/** The error for a string with a NUL (n < 0) or over its bound. @internal */
export function badString(path: string, n: number, bound: number): DdsTypeError {
  if (n < 0) return new DdsTypeError('string contains a NUL character', path);
  return new DdsTypeError(`string of ${n} UTF-8 bytes exceeds bound ${bound}`, path);
}

/** The error for a sequence over its bound. @internal */
export function badSequence(path: string, n: number, bound: number): DdsTypeError {
  return new DdsTypeError(`sequence of ${n} elements exceeds bound ${bound}`, path);
}

/** The error for an array of the wrong length. @internal */
export function badArray(path: string, length: number, v: unknown, octets: boolean): DdsTypeError {
  if (v === undefined) return new DdsTypeError('missing required field', path);
  return new DdsTypeError(
    `expected ${octets ? 'a Uint8Array' : 'an array'} of length ${length}, got ${describeValue(v)}`,
    path,
  );
}
