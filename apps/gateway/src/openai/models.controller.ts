import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ModelNotFoundError, type Model, type ModelList } from '@dds/openai-schema';
import type { AgentRegistry } from '@dds/registry';
import { AGENT_REGISTRY } from '../app/core.tokens';

/** `GET /api/v1/models` and `/models/{id}`: the models the live fleet serves. */
@Controller(['api/v1', 'v1'])
export class ModelsController {
  constructor(@Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry) {}

  @Get('models')
  list(): ModelList {
    return this.live();
  }

  @Get('models/:id')
  get(@Param('id') id: string): Model {
    const found = this.live().data.find((m) => m.id === id);
    if (!found) throw new ModelNotFoundError(id);
    return found;
  }

  /** Models with at least one agent that is not offline. */
  private live(): ModelList {
    const all = this.registry.models();
    const data = all.data.filter((m) =>
      this.registry.byModel(m.id).some((a) => a.health !== 'offline'),
    );
    return { object: 'list', data: data.map((m) => ({ ...m })) };
  }
}
