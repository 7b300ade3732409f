import { Controller, Get, Inject, Param } from '@nestjs/common';
import { NotFoundError } from '@dds/openai-schema';
import type { AgentRegistry, AgentView } from '@dds/registry';
import { AGENT_REGISTRY } from '../registry/registry.constants';

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
}

/** Renders a registry view for the API (wall-clock `last_seen`). */
export function agentListing(a: AgentView): AgentListing {
  const lastSeenWall = Date.now() - Math.max(0, performance.now() - a.lastSeen);
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
    last_seen: new Date(lastSeenWall).toISOString(),
  };
}

/** `GET /api/v1/agents` and `/api/v1/agents/{id}`: the fleet as this gateway sees it. */
@Controller('api/v1/agents')
export class AgentsController {
  constructor(@Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry) {}

  @Get()
  list(): { object: 'list'; data: AgentListing[] } {
    return { object: 'list', data: this.registry.list().map(agentListing) };
  }

  @Get(':id')
  get(@Param('id') id: string): AgentListing {
    const agent = this.registry.get(id);
    if (!agent) throw new NotFoundError(`No agent with id '${id}'.`);
    return agentListing(agent);
  }
}
