import type { GatewayInfo } from '../connection/frames';
import { formatAgo, formatNumber } from '../data/format';

/** The gateways sharing this DDS domain, and their load. */
export function GatewaysPanel({
  gateways,
  now,
}: {
  readonly gateways: readonly GatewayInfo[];
  readonly now: number;
}) {
  return (
    <section class="panel" aria-labelledby="gateways-title">
      <header class="panel-head">
        <h2 id="gateways-title">Gateways on the domain</h2>
      </header>
      <ul class="gateways" aria-label="Gateways">
        {gateways.length === 0 && <li class="muted">No gateway reported yet.</li>}
        {gateways.map((g) => (
          <li key={g.id} data-gateway-id={g.id} class={g.self ? 'self' : undefined}>
            <div class="mono">
              {g.id}
              {g.self && <span class="tag">this gateway</span>}
            </div>
            <div class="muted">
              {g.hostname || '–'} · seen {formatAgo(Date.parse(g.last_seen), now)}
            </div>
            <dl>
              <dt>in flight</dt>
              <dd>{g.in_flight}</dd>
              <dt>queued</dt>
              <dd>{g.queued}</dd>
              <dt>req/s</dt>
              <dd>{formatNumber(g.requests_per_second)}</dd>
              <dt>agents</dt>
              <dd>{g.agents}</dd>
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}
