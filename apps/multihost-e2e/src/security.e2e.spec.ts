import { join } from 'node:path';
import OpenAI from 'openai';
import { addIdentity, createSecurityKit, type IdentityFiles } from '@dds/dds-security';
import { listAgents, MultihostFleet, waitUntil, type HostProcess } from '@dds/netns';

const DOMAIN = 136;
const ROGUE = join(__dirname, 'support', 'rogue.participant.ts');

function securityJson(files: IdentityFiles): string {
  const { dir: _dir, subject: _subject, ...options } = files;
  return JSON.stringify(options);
}

/**
 * The fleet of discovery.e2e.spec.ts with DDS Security on (authentication, access control,
 * encrypted payloads and discovery), plus three intruders on hosts of their own: one with no
 * certificate, one with a complete kit of another CA, and one with a valid agent identity that
 * tries to read another agent's requests, publish requests as a gateway, and register under an
 * agent id its permissions do not grant.
 */
describe.each(['multicast', 'unicast'] as const)(
  'secure fleet on three namespace hosts, %s discovery',
  (discovery) => {
    let fleet: MultihostFleet;
    let client: OpenAI;
    const rogues: Record<string, HostProcess> = {};

    beforeAll(async () => {
      fleet = MultihostFleet.create({
        domain: DOMAIN,
        hosts: ['gw', 'a1', 'a2', 'rn', 'ro', 'ra'],
        discovery,
        secure: true,
      });
      const other = createSecurityKit(join(fleet.dir, 'other-ca'), { organization: 'elsewhere' });
      const stranger = addIdentity(other, { name: 'ro', role: 'agent', agentIds: ['ro-*'] });
      // A real identity of this fleet, allowed to serve only agents `ra-*`.
      const insider = fleet.identity('ra');
      const rogue = (host: string, args: string[]) => {
        rogues[host] = fleet.spawnNode(host, [ROGUE, '--domain', String(DOMAIN), ...args]);
        return rogues[host].waitFor('started');
      };
      await Promise.all([
        rogue('rn', ['--agent-id', 'rn-1', '--snoop', 'agent.*']),
        rogue('ro', [
          '--agent-id',
          'ro-1',
          '--snoop',
          'agent.*',
          '--security',
          securityJson(stranger),
        ]),
        rogue('ra', [
          '--agent-id',
          'a1-sim-text-2',
          '--snoop',
          'agent.a1-sim-text-1',
          '--as-gateway',
          'a1-sim-text-1',
          '--security',
          securityJson(insider),
        ]),
      ]);
      await Promise.all([
        fleet.startAgents('a1'),
        fleet.startAgents('a2'),
        fleet.startGateway('gw'),
      ]);
      client = new OpenAI({
        baseURL: `${fleet.gatewayUrl('gw')}/v1`,
        apiKey: 'none',
        maxRetries: 0,
      });
      await waitUntil('both secure agent hosts in the fleet', async () => {
        const ids = (await listAgents(fleet.gatewayUrl('gw'))).map((a) => a.id);
        return ids.includes('a1-sim-text-1') && ids.includes('a2-sim-text-1');
      });
    });

    afterAll(async () => {
      await fleet?.destroy();
    });

    it('serves chat and streams from both hosts; the bridge carries no prompt text', async () => {
      const capture = await fleet.rig.capture(join(fleet.dir, `secure-${discovery}.pcap`));
      const prompt = `secret-prompt-${discovery}-${fleet.rig.runId}`;
      for (const host of ['a1', 'a2']) {
        const chat = await client.chat.completions.create({
          model: `${host}-model`,
          messages: [{ role: 'user', content: `${prompt} ${host}` }],
        });
        expect(chat.choices[0].finish_reason).toBe('stop');
        expect(chat.choices[0].message.content?.length).toBeGreaterThan(0);
        const stream = await client.chat.completions.create({
          model: 'phi-4-mini',
          messages: [{ role: 'user', content: `${prompt} stream` }],
          stream: true,
        });
        let text = '';
        let finish: string | null = null;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        expect(text.length).toBeGreaterThan(0);
        expect(finish).toBe('stop');
      }
      const pcap = await capture.stop();
      // The capture did see the fleet's RTPS traffic (headers stay clear: rtps_protection NONE)...
      expect(pcap.includes(Buffer.from('RTPS'))).toBe(true);
      // ...but not one prompt in it (discovery.e2e.spec.ts finds it there without security).
      expect(pcap.includes(Buffer.from(prompt))).toBe(false);
      expect(pcap.includes(Buffer.from('secret-prompt'))).toBe(false);
    });

    it('refuses every intruder: none is listed, none receives a request', async () => {
      // Requests to every model an intruder could be picked for.
      for (let i = 0; i < 6; i++) {
        await client.chat.completions.create({
          model: 'phi-4-mini',
          messages: [{ role: 'user', content: `probe ${i}` }],
        });
      }
      const ids = (await listAgents(fleet.gatewayUrl('gw'))).map((a) => a.id).sort();
      expect(ids).toEqual(['a1-sim-text-1', 'a2-sim-text-1']);
      for (const [host, p] of Object.entries(rogues)) {
        expect({ host, requests: p.records.filter((r) => r['event'] === 'request') }).toEqual({
          host,
          requests: [],
        });
        expect(p.child.exitCode).toBeNull();
      }
      // The insider's own middleware refuses what its permissions do not grant.
      const refused = rogues['ra'].records
        .filter((r) => r['event'] === 'refused')
        .map((r) => [r['what'], r['codeName']]);
      expect(refused).toEqual([
        ['read agent/request', 'DDS_RETCODE_NOT_ALLOWED_BY_SECURITY'],
        ['write agent/request', 'DDS_RETCODE_NOT_ALLOWED_BY_SECURITY'],
        ['register', 'DDS_RETCODE_NOT_ALLOWED_BY_SECURITY'],
      ]);
    });
  },
);
