import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roleGrant } from './documents';
import { certificateSubject, verifies } from './pki';
import { addIdentity, createSecurityKit } from './security-kit';

describe('security kit (openssl)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sec-kit-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issues identities from its CA and signs governance and permissions', () => {
    const kit = createSecurityKit(join(dir, 'kit'));
    const other = createSecurityKit(join(dir, 'other'), { organization: 'elsewhere' });
    const agent = addIdentity(kit, { name: 'host-b', role: 'agent', agentIds: ['host-b-*'] });
    expect(certificateSubject(agent.identityCertificate)).toBe('CN=host-b,O=dds-llm');
    expect(verifies(kit.identityCa.cert, agent.identityCertificate)).toBe(true);
    expect(verifies(other.identityCa.cert, agent.identityCertificate)).toBe(false);
    const signed = readFileSync(agent.permissions, 'utf8');
    expect(signed).toMatch(/pkcs7-signature/);
    expect(signed).toContain('<partition>agent.host-b-*</partition>');
    expect(readFileSync(kit.governance, 'utf8')).toContain(
      '<data_protection_kind>ENCRYPT</data_protection_kind>',
    );
  });

  it('grants agents their own request partitions only, gateways the converse', () => {
    const a = roleGrant({ subject: 'CN=a', role: 'agent', agentIds: ['a-1'] });
    expect(a.subscribe).toEqual([
      { topics: ['agent/request'], partitions: ['agent.a-1'] },
      { topics: ['gateway/status'], partitions: [''] },
    ]);
    expect(a.publish.flatMap((r) => r.topics)).not.toContain('agent/request');
    const g = roleGrant({ subject: 'CN=g', role: 'gateway' });
    expect(g.publish).toEqual([
      { topics: ['agent/request'], partitions: ['agent.*'] },
      { topics: ['gateway/status'], partitions: [''] },
    ]);
    // Only gateways announce themselves to each other.
    expect(a.publish.flatMap((r) => r.topics)).not.toContain('gateway/status');
    expect(() => roleGrant({ subject: 'CN=x', role: 'agent' })).toThrow(/agent id/);
  });
});
