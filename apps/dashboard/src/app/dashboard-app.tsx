import { useEffect, useMemo, useState } from 'preact/hooks';
import { GatewayConnection, type ConnectionState } from '../connection/gateway-connection';
import { DashboardStore } from '../data/dashboard-store';
import { formatNumber } from '../data/format';
import { FleetTable } from './fleet-table';
import { GatewaysPanel } from './gateways-panel';
import { KeyForm } from './key-form';
import { RecentRequests } from './recent-requests';
import { TimeChart } from './time-chart';

/** Where the API key lives: this tab only, gone when it closes. */
const KEY_STORAGE = 'dds-llm.dashboard.api-key';
const RANGES_MIN = [5, 10, 15] as const;
const STATUS_COLORS = {
  ok: '#4ade80',
  'client error': '#facc15',
  'server error': '#f87171',
  cancelled: '#94a3b8',
};

function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
}

function connectionText(state: ConnectionState): string {
  switch (state.kind) {
    case 'connecting':
      return 'connecting…';
    case 'open':
      return 'live';
    case 'unauthorized':
      return 'API key needed';
    case 'retrying':
      return `${state.message}: retrying in ${Math.round(state.inMs / 1000)} s`;
    case 'stopped':
      return 'stopped';
  }
}

/** The dashboard: one connection, one store, re-rendered at most once per animation frame. */
export function DashboardApp() {
  const store = useMemo(() => new DashboardStore(), []);
  const [, setVersion] = useState(0);
  const [connection, setConnection] = useState<ConnectionState>({ kind: 'connecting' });
  const [apiKey, setApiKey] = useState<string | undefined>(storedKey);
  const [now, setNow] = useState(Date.now());
  const [rangeMin, setRangeMin] = useState<number>(5);
  const [model, setModel] = useState('');

  useEffect(() => {
    let frame = 0;
    const link = new GatewayConnection({
      baseUrl: location.origin,
      ...(apiKey ? { apiKey } : {}),
      onFrame: (f) => {
        if (store.handle(f) && !frame) {
          frame = requestAnimationFrame(() => {
            frame = 0;
            setVersion(store.version);
          });
        }
      },
      onState: setConnection,
    });
    link.start();
    return () => {
      cancelAnimationFrame(frame);
      link.stop();
    };
  }, [apiKey, store]);

  useEffect(() => {
    // Heartbeat ages, the charts' scrolling x range and leave animations move with the clock.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const changeKey = (key: string | undefined) => {
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage disabled: the key lasts as long as the page.
    }
    setApiKey(key);
  };

  const since = now - rangeMin * 60_000;
  const rows = store.fleet.rows(now, model);
  const health = store.fleet.countByHealth();
  const agents = Object.values(health).reduce((a, b) => a + b, 0);
  const rate = store.metrics.requestRate(now - 5000);
  const lastRates = rate.series.map(
    (s) => s.values.reduce<number>((a, v) => a + (v ?? 0), 0) / Math.max(1, s.values.length),
  );
  const reqPerSecond = lastRates.reduce((a, b) => a + b, 0);
  const from = since / 1000;
  const to = now / 1000;

  return (
    <div class="dashboard">
      <header class="top">
        <h1>
          dds-llm <span class="muted">fleet</span>
        </h1>
        <span class="muted mono">{store.gatewayId ?? ''}</span>
        <span class={`conn conn-${connection.kind}`} data-connection={connection.kind}>
          {connectionText(connection)}
        </span>
        {apiKey && (
          <button type="button" class="link" onClick={() => changeKey(undefined)}>
            forget key
          </button>
        )}
      </header>

      {connection.kind === 'unauthorized' ? (
        <KeyForm message={connection.message} onKey={(k) => changeKey(k)} />
      ) : (
        <>
          <section class="tiles" aria-label="Summary">
            <div class="tile">
              <span class="figure">
                {health['healthy'] ?? 0}
                <span class="muted">/{agents}</span>
              </span>
              agents healthy
            </div>
            <div class="tile">
              <span class="figure">{store.inFlight}</span>in flight
            </div>
            <div class="tile">
              <span class="figure">{store.queued}</span>queued
            </div>
            <div class="tile">
              <span class="figure">{formatNumber(reqPerSecond)}</span>requests/s
            </div>
            <div class="tile">
              <span class="figure">{store.gateways.length || 1}</span>gateways
            </div>
          </section>

          <FleetTable
            rows={rows}
            models={store.fleet.models()}
            model={model}
            onModel={setModel}
            now={now}
          />

          <section class="panel" aria-labelledby="charts-title">
            <header class="panel-head">
              <h2 id="charts-title">Last {rangeMin} minutes</h2>
              <div class="range" role="group" aria-label="Chart range">
                {RANGES_MIN.map((m) => (
                  <button
                    key={m}
                    type="button"
                    class={m === rangeMin ? 'on' : undefined}
                    aria-pressed={m === rangeMin}
                    onClick={() => setRangeMin(m)}
                  >
                    {m} min
                  </button>
                ))}
              </div>
            </header>
            <div class="charts">
              <TimeChart
                name="request-rate"
                title="Requests/s by status"
                data={store.metrics.requestRate(since)}
                colors={STATUS_COLORS}
                from={from}
                to={to}
              />
              <TimeChart
                name="ttft"
                title="Time to first token (ms)"
                data={store.metrics.ttft(since)}
                from={from}
                to={to}
              />
              <TimeChart
                name="inter-token"
                title="Inter-token latency (ms)"
                data={store.metrics.interToken(since)}
                from={from}
                to={to}
              />
              <TimeChart
                name="queue-depth"
                title="Queue depth by priority"
                data={store.metrics.queueDepth(since)}
                from={from}
                to={to}
              />
              <TimeChart
                name="in-flight"
                title="In flight per agent"
                data={store.metrics.inFlightByAgent(since)}
                from={from}
                to={to}
              />
            </div>
          </section>

          <div class="columns">
            <RecentRequests requests={store.requests.list()} />
            <GatewaysPanel gateways={store.gateways} now={now} />
          </div>
        </>
      )}
    </div>
  );
}
