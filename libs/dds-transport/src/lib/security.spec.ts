import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DdsSecurityError, securityOptionsFromConfig, securityProperties } from './security';

describe('DDS Security options', () => {
  let dir: string;
  const cert = '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n';
  const signed = 'MIME-Version: 1.0\nContent-Type: application/x-pkcs7-signature\n';
  const files = () => ({
    identityCa: join(dir, 'ca.pem'),
    identityCertificate: join(dir, 'cert.pem'),
    privateKey: join(dir, 'key.pem'),
    permissionsCa: join(dir, 'pca.pem'),
    governance: join(dir, 'gov.p7s'),
    permissions: join(dir, 'perm.p7s'),
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sec-opts-'));
    for (const f of ['ca.pem', 'cert.pem', 'pca.pem']) writeFileSync(join(dir, f), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    for (const f of ['gov.p7s', 'perm.p7s']) writeFileSync(join(dir, f), signed);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps the files onto the dds.sec.* properties of the built-in plugins', () => {
    const p = securityProperties(files());
    expect(p['dds.sec.auth.identity_certificate']).toBe(`file:${join(dir, 'cert.pem')}`);
    expect(p['dds.sec.access.governance']).toBe(`file:${join(dir, 'gov.p7s')}`);
    expect(p['dds.sec.crypto.library.init']).toBe('init_crypto');
    expect(p['dds.sec.auth.library.path']).toMatch(/dds_security_auth/);
  });

  it('names a missing, unreadable or wrong file', () => {
    rmSync(join(dir, 'key.pem'));
    expect(() => securityProperties(files())).toThrow(
      expect.objectContaining({ option: 'privateKey', reason: 'missing' }) as unknown as Error,
    );
    writeFileSync(join(dir, 'key.pem'), cert);
    expect(() => securityProperties(files())).toThrow(/privateKey: .* is not an unencrypted PEM/);
    expect(() => securityProperties({ ...files(), governance: dir })).toThrow(DdsSecurityError);
  });

  it('reads snake_case config sections and reports errors by their key', () => {
    const f = files();
    const section = {
      enabled: true,
      identity_ca: f.identityCa,
      identity_certificate: f.identityCertificate,
      private_key: f.privateKey,
      permissions_ca: f.permissionsCa,
      governance: f.governance,
      permissions: join(dir, 'nope.p7s'),
    };
    expect(() => securityOptionsFromConfig(section, 'dds_security')).toThrow(
      /^dds_security\.permissions: cannot read/,
    );
    expect(securityOptionsFromConfig({ ...section, permissions: f.permissions }).permissions).toBe(
      f.permissions,
    );
    expect(() => securityOptionsFromConfig({ ...section, typo: 'x' })).toThrow(
      'dds.security.typo: unknown key',
    );
  });
});
