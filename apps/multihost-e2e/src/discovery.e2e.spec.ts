import { join } from 'node:path';
import OpenAI from 'openai';
import { listAgents, MultihostFleet, waitUntil, type HostProcess } from '@dds/netns';

const DOMAIN = 135;
const ROGUE = join(__dirname, 'support', 'rogue.participant.ts');

/**
 * Three hosts (a gateway, two agent hosts) plus a stranger's host, without DDS Security: the
 * fleet forms across the bridge by multicast and by unicast peers. These runs are also the
 * controls of the security suite: here the stranger does receive requests and the bridge does
 * carry prompt text, which is exactly what security.e2e.spec.ts must show no longer happens.
 */
describe.each(['multicast', 'unicast'] as const)(
  'three namespace hosts, %s discovery, no security',
  (discovery) => {
    let fleet: MultihostFleet;
    let client: OpenAI;
    let rogue: HostProcess;

    beforeAll(async () => {
      fleet = MultihostFleet.create({ domain: DOMAIN, hosts: ['gw', 'a1', 'a2', 'rg'], discovery });
      await Promise.all([
        fleet.startAgents('a1'),
        fleet.startAgents('a2'),
        fleet.startGateway('gw'),
      ]);
      rogue = fleet.spawnNode('rg', [
        ROGUE,
        '--domain',
        String(DOMAIN),
        '--agent-id',
        'rg-plain-1',
        '--model',
        'rg-model',
        '--snoop',
        'agent.*',
      ]);
      await rogue.waitFor('registered');
      client = new OpenAI({
        baseURL: `${fleet.gatewayUrl('gw')}/v1`,
        apiKey: 'none',
        maxRetries: 0,
      });
      await waitUntil('both agent hosts and the stranger in the fleet', async () => {
        const ids = (await listAgents(fleet.gatewayUrl('gw'))).map((a) => a.id);
        return ['a1-sim-text-1', 'a2-sim-text-1', 'rg-plain-1'].every((id) => ids.includes(id));
      });
    });

    afterAll(async () => {
      await fleet?.destroy();
    });

    it('the openai SDK gets chat completions and streams from agents on both hosts', async () => {
      const capture = await fleet.rig.capture(join(fleet.dir, `plain-${discovery}.pcap`));
      const prompt = `plain-prompt-${discovery}-${fleet.rig.runId}`;
      for (const host of ['a1', 'a2']) {
        const chat = await client.chat.completions.create({
          model: `${host}-model`,
          messages: [{ role: 'user', content: `${prompt} ${host}` }],
        });
        expect(chat.choices[0].message.content?.length).toBeGreaterThan(0);
        expect(chat.choices[0].finish_reason).toBe('stop');

        const stream = await client.chat.completions.create({
          model: `${host}-model`,
          messages: [{ role: 'user', content: `${prompt} ${host} stream` }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let usage = 0;
        let finish: string | null = null;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          usage = chunk.usage?.completion_tokens ?? usage;
        }
        expect(text.length).toBeGreaterThan(0);
        expect(finish).toBe('stop');
        expect(usage).toBeGreaterThan(0);
      }
      const pcap = await capture.stop();
      // Control for the encrypted case: without security the prompt crosses the bridge in clear.
      expect(pcap.includes(Buffer.from(prompt))).toBe(true);
      // ...and a stranger with no credentials reads every agent's requests.
      await waitUntil('the stranger to see the requests', () =>
        rogue.records.some((r) => r['event'] === 'request' && r['agent_id'] === 'a1-sim-text-1'),
      );
    });
  },
);
