/**
 * A sample does not fit its IDL type (on encode), or bytes are not a valid serialized sample of
 * the type (on decode). `path` names the offending field (`in1.a`, `items[3].name`), empty for
 * the sample as a whole.
 */
export class DdsTypeError extends Error {
  override readonly name = 'DdsTypeError';

  constructor(
    /** What is wrong, without the field path. */
    readonly reason: string,
    /** Dotted/indexed path of the field, `''` for the whole sample. */
    readonly path = '',
    /** The scoped IDL type name, when known. */
    readonly typeName = '',
  ) {
    super(formatMessage(typeName, path, reason));
  }

  /** A copy of this error located one level further out (`prefix` + path). */
  withPrefix(prefix: string): DdsTypeError {
    const path =
      this.path === ''
        ? prefix
        : this.path[0] === '['
          ? prefix + this.path
          : `${prefix}.${this.path}`;
    return new DdsTypeError(this.reason, path, this.typeName);
  }

  /** A copy of this error naming the type it happened in. */
  inType(typeName: string): DdsTypeError {
    return new DdsTypeError(this.reason, this.path, typeName);
  }
}

function formatMessage(typeName: string, path: string, reason: string): string {
  const where = typeName && path ? `${typeName}.${path}` : typeName || path;
  return where ? `${where}: ${reason}` : reason;
}

/**
 * Re-throws `e` with `prefix` prepended to its field path; anything that is not a `DdsTypeError`
 * (an engine RangeError from a hostile getter, say) becomes one, so encode/decode throw nothing else.
 */
export function rethrowAt(e: unknown, prefix: string): never {
  if (e instanceof DdsTypeError) throw e.withPrefix(prefix);
  throw new DdsTypeError(`unexpected ${e instanceof Error ? e.message : String(e)}`, prefix);
}
