import { DdsTypeError } from './cdr/dds-type-error';
import type { NativeError } from './native';

export { DdsTypeError };

/** A DDS operation failed; `code` is Cyclone's return code and `codeName` its name. */
export class DdsError extends Error {
  override name = 'DdsError';
  constructor(
    message: string,
    /** The DDS return code (negative). */
    readonly code: number,
    /** The return code's name, e.g. `DDS_RETCODE_PRECONDITION_NOT_MET`. */
    readonly codeName: string,
  ) {
    super(message);
  }
}

/** An operation did not complete in time (`DDS_RETCODE_TIMEOUT`). */
export class DdsTimeoutError extends DdsError {
  override name = 'DdsTimeoutError';
  constructor(message: string) {
    super(message, -10, 'DDS_RETCODE_TIMEOUT');
  }
}

/** The entity was closed (`DDS_RETCODE_ALREADY_DELETED`). */
export class DdsAlreadyDeletedError extends DdsError {
  override name = 'DdsAlreadyDeletedError';
  constructor(message: string) {
    super(message, -9, 'DDS_RETCODE_ALREADY_DELETED');
  }
}

// Not `instanceof Error`: the addon creates its errors in the main context, which is another realm
// than e.g. a jest test's vm context.
function isNativeError(e: unknown): e is NativeError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as NativeError).codeName === 'string' &&
    typeof (e as NativeError).code === 'number'
  );
}

/** Turns an error thrown by the addon into the public error classes. */
export function fromNative(e: unknown, what: string): unknown {
  if (!isNativeError(e)) {
    // Argument errors the addon raises come from the main realm; rebuild them in this one so
    // `instanceof TypeError` holds in vm contexts (jest) too.
    if (typeof e === 'object' && e !== null && !(e instanceof Error)) {
      const { name, message } = e as { name?: unknown; message?: unknown };
      if (name === 'TypeError') return new TypeError(String(message));
      if (name === 'RangeError') return new RangeError(String(message));
    }
    return e;
  }
  if (e.typeError) return new DdsTypeError(`${what}: ${e.message}`);
  if (e.codeName === 'DDS_RETCODE_TIMEOUT') return new DdsTimeoutError(`${what}: timed out`);
  if (e.codeName === 'DDS_RETCODE_ALREADY_DELETED')
    return new DdsAlreadyDeletedError(`${what}: entity was closed`);
  const detail = typeof e.detail === 'string' ? ` (${e.detail})` : '';
  return new DdsError(`${what} failed: ${e.codeName}${detail}`, e.code, e.codeName);
}

/** Runs a native call, translating its errors. */
export function callNative<R>(what: string, fn: () => R): R {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e, what);
  }
}
