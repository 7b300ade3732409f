import { Controller, Get, Inject, Param } from '@nestjs/common';
import { NotFoundError } from '@dds/openai-schema';
import type { AgentRegistry, AgentView } from '@dds/registry';
import type { BreakerInfo, Scheduler } from '@dds/scheduler';
import { AGENT_REGISTRY, REQUEST_SCHEDULER } from '../app/core.tokens';

/** An agent's circuit breaker as the listing shows it. */
export interface BreakerListing {
  state: 'closed' | 'open' | 'half_open';
  /** Consecutive agent faults counted towards opening it (while closed). */
  failures: number;
  /** When it last opened (ISO time), while open or half-open. */
  opened_at: string | null;
}

/** One agent in the fleet listing (the seed's fields, snake_case like the rest of the API). */
export interface AgentListing {
  id: string;
  agent_id: string;
  specialization: string;
  model: string;
  models: string[];
  status: string;
  health: string;
  health_reason: string;
  state: string;
  capabilities: string[];
  slots: number;
  slots_busy: number;
  in_flight: number;
  queue_depth: number;
  load: number;
  latency_ms: number;
  tokens_per_second: number;
  max_context_tokens: number;
  transport: string;
  http_endpoint: string | null;
  version: string;
  hostname: string;
  last_seen: string;
  /** This gateway's breaker for the agent (REST listings). */
  breaker?: BreakerListing;
}

/** Wall-clock ISO time of a `performance.now()` timestamp. */
function wallTime(monotonicMs: number): string {
  return new Date(Date.now() - Math.max(0, performance.now() - monotonicMs)).toISOString();
}

/** Renders a registry view for the API (wall-clock `last_seen`). */
export function agentListing(a: AgentView): AgentListing {
  return {
    id: a.id,
    agent_id: a.id,
    specialization: a.specialization,
    model: a.models[0] ?? '',
    models: [...a.models],
    status: a.health === 'healthy' ? a.state : a.health,
    health: a.health,
    health_reason: a.healthReason,
    state: a.state,
    capabilities: [...a.capabilities],
    slots: a.slotsTotal,
    slots_busy: a.slotsTotal - a.freeSlots,
    in_flight: a.inFlight,
    queue_depth: a.queueDepth,
    load: Math.round(a.load * 1000) / 1000,
    latency_ms: Math.round(a.emaLatencyMs * 100) / 100,
    tokens_per_second: a.tokensPerSecond,
    max_context_tokens: a.maxContextTokens,
    transport: a.transport,
    http_endpoint: a.httpEndpoint ?? null,
    version: a.version,
    hostname: a.hostname,
    last_seen: wallTime(a.lastSeen),
  };
}

/**
 * The listing with the agent's breaker: an agent whose breaker is not closed gets no new work
 * however healthy its heartbeats, so its `status` says `breaker-open` / `breaker-half-open`.
 */
export function agentListingWithBreaker(a: AgentView, b: BreakerInfo): AgentListing {
  const listing = agentListing(a);
  const state = b.state === 'half-open' ? 'half_open' : b.state;
  listing.breaker = {
    state,
    failures: b.failures,
    opened_at: b.openedAt === undefined ? null : wallTime(b.openedAt),
  };
  if (b.state !== 'closed' && listing.status !== 'offline') listing.status = `breaker-${b.state}`;
  return listing;
}

/** `GET /api/v1/agents` and `/api/v1/agents/{id}`: the fleet as this gateway sees it. */
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<unknown, unknown>,
  ) {}

  @Get()
  list(): { object: 'list'; data: AgentListing[] } {
    return { object: 'list', data: this.registry.list().map((a) => this.listing(a)) };
  }

  @Get(':id')
  get(@Param('id') id: string): AgentListing {
    const agent = this.registry.get(id);
    if (!agent) throw new NotFoundError(`No agent with id '${id}'.`);
    return this.listing(agent);
  }

  private listing(a: AgentView): AgentListing {
    return agentListingWithBreaker(a, this.scheduler.breakerInfo(a.id));
  }
}
