import type { EventEmitter } from 'node:events';
import type { Reader, Sample } from '../../src';

let counter = 0;

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  counter += 1;
  return `${prefix}/${process.pid}/${counter}`;
}

/** Resolves with the first emission of `event`, rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  emitter: EventEmitter,
  event: string,
  timeoutMs = 10000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (v: T): void => {
      clearTimeout(timer);
      resolve(v);
    };
    emitter.once(event, on);
  });
}

/** Takes samples as they arrive until `n` were taken (or rejects after `timeoutMs`). */
export function takeN<T>(reader: Reader<T>, n: number, timeoutMs = 10000): Promise<Sample<T>[]> {
  const got: Sample<T>[] = [];
  return new Promise((resolve, reject) => {
    const drain = (): void => {
      got.push(...reader.take());
      if (got.length >= n) {
        clearTimeout(timer);
        reader.off('data', drain);
        resolve(got);
      }
    };
    const timer = setTimeout(() => {
      reader.off('data', drain);
      reject(new Error(`only ${got.length} of ${n} samples within ${timeoutMs} ms`));
    }, timeoutMs);
    reader.on('data', drain);
    drain();
  });
}

/** Waits until `predicate` holds after a status event of `emitter` (checked immediately too). */
export function waitForEvent<T>(
  emitter: EventEmitter,
  event: string,
  predicate: (v: T) => boolean,
  timeoutMs = 10000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`'${event}' never satisfied the condition within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (v: T): void => {
      if (!predicate(v)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}
