import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DomainParticipant } from '@dds/transport';
import { FleetClient, FleetView, type ResponseEvent } from '@dds/protocol';
import { startFleet, type Fleet } from './fleet';
import { parseFleetConfig } from './fleet-config';

/** This file's DDS domain (in-process fleet: 44). */
const DOMAIN = 44;

async function text(
  it: AsyncIterable<ResponseEvent>,
): Promise<{ text: string; last?: ResponseEvent }> {
  let out = '';
  let last: ResponseEvent | undefined;
  for await (const ev of it) {
    if (ev.type === 'text') out += ev.text;
    last = ev;
  }
  return { text: out, last };
}

describe('startFleet (in-process) with a sidecar agent in front of another agent', () => {
  let pp: DomainParticipant;
  let client: FleetClient;
  let view: FleetView;
  let upstream: Fleet;
  let sidecar: Fleet;

  beforeAll(async () => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant: pp, gatewayId: 'gw-fleet-spec' });
    view = new FleetView(client);
    upstream = await startFleet(
      parseFleetConfig(`
dds: { domain: ${DOMAIN} }
agents: { timeout: 2, heartbeat_interval: 1 }
http: { base_port: 0 }
fleet:
  - { name: up, models: [phi-4-mini], sim: { ttft_ms: 0, decode_tokens_per_sec: 0, output_tokens: 5 } }
`),
      { participant: pp },
    );
    const url = upstream.endpoints.get('up-1');
    // The sidecar serves the same model through the openai engine, forwarding to up-1's port.
    sidecar = await startFleet(
      parseFleetConfig(`
dds: { domain: ${DOMAIN} }
agents: { timeout: 2, heartbeat_interval: 1 }
http: { base_port: 0 }
fleet:
  - { name: car, models: [phi-4-mini], engine: openai, openai: { base_url: "${url}" } }
`),
      { participant: pp, http: false },
    );
  });

  afterAll(async () => {
    await sidecar?.stop();
    await upstream?.stop();
    client.close();
    pp.close();
  });

  it('registers each agent with its own HTTP endpoint (or none)', async () => {
    await Promise.all([client.ready('up-1'), client.ready('car-1')]);
    expect(view.agent('up-1')?.info.httpEndpoint).toBe(upstream.endpoints.get('up-1'));
    expect(view.agent('car-1')?.info.httpEndpoint).toBeUndefined();
  });

  it('answers through the sidecar exactly what the upstream agent answers, streaming and not', async () => {
    const body = {
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'through the sidecar' }],
    };
    for (const stream of [true, false]) {
      const direct = await text(client.request('up-1', { kind: 'chat', stream, body }));
      const via = await text(client.request('car-1', { kind: 'chat', stream, body }));
      expect(via.text).toBe(direct.text);
      expect(via.text.split(' ')).toHaveLength(5);
      expect(via.last).toMatchObject({
        type: 'final',
        agentId: 'car-1',
        usage: { completion_tokens: 5 },
      });
    }
  });

  it('falls back to an ephemeral port when a configured one is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const warnings: string[] = [];
    const fleet = await startFleet(
      parseFleetConfig(`
dds: { domain: ${DOMAIN} }
http: { base_port: ${taken} }
fleet: [{ name: port, models: [m] }]
`),
      { participant: pp, onWarning: (w) => warnings.push(w) },
    );
    try {
      const url = fleet.endpoints.get('port-1');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(url).not.toContain(`:${taken}/`);
      expect(warnings).toEqual([
        `port ${taken} is in use; agent port-1 serves HTTP on an ephemeral port`,
      ]);
      const models = await fetch(`${url}/models`);
      expect(models.status).toBe(200);
    } finally {
      await fleet.stop();
      await new Promise((r) => blocker.close(r));
    }
  });
});
