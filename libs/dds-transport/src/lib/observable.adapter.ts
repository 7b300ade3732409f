import { Observable } from 'rxjs';
import type { Reader } from './reader.entity';
import type { Sample } from './sample';

/**
 * An rxjs Observable of the reader's samples: on each data doorbell it takes what is available
 * and emits it; completes when the reader closes, errors if a take fails. Unsubscribing stops
 * taking (samples then stay in the reader's history).
 */
export function toObservable<T>(reader: Reader<T>): Observable<Sample<T>> {
  return new Observable<Sample<T>>((subscriber) => {
    const drain = (): void => {
      try {
        for (;;) {
          if (subscriber.closed || reader.closed) return;
          const batch = reader.take();
          if (batch.length === 0) return;
          for (const s of batch) subscriber.next(s);
        }
      } catch (e) {
        subscriber.error(e);
      }
    };
    const onClose = (): void => subscriber.complete();
    if (reader.closed) {
      subscriber.complete();
      return undefined;
    }
    reader.on('data', drain);
    reader.once('close', onClose);
    drain();
    return () => {
      reader.off('data', drain);
      reader.off('close', onClose);
    };
  });
}
