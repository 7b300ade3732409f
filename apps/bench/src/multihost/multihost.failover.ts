import { listAgents, type MultihostFleet, waitUntil } from '@dds/netns';

/** Completed requests (status 200) per agent id, from the gateway's Prometheus counters. */
export async function servedByAgent(gatewayUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  return parseServed(text);
}

/** `gateway_requests_total{…,agent="<id>",status="200"} <n>` summed per agent. */
export function parseServed(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('gateway_requests_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    if (!/(^|,)status="200"/.test(labels)) continue;
    const agent = /(?:^|,)agent="([^"]*)"/.exec(labels)?.[1];
    const value = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    if (!agent || !Number.isFinite(value)) continue;
    out.set(agent, (out.get(agent) ?? 0) + value);
  }
  return out;
}

/** One failover trial: which host was cut, and what the session's client saw. */
export interface FailoverTrial {
  /** The host whose link went down (the one serving the session). */
  readonly cut: string;
  /** Link down -> the session client's answer, from the other host (ms). */
  readonly failoverMs: number;
  /** Link down -> the first answer to any request of the session sent after the cut (ms). */
  readonly firstNewRequestMs: number;
  /** Requests that ended without an answer after the cut (each an explicit error). */
  readonly failedRequests: number;
  /** Requests answered after the cut (all by the other host). */
  readonly servedAfterCut: number;
  /** Link up -> the cut host healthy in the gateway again (ms). */
  readonly rejoinMs: number;
}

/** How often the trial sends a fresh request of the session while it waits (ms). */
const PROBE_MS = 25;

/**
 * Failover of one session between two agent hosts. The session's requests carry an
 * `x-session-id` under the `session` strategy, so they all go to one agent (its home); the trial
 * cuts that agent's host link and at once sends the session's next request, again on every
 * failure, until one is answered (necessarily by the other host's agent; the gateway's counters
 * confirm it). `failoverMs` runs from the cut to that answer: the request was dispatched to the
 * home before the gateway knew; it moves to the other host as soon as the home turns suspect
 * (its status overdue, 1.5 heartbeats), not after its 1 s lease, since it has no output yet. Meanwhile a fresh request of the session goes out every {@link PROBE_MS} ms;
 * `firstNewRequestMs` is the first answer of any of them: once the home is suspect (missed
 * heartbeats), new requests avoid it. The host is then plugged back in and the trial waits until
 * the gateway lists it healthy again.
 */
export async function failoverTrial(
  fleet: MultihostFleet,
  hostOf: ReadonlyMap<string, string>,
  sessionId: string,
  model: string,
  timeoutMs = 20_000,
): Promise<FailoverTrial> {
  const url = fleet.gatewayUrl('gw');
  const ids = [...hostOf.keys()];
  await waitUntil('both agents healthy', async () => {
    const list = await listAgents(url);
    return ids.every((id) => list.find((a) => a.id === id)?.health === 'healthy');
  });
  const ask = () =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-selector-strategy': 'session',
        'x-session-id': sessionId,
      },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'failover' }] }),
      signal: AbortSignal.timeout(timeoutMs),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status === 200;
      },
      () => false,
    );
  // Where the session lives now (it is sticky: after a failover it stays on the stand-in).
  const before = await servedByAgent(url);
  if (!(await ask())) throw new Error('the session request failed before the cut');
  const after = await servedByAgent(url);
  const home = ids.find((id) => (after.get(id) ?? 0) > (before.get(id) ?? 0));
  if (!home) throw new Error('no agent of the fleet answered the session request');
  const cut = hostOf.get(home) as string;
  const other = ids.find((id) => id !== home) as string;

  // With the cable cut, the home agent can answer nothing: every success from here on is the
  // other host's (checked against the gateway's counters at the end).
  const t0 = performance.now();
  fleet.rig.linkDown(cut);
  let failed = 0;
  let succeeded = 0;
  let failoverMs: number | undefined;
  let firstNewMs: number | undefined;
  const track = async () => {
    const ok = await ask();
    const at = performance.now() - t0;
    if (!ok) {
      failed++;
      return false;
    }
    succeeded++;
    firstNewMs = Math.min(firstNewMs ?? Infinity, at);
    return true;
  };
  // The session's client, one request at a time: its request in flight at the cut is what waits.
  const client = (async () => {
    while (performance.now() - t0 < timeoutMs) {
      if (await track()) {
        failoverMs = performance.now() - t0;
        return;
      }
    }
  })();
  // New requests of the session every PROBE_MS meanwhile: how soon a fresh one is served.
  const probes: Promise<boolean>[] = [];
  while (failoverMs === undefined && performance.now() - t0 < timeoutMs) {
    probes.push(track());
    await new Promise((r) => setTimeout(r, PROBE_MS));
  }
  await client;
  await Promise.all(probes);
  const final = await servedByAgent(url);
  fleet.rig.linkUp(cut);
  const up = performance.now();
  await waitUntil(
    `${home} healthy again`,
    async () => (await listAgents(url)).find((a) => a.id === home)?.health === 'healthy',
  );
  const rejoinMs = performance.now() - up;
  if (failoverMs === undefined || firstNewMs === undefined) {
    throw new Error(`no request served by ${other} within ${timeoutMs} ms of cutting ${cut}`);
  }
  const byOther = (final.get(other) ?? 0) - (after.get(other) ?? 0);
  const byHome = (final.get(home) ?? 0) - (after.get(home) ?? 0);
  if (byOther !== succeeded || byHome !== 0) {
    throw new Error(
      `after cutting ${cut}: ${succeeded} answers, but ${other} served ${byOther} and ${home} ${byHome}`,
    );
  }
  return {
    cut,
    failoverMs,
    firstNewRequestMs: firstNewMs,
    failedRequests: failed,
    servedAfterCut: succeeded,
    rejoinMs,
  };
}
