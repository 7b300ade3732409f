import { cycloneHostConfig } from './cyclone-host.config';

describe('cycloneHostConfig', () => {
  it('multicast: interface, multicast on, no peers', () => {
    const x = cycloneHostConfig({ discovery: 'multicast', leaseDurationMs: 1000 });
    expect(x).toContain('<NetworkInterface name="eth0" />');
    expect(x).toContain('<AllowMulticast>true</AllowMulticast>');
    expect(x).toContain('<LeaseDuration>1000ms</LeaseDuration>');
    expect(x).not.toContain('<Peers>');
  });
  it('unicast: multicast off, every peer listed, needs peers', () => {
    const x = cycloneHostConfig({ discovery: 'unicast', peers: ['198.18.0.1', '198.18.0.2'] });
    expect(x).toContain('<AllowMulticast>false</AllowMulticast>');
    expect(x).toContain('<Peer address="198.18.0.2" />');
    expect(() => cycloneHostConfig({ discovery: 'unicast' })).toThrow(
      'unicast discovery needs peers',
    );
  });
});
