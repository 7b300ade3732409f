import fc from 'fast-check';
import { ManualClock } from '@dds/common';
import { Scheduler } from './scheduler';
import { AgentFailedError } from './scheduler.errors';
import type { JobHandle } from './scheduler.types';
import { FakeFleet, FakeJob, flush } from './testing/fake-fleet';

describe('Scheduler properties', () => {
  it('never starves low priority under sustained high-priority overload (aging bound)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          capacity: fc.integer({ min: 1, max: 3 }),
          serviceMs: fc.integer({ min: 2, max: 40 }),
          agingMs: fc.integer({ min: 5, max: 100 }),
          overload: fc.integer({ min: 2, max: 4 }),
          warmupJobs: fc.integer({ min: 0, max: 30 }),
        }),
        async ({ capacity, serviceMs, agingMs, overload, warmupJobs }) => {
          const clock = new ManualClock();
          const fleet = new FakeFleet().addAgent('a1', capacity);
          const scheduler = new Scheduler<FakeJob, string>({
            dispatcher: fleet,
            clock,
            agingMs,
            maxQueueSize: 100_000,
          });
          // Completions are timed by the clock, like a real agent taking serviceMs per request.
          const origRun = fleet.run.bind(fleet);
          fleet.run = (job, agentId, attempt, signal, outputStarted) => {
            const p = origRun(job, agentId, attempt, signal, outputStarted);
            const run = fleet.runs[fleet.runs.length - 1];
            clock.setTimer(() => run.resolve(), serviceMs);
            return p;
          };
          const submittedAt = new Map<number, number>();
          const dispatchOrder: number[] = [];
          let highDepthAtLowDispatch = -1;
          let lowId = -1;
          const sub = scheduler.events$.subscribe((e) => {
            if (e.type !== 'dispatched') return;
            dispatchOrder.push(e.jobId);
            if (e.jobId === lowId) highDepthAtLowDispatch = scheduler.metrics().queueDepth[0];
          });
          // High-priority arrivals at `overload` times the fleet's throughput, forever.
          const gap = serviceMs / capacity / overload;
          let n = 0;
          const arrive = () => {
            const h = scheduler.submit({ name: `h${n++}` }, { priority: 0 });
            submittedAt.set(h.id, clock.now());
            h.promise.catch(() => undefined);
            clock.setTimer(arrive, gap);
          };
          arrive();
          while (n < warmupJobs || scheduler.metrics().queueDepth[0] === 0) {
            clock.advance((clock.nextTimerAt() ?? clock.now()) - clock.now());
            await flush();
          }
          const t0 = clock.now();
          const low = scheduler.submit({ name: 'low' }, { priority: 2 });
          lowId = low.id;
          low.promise.catch(() => undefined);
          let steps = 0;
          while (low.state === 'queued' && steps++ < 200_000) {
            clock.advance((clock.nextTimerAt() ?? clock.now()) - clock.now());
            await flush();
          }
          sub.unsubscribe();
          expect(low.state).not.toBe('queued');
          // Load was still sustained when the low job got its turn...
          expect(highDepthAtLowDispatch).toBeGreaterThan(0);
          // ...and no high job submitted more than 2 levels x agingMs after it went first.
          const lowIndex = dispatchOrder.indexOf(low.id);
          for (const id of dispatchOrder.slice(0, lowIndex)) {
            expect(submittedAt.get(id)).toBeLessThanOrEqual(t0 + 2 * agingMs);
          }
          scheduler.close();
          await flush();
        },
      ),
      { numRuns: 30 },
    );
    // Many simulated events per run; a generous limit for a busy CI machine (not a timing assertion).
  }, 60_000);

  it('moves each breaker exactly like the reference model (closed → open → half-open → closed)', async () => {
    type Step = { t: 'ok' } | { t: 'fail' } | { t: 'advance'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 2, arbitrary: fc.constant({ t: 'ok' as const }) },
      { weight: 3, arbitrary: fc.constant({ t: 'fail' as const }) },
      {
        weight: 2,
        arbitrary: fc.record({
          t: fc.constant('advance' as const),
          ms: fc.integer({ min: 0, max: 1500 }),
        }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 60, size: 'max' }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        async (steps, threshold, coolDownMs) => {
          const clock = new ManualClock();
          const fleet = new FakeFleet().addAgent('a1', 1);
          const scheduler = new Scheduler<FakeJob, string>({
            dispatcher: fleet,
            clock,
            retry: { maxAttempts: 1 },
            breaker: { failureThreshold: threshold, coolDownMs },
          });
          const model = {
            state: 'closed' as 'closed' | 'open' | 'half-open',
            failures: 0,
            openedAt: 0,
          };
          let n = 0;
          for (const st of steps) {
            if (st.t === 'advance') {
              clock.advance(st.ms);
              if (model.state === 'open' && clock.now() >= model.openedAt + coolDownMs) {
                model.state = 'half-open';
              }
            } else {
              const h = scheduler.submit({ name: `j${n++}` });
              h.promise.catch(() => undefined);
              if (model.state === 'open') {
                // The agent is excluded: the job waits.
                expect(h.state).toBe('queued');
                expect(fleet.assignCalls.at(-1)?.exclude).toEqual(['a1']);
                h.cancel();
              } else {
                expect(h.agentId).toBe('a1');
                const run = fleet.runOf(`j${n - 1}`);
                if (st.t === 'ok') run.resolve();
                else run.reject(new Error('agent error'));
                await flush();
                if (st.t === 'ok') {
                  model.state = 'closed';
                  model.failures = 0;
                } else if (model.state === 'half-open' || ++model.failures >= threshold) {
                  model.state = 'open';
                  model.failures = 0;
                  model.openedAt = clock.now();
                }
              }
            }
            await flush();
            expect(scheduler.breakerState('a1')).toBe(model.state);
            expect(scheduler.isOpen('a1')).toBe(model.state === 'open');
          }
          scheduler.close();
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  type Cmd =
    | { t: 'submit'; priority: number; deadline: number | undefined; model: 'm1' | 'm2' }
    | { t: 'settle'; i: number; kind: 'ok' | 'fail' | 'output-then-fail' }
    | { t: 'output'; i: number }
    | { t: 'cancel'; i: number }
    | { t: 'lost'; agent: number }
    | { t: 'advance'; ms: number }
    | { t: 'capacity'; agent: number };

  // Weighted so that jobs flow: submissions and settlements dominate, disruptions are rarer.
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant('submit' as const),
        priority: fc.integer({ min: 0, max: 2 }),
        deadline: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        model: fc.constantFrom('m1' as const, 'm2' as const),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        t: fc.constant('settle' as const),
        i: fc.nat(),
        kind: fc.constantFrom(
          'ok' as const,
          'ok' as const,
          'fail' as const,
          'output-then-fail' as const,
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('output' as const), i: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), i: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('lost' as const),
        agent: fc.integer({ min: 0, max: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('advance' as const),
        ms: fc.integer({ min: 0, max: 300 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('capacity' as const),
        agent: fc.integer({ min: 0, max: 2 }),
      }),
    },
  );

  it('keeps the queue bound and balanced in-flight accounting under random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cmd, { minLength: 10, maxLength: 80, size: 'max' }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        async (cmds, maxQueueSize, settleOnAbort, failureThreshold, classes) => {
          const clock = new ManualClock();
          const fleet = new FakeFleet();
          fleet.settleOnAbort = settleOnAbort;
          if (classes) fleet.withClasses();
          const agents = ['a1', 'a2', 'a3'];
          fleet.addAgent('a1', 1, 'm1').addAgent('a2', 2, 'm1').addAgent('a3', 1, 'm2');
          const scheduler = new Scheduler<FakeJob, string>({
            dispatcher: fleet,
            clock,
            maxQueueSize,
            agingMs: 50,
            retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40, maxWaitMs: 100 },
            breaker: { failureThreshold, coolDownMs: 200 },
          });
          const handles: JobHandle<string>[] = [];
          const settled = new Map<number, { ok: boolean; error?: unknown }>();
          let n = 0;
          const jobIds = new Map<string, number>();
          const runsOf = new Map<number, number>();
          const dueAt = new Map<number, number>();

          const check = () => {
            const m = scheduler.metrics();
            expect(m.queued).toBeLessThanOrEqual(maxQueueSize);
            expect(m.queueDepth.reduce((a, b) => a + b, 0)).toBe(m.queued);
            for (const a of agents) {
              expect(scheduler.inFlight(a)).toBe(fleet.open(a).length);
            }
            expect(scheduler.totalInFlight).toBe(fleet.open().length);
            // Retries never reuse an agent for the same job; nothing runs after output started.
            const byJob = new Map<string, string[]>();
            for (const r of fleet.runs) {
              byJob.set(r.job.name, [...(byJob.get(r.job.name) ?? []), r.agentId]);
            }
            for (const list of byJob.values()) expect(new Set(list).size).toBe(list.length);
            for (const h of handles) {
              const terminal = !['queued', 'running', 'retrying'].includes(h.state);
              expect(settled.has(h.id)).toBe(terminal);
              // Deadlines hold whatever the stage: nothing outlives submittedAt + deadlineMs.
              const due = dueAt.get(h.id);
              if (due !== undefined && clock.now() >= due) expect(settled.has(h.id)).toBe(true);
              // A job that ended without a result while running had its agent-side work aborted.
              const s = settled.get(h.id);
              if (s && !s.ok && h.state !== 'failed') {
                for (const r of fleet.runs) {
                  if (jobIds.get(r.job.name) === h.id)
                    expect(r.signal.aborted || r.settled).toBe(true);
                }
              }
            }
          };

          for (const c of cmds) {
            switch (c.t) {
              case 'submit': {
                const h = scheduler.submit(
                  { name: `j${n++}`, model: c.model },
                  { priority: c.priority, deadlineMs: c.deadline },
                );
                handles.push(h);
                jobIds.set(`j${n - 1}`, h.id);
                if (c.deadline !== undefined) dueAt.set(h.id, clock.now() + c.deadline);
                h.promise.then(
                  () => settled.set(h.id, { ok: true }),
                  (error) => settled.set(h.id, { ok: false, error }),
                );
                break;
              }
              case 'settle': {
                const open = fleet.open();
                if (open.length === 0) break;
                const r = open[c.i % open.length];
                if (c.kind === 'ok') r.resolve();
                else {
                  if (c.kind === 'output-then-fail') r.outputStarted();
                  r.reject(new Error('agent error'));
                }
                break;
              }
              case 'output': {
                const open = fleet.open();
                if (open.length > 0) open[c.i % open.length].outputStarted();
                break;
              }
              case 'cancel':
                if (handles.length > 0) handles[c.i % handles.length].cancel('client gone');
                break;
              case 'lost':
                scheduler.agentLost(agents[c.agent]);
                break;
              case 'advance':
                clock.advance(c.ms);
                break;
              case 'capacity': {
                const a = fleet.agents.get(agents[c.agent]);
                if (a) a.capacity++;
                scheduler.capacityAvailable();
                break;
              }
            }
            await flush();
            check();
          }

          // Drain: everything ends, nothing leaks.
          for (let round = 0; round < 20; round++) {
            for (const h of handles) h.cancel('test end');
            for (const r of fleet.open()) r.reject(new Error('shutdown'));
            clock.runAll();
            await flush();
            if (fleet.open().length === 0 && settled.size === handles.length) break;
          }
          check();
          for (const r of fleet.runs) {
            const id = jobIds.get(r.job.name) ?? -1;
            runsOf.set(id, (runsOf.get(id) ?? 0) + 1);
          }
          expect(settled.size).toBe(handles.length);
          expect(scheduler.totalInFlight).toBe(0);
          for (const a of agents) expect(scheduler.inFlight(a)).toBe(0);
          expect(scheduler.metrics()).toMatchObject({ queued: 0, retrying: 0, running: 0 });
          expect(clock.pendingTimers).toBe(0);
          // A failure after output started is final: no attempt follows it.
          for (const h of handles) {
            const s = settled.get(h.id);
            if (s?.error instanceof AgentFailedError && s.error.outputStarted) {
              expect(runsOf.get(h.id)).toBe(s.error.attempts);
            }
          }
          const m = scheduler.metrics();
          expect(m.submitted).toBe(handles.length);
          expect(m.completed).toBe([...settled.values()].filter((s) => s.ok).length);
          scheduler.close();
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
