import { DomainParticipant } from '@dds/transport';
import { FleetClient } from './fleet-client';
import { ProtocolError } from './protocol-error';

/** This file's DDS domain (fleet client in-process checks: 47). */
const DOMAIN = 47;

describe('FleetClient', () => {
  let pp: DomainParticipant;

  beforeAll(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });

  afterAll(() => pp.close());

  it('ready() on a closed client rejects with a closed ProtocolError', async () => {
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-closed' });
    client.close();
    const err = await client.ready('nobody', 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: 'closed' });
  });
});
