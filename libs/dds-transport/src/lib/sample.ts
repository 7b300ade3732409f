import type { TypeSupport } from './type-support';

/** Most samples one `take`/`read` returns. */
export const MAX_BATCH = 4096;

/** Sample, view and instance state of one received sample. */
export interface SampleInfo {
  /** False for samples that only announce an instance state change (dispose, no-writers). */
  validData: boolean;
  sampleState: 'read' | 'not-read';
  viewState: 'new' | 'not-new';
  instanceState: 'alive' | 'disposed' | 'no-writers';
  /** Writer's source timestamp in nanoseconds since the epoch. */
  sourceTimestamp: bigint;
  instanceHandle: bigint;
  publicationHandle: bigint;
}

/** One sample as returned by `take`/`read` and async iteration. */
export interface Sample<T> {
  /** The data; present iff `info.validData`. */
  data?: T;
  /** The key fields of the instance (for keyless topics `{}`). */
  key: Partial<T>;
  info: SampleInfo;
}

const HEADER_BYTES = 8;
const INFO_BYTES = 40;

// State bits as Cyclone's read masks, shifted left by one past the valid-data bit.
const READ = 1 << 1;
const NEW_VIEW = 4 << 1;
const ALIVE = 16 << 1;
const DISPOSED = 32 << 1;

function sampleState(flags: number): SampleInfo['sampleState'] {
  return flags & READ ? 'read' : 'not-read';
}

function viewState(flags: number): SampleInfo['viewState'] {
  return flags & NEW_VIEW ? 'new' : 'not-new';
}

function instanceState(flags: number): SampleInfo['instanceState'] {
  return flags & ALIVE ? 'alive' : flags & DISPOSED ? 'disposed' : 'no-writers';
}

// Key member paths per type, split once (decodeBatch runs per take, pickKey per sample).
const keyPathsOf = new WeakMap<object, readonly (readonly string[])[]>();

function keyPaths(type: TypeSupport<unknown>): readonly (readonly string[])[] {
  let paths = keyPathsOf.get(type);
  if (paths === undefined) {
    paths = type.descriptor.keys.map((k) => k.name.split('.'));
    keyPathsOf.set(type, paths);
  }
  return paths;
}

function pickKey<T>(data: T, paths: readonly (readonly string[])[]): Partial<T> {
  const key: Record<string, unknown> = {};
  for (const path of paths) {
    let src: unknown = data;
    let dst = key;
    for (let i = 0; i < path.length; i++) {
      src = (src as Record<string, unknown> | undefined)?.[path[i]];
      if (i === path.length - 1) dst[path[i]] = src;
      else dst = (dst[path[i]] ??= {}) as Record<string, unknown>;
    }
  }
  return key as Partial<T>;
}

/** Checks a `take`/`read` batch size; returns it capped at the addon's batch limit. @internal */
export function checkMax(max: unknown): number {
  if (typeof max !== 'number' || !Number.isInteger(max))
    throw new TypeError('max must be an integer');
  if (max < 1) throw new RangeError('max must be >= 1');
  return Math.min(max, MAX_BATCH);
}

/** SampleInfo from the addon's packed state bits. @internal */
export function infoFromFlags(
  flags: number,
  sourceTimestamp: bigint,
  instanceHandle: bigint,
  publicationHandle: bigint,
): SampleInfo {
  return {
    validData: (flags & 1) === 1,
    sampleState: sampleState(flags),
    viewState: viewState(flags),
    instanceState: instanceState(flags),
    sourceTimestamp,
    instanceHandle,
    publicationHandle,
  };
}

/**
 * SampleInfo of a sample in a take batch: states decoded at once, the three 64-bit values only
 * when read (each would otherwise be a BigInt allocation per sample on the hot path).
 */
class BatchSampleInfo implements SampleInfo {
  readonly validData: boolean;
  readonly sampleState: SampleInfo['sampleState'];
  readonly viewState: SampleInfo['viewState'];
  readonly instanceState: SampleInfo['instanceState'];
  readonly #view: DataView;
  readonly #at: number;

  constructor(flags: number, view: DataView, at: number) {
    this.validData = (flags & 1) === 1;
    this.sampleState = sampleState(flags);
    this.viewState = viewState(flags);
    this.instanceState = instanceState(flags);
    this.#view = view;
    this.#at = at;
  }

  get sourceTimestamp(): bigint {
    return this.#view.getBigInt64(this.#at + 8, true);
  }

  get instanceHandle(): bigint {
    return this.#view.getBigUint64(this.#at + 16, true);
  }

  get publicationHandle(): bigint {
    return this.#view.getBigUint64(this.#at + 24, true);
  }

  toJSON(): SampleInfo {
    return {
      validData: this.validData,
      sampleState: this.sampleState,
      viewState: this.viewState,
      instanceState: this.instanceState,
      sourceTimestamp: this.sourceTimestamp,
      instanceHandle: this.instanceHandle,
      publicationHandle: this.publicationHandle,
    };
  }
}

/**
 * Decodes one batch from the addon (layout in `native.ts`). Payload views share the batch's
 * buffer, so decoding allocates only what the samples themselves need.
 * @internal
 */
export function decodeBatch<T>(buf: ArrayBuffer, type: TypeSupport<T>): Sample<T>[] {
  const view = new DataView(buf);
  const count = view.getUint32(0, true);
  const paths = type.keyless ? [] : keyPaths(type as TypeSupport<unknown>);
  const out: Sample<T>[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * INFO_BYTES;
    const flags = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    const offset = view.getUint32(at + 32, true);
    const info = new BatchSampleInfo(flags, view, at);
    const validData = info.validData;
    const bytes = new Uint8Array(buf, offset, size);
    if (validData) {
      const data = type.decode(bytes);
      out[i] = { data, key: type.keyless ? {} : pickKey(data, paths), info };
    } else {
      out[i] = { key: type.keyless ? {} : type.decodeKey(bytes), info };
    }
  }
  return out;
}
