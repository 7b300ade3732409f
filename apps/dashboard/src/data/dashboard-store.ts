import type { GatewayInfo, ServerFrame } from '../connection/frames';
import { FleetState } from './fleet-state';
import { MetricsHistory } from './metrics-history';
import { RequestLog } from './request-log';

/** Everything the page shows, fed by the gateway's frames. Plain state; the view re-renders on `version`. */
export class DashboardStore {
  readonly fleet = new FleetState();
  readonly metrics = new MetricsHistory();
  readonly requests = new RequestLog(100);
  gateways: readonly GatewayInfo[] = [];
  /** The id of the gateway the page is connected to (from the `metrics` channel). */
  gatewayId: string | undefined;
  /** Latest gateway-wide figures. */
  inFlight = 0;
  queued = 0;
  /** Bumped on every change. */
  version = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Applies one frame; returns whether anything changed. */
  handle(frame: ServerFrame): boolean {
    const now = this.now();
    switch (frame.type) {
      case 'subscribed':
        switch (frame.channel) {
          case 'agents':
            this.fleet.reset(frame.agents ?? [], now);
            break;
          case 'metrics':
            this.gatewayId = frame.gateway_id;
            break;
          case 'requests':
            this.requests.reset(frame.requests ?? []);
            break;
          case 'gateways':
            this.gateways = frame.gateways ?? [];
            break;
          default:
            return false;
        }
        break;
      case 'agents':
        if (!frame.agent || typeof frame.agent.id !== 'string') return false;
        this.fleet.apply(frame.event, frame.agent, now);
        break;
      case 'metrics':
        if (!this.metrics.add(frame)) return false;
        this.gatewayId = frame.gateway_id;
        this.fleet.applyLoad(frame.agents ?? []);
        this.inFlight = frame.in_flight;
        this.queued = (frame.queue_depth ?? []).reduce((a, b) => a + b, 0);
        break;
      case 'request':
        if (!frame.request || typeof frame.request.id !== 'string') return false;
        this.requests.add(frame.request);
        break;
      case 'gateways':
        this.gateways = frame.gateways ?? [];
        break;
      default:
        return false;
    }
    this.version++;
    return true;
  }
}
