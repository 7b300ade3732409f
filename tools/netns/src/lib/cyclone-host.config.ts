/** Options of {@link cycloneHostConfig}. */
export interface CycloneHostConfigOptions {
  /** The interface DDS uses (default `eth0`, the rig's). */
  readonly interface?: string;
  /**
   * `multicast`: SPDP by multicast on the network (CycloneDDS's default). `unicast`: multicast
   * off, discovery by unicast to `peers` (the Docker/cloud case).
   */
  readonly discovery: 'multicast' | 'unicast';
  /** Peer addresses for `unicast` discovery (this host's own may be listed too). */
  readonly peers?: readonly string[];
  /** Participant indices probed on each peer (unicast): processes per host and domain. */
  readonly maxParticipantIndex?: number;
  /** SPDP interval, ms (default Cyclone's 30 s; shorter finds a healed peer sooner). */
  readonly spdpIntervalMs?: number;
  /**
   * Participant lease, ms (Cyclone's default 10 s). A partition shorter than it leaves the
   * participants matched, and a transient-local registration whose writer only lost liveliness
   * is not delivered again when the link heals; keep it at `agents.timeout`.
   */
  readonly leaseDurationMs?: number;
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A CycloneDDS XML configuration for one host of a multi-host network. */
export function cycloneHostConfig(o: CycloneHostConfigOptions): string {
  const iface = esc(o.interface ?? 'eth0');
  const unicast = o.discovery === 'unicast';
  const peerList = o.peers ?? [];
  if (unicast && !peerList.length) throw new TypeError('unicast discovery needs peers');
  const peers = unicast
    ? `
      <Peers>
${peerList.map((p) => `        <Peer address="${esc(p)}" />`).join('\n')}
      </Peers>`
    : '';
  const index = unicast
    ? `
      <ParticipantIndex>auto</ParticipantIndex>
      <MaxAutoParticipantIndex>${o.maxParticipantIndex ?? 9}</MaxAutoParticipantIndex>`
    : '';
  const spdp =
    (o.leaseDurationMs ? `\n      <LeaseDuration>${o.leaseDurationMs}ms</LeaseDuration>` : '') +
    (o.spdpIntervalMs ? `\n      <SPDPInterval>${o.spdpIntervalMs}ms</SPDPInterval>` : '');
  return `<?xml version="1.0" encoding="UTF-8"?>
<CycloneDDS xmlns="https://cdds.io/config">
  <Domain Id="any">
    <General>
      <Interfaces>
        <NetworkInterface name="${iface}" />
      </Interfaces>
      <AllowMulticast>${unicast ? 'false' : 'true'}</AllowMulticast>
    </General>
    <Discovery>${index}${peers}${spdp}
    </Discovery>
  </Domain>
</CycloneDDS>
`;
}
