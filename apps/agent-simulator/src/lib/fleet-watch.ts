import type { DomainParticipant, Reader } from '@dds/transport';
import {
  createProtocolTopics,
  FleetClient,
  FleetView,
  QOS,
  type AgentRequest,
  type AgentResponse,
  type AgentSnapshot,
  type FleetEvent,
  type ProtocolTopics,
} from '@dds/protocol';

/** One row of the watch table. */
export interface WatchRow {
  readonly agent: AgentSnapshot;
  /** Requests addressed to this agent that have not ended (final/error/cancel) yet. */
  readonly inFlight: number;
}

/**
 * Watches a domain: the fleet (through a {@link FleetClient}) and, with wildcard partitions
 * (`agent.*`, `gateway.*`), every request and response, to count requests in flight per agent.
 * A monitoring tool: unlike a gateway or agent it decodes everyone's traffic on purpose.
 */
export class FleetWatch {
  private readonly client: FleetClient;
  private readonly view: FleetView;
  private readonly topics: ProtocolTopics;
  private readonly requests: Reader<AgentRequest>;
  private readonly responses: Reader<AgentResponse>;
  /** request id -> agent id, for requests seen and not ended. */
  private readonly open = new Map<string, string>();
  private seen = 0;
  private readonly listeners = new Set<() => void>();
  readonly log: FleetEvent[] = [];

  constructor(participant: DomainParticipant) {
    this.client = new FleetClient({ participant, gatewayId: `watch-${process.pid}` });
    // First subscriber: it also gets what the client heard before anyone listened.
    this.view = new FleetView(this.client);
    this.topics = createProtocolTopics(participant);
    this.requests = participant
      .createSubscriber({ partitions: ['agent.*'] })
      .createReader(this.topics.request, QOS.request());
    this.responses = participant
      .createSubscriber({ partitions: ['gateway.*'] })
      .createReader(this.topics.response, QOS.response());
    this.client.events.subscribe((e) => {
      this.log.push(e);
      if (this.log.length > 20) this.log.shift();
      this.changed();
    });
    this.requests.on('data', () => {
      for (const s of this.requests.take()) {
        const id = s.data?.request_id ?? (s.key.request_id as string | undefined);
        if (id === undefined) continue;
        if (s.data && s.info.instanceState === 'alive' && !this.open.has(id)) {
          this.open.set(id, s.data.agent_id);
          this.seen++;
        } else if (s.info.instanceState === 'disposed') {
          this.open.delete(id);
        }
      }
      this.changed();
    });
    this.responses.on('data', () => {
      for (const s of this.responses.take()) {
        if (s.data && s.data.kind !== 'delta') this.open.delete(s.data.request_id);
      }
      this.changed();
    });
  }

  /** Calls `fn` after every change (events, requests, responses). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Requests seen since the watch started. */
  get requestsSeen(): number {
    return this.seen;
  }

  rows(): WatchRow[] {
    const perAgent = new Map<string, number>();
    for (const agentId of this.open.values())
      perAgent.set(agentId, (perAgent.get(agentId) ?? 0) + 1);
    return this.view
      .agents()
      .sort((a, b) => a.info.agentId.localeCompare(b.info.agentId))
      .map((agent) => ({ agent, inFlight: perAgent.get(agent.info.agentId) ?? 0 }));
  }

  close(): void {
    this.requests.close();
    this.responses.close();
    this.topics.close();
    this.view.close();
    this.client.close();
    this.listeners.clear();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

/** Renders the rows as a fixed-width text table. */
export function renderTable(rows: readonly WatchRow[], requestsSeen: number): string {
  const header = [
    'agent',
    'spec',
    'models',
    'state',
    'slots',
    'queue',
    'ema ms',
    'tok/s',
    'in flight',
    'http',
  ];
  const lines = rows.map(({ agent: { info, status }, inFlight }) => [
    info.agentId,
    info.specialization,
    info.models.join(','),
    status?.state ?? '?',
    status ? `${status.slotsBusy}/${status.slotsTotal}` : `?/${info.slots}`,
    String(status?.queueDepth ?? '?'),
    status ? status.emaLatencyMs.toFixed(1) : '?',
    status ? status.tokensPerSecond.toFixed(1) : '?',
    String(inFlight),
    info.httpEndpoint ?? '-',
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (l[i] as string).length)),
  );
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
    '',
    `${rows.length} agent(s), ${rows.reduce((n, r) => n + r.inFlight, 0)} request(s) in flight, ${requestsSeen} seen`,
  ].join('\n');
}
