import fc from 'fast-check';
import { LazyDeque } from './job-queue';

interface Item {
  id: number;
  live: boolean;
}

describe('LazyDeque', () => {
  it('behaves like a filtered array under random push / kill / pop / compact', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 3, arbitrary: fc.constant({ op: 'push' as const, i: 0 }) },
            { weight: 3, arbitrary: fc.record({ op: fc.constant('kill' as const), i: fc.nat() }) },
            { weight: 1, arbitrary: fc.constant({ op: 'pop' as const, i: 0 }) },
            { weight: 1, arbitrary: fc.constant({ op: 'compact' as const, i: 0 }) },
          ),
          { maxLength: 400, size: 'max' },
        ),
        (ops) => {
          const q = new LazyDeque<Item>((x) => x.live);
          const reference: Item[] = [];
          let next = 0;
          for (const { op, i } of ops) {
            if (op === 'push') {
              const item = { id: next++, live: true };
              q.push(item);
              reference.push(item);
            } else if (reference.length > 0 && (op === 'kill' || op === 'pop')) {
              // pop = the owner takes the head (marks it no longer queued), like a dispatch.
              const k = op === 'pop' ? 0 : i % reference.length;
              if (op === 'pop') expect(q.peek()).toBe(reference[0]);
              reference[k].live = false;
              reference.splice(k, 1);
              q.markDead();
            } else if (op === 'compact') {
              q.maybeCompact();
            }
            expect(q.size).toBe(reference.length);
            expect([...q]).toEqual(reference);
            expect(q.peek()).toBe(reference[0]);
          }
          // Walking by index visits the live entries in order.
          const walked: Item[] = [];
          for (let c = q.firstLive(); c >= 0; c = q.nextLive(c + 1)) walked.push(q.at(c));
          expect(walked).toEqual(reference);
        },
      ),
      { numRuns: 200 },
    );
  });
});
