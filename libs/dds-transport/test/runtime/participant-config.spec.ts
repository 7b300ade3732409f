import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DdsError, DomainParticipant } from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 19;
const LOOPBACK_XML = readFileSync(
  join(__dirname, '..', '..', '..', '..', 'tools', 'dds', 'cyclonedds-loopback.xml'),
  'utf8',
);

describe('participant with an explicit CycloneDDS configuration (domain 19)', () => {
  it('creates its domain from XML text, talks to others in it, and refuses a second config', async () => {
    const configured = new DomainParticipant({ domainId: DOMAIN, config: LOOPBACK_XML });
    const plain = new DomainParticipant({ domainId: DOMAIN });
    try {
      expect(() => new DomainParticipant({ domainId: DOMAIN, config: LOOPBACK_XML })).toThrow(
        expect.objectContaining({
          codeName: 'DDS_RETCODE_PRECONDITION_NOT_MET',
        }) as unknown as Error,
      );
      expect(() => new DomainParticipant({ domainId: DOMAIN, config: LOOPBACK_XML })).toThrow(
        DdsError,
      );
      const name = uniqueTopic('cfg/topic');
      const reader = plain.createReader(plain.createTopic(name, KeylessType), {
        reliability: { kind: 'reliable' },
      });
      const writer = configured.createWriter(configured.createTopic(name, KeylessType));
      writer.write({ seq: 1, text: 'configured' });
      const [s] = await takeN(reader, 1);
      expect(s.data?.text).toBe('configured');
      // Closing the configured participant keeps the domain for the plain one that still uses it.
      configured.close();
      const writer2 = plain.createWriter(plain.createTopic(name, KeylessType));
      writer2.write({ seq: 2, text: 'still here' });
      const [s2] = await takeN(reader, 1);
      expect(s2.data?.text).toBe('still here');
    } finally {
      configured.close();
      plain.close();
    }
  });
});
