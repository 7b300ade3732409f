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
  /** Link down -> first response served by the other host (ms). */
  readonly failoverMs: number;
  /** Requests that ended without an answer in between (each an explicit error). */
  readonly failedRequests: number;
  /** Link up -> the cut host healthy in the gateway again (ms). */
  readonly rejoinMs: number;
}

/**
 * Failover of one client's session between two agent hosts. The client's requests carry an
 * `x-session-id` under the `session` strategy, so they all go to one agent (its home); the trial
 * cuts that agent's host link and sends the session's next request at once, again on every
 * failure, until one is answered by the other host's agent. The clock runs from the link going
 * down to that answer: detection (the agent's 1 s lease), re-dispatch and the response. The host
 * is plugged back in and the trial waits until the gateway lists it healthy again.
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

  const t0 = performance.now();
  fleet.rig.linkDown(cut);
  let failed = 0;
  let failoverMs: number | undefined;
  // Failed requests add to no status-200 counter, so the snapshot stays valid until a success.
  let served = after;
  while (performance.now() - t0 < timeoutMs) {
    const ok = await ask();
    const end = performance.now();
    if (!ok) {
      failed++;
      continue;
    }
    const now = await servedByAgent(url);
    if ((now.get(other) ?? 0) > (served.get(other) ?? 0)) {
      failoverMs = end - t0;
      break;
    }
    served = now;
  }
  fleet.rig.linkUp(cut);
  const up = performance.now();
  await waitUntil(
    `${home} healthy again`,
    async () => (await listAgents(url)).find((a) => a.id === home)?.health === 'healthy',
  );
  const rejoinMs = performance.now() - up;
  if (failoverMs === undefined) {
    throw new Error(`no request served by ${other} within ${timeoutMs} ms of cutting ${cut}`);
  }
  return { cut, failoverMs, failedRequests: failed, rejoinMs };
}
