import { ManualClock } from '@dds/common';
import { BadGatewayError, ModelNotFoundError } from '@dds/openai-schema';
import { AgentRegistry } from '@dds/registry';
import { AgentSelector } from '@dds/selector';
import type { AgentChannel } from '../fleet/agent-channel';
import { AgentDispatcher } from './agent-dispatcher.service';
import { DispatchMetrics } from './dispatch.metrics';
import type { GatewayJob } from './gateway-job';

describe('AgentDispatcher.tryAssign', () => {
  const base = {
    models: ['m1'],
    specialization: 'text' as const,
    capabilities: ['streaming'],
    slots: 2,
    maxContextTokens: 4096,
    version: '1',
    hostname: 'h',
    transport: 'dds' as const,
  };
  let registry: AgentRegistry;
  let selector: AgentSelector;
  let dispatcher: AgentDispatcher;

  beforeEach(() => {
    registry = new AgentRegistry({ clock: new ManualClock() });
    for (const agentId of ['a', 'b', 'c']) registry.upsertRegistration({ ...base, agentId });
    selector = new AgentSelector({ strategy: 'round-robin' });
    // tryAssign only selects: no channel is ever used, so none is started.
    dispatcher = new AgentDispatcher(registry, selector, {} as AgentChannel, new DispatchMetrics());
  });
  afterEach(() => registry.close());

  // tryAssign reads only the job's model, selection and trace.
  const job = (model = 'm1') => ({ model, selection: { model } }) as unknown as GatewayJob;

  it('hands the registry array itself to the selector, with the exclusions beside it', () => {
    const select = jest.spyOn(selector, 'select');
    const exclude = new Set(['a', 'b']);
    for (let i = 0; i < 6; i++)
      expect(dispatcher.tryAssign(job(), exclude)).toEqual({ agentId: 'c' });
    expect(select).toHaveBeenCalledTimes(6);
    // The same array every time: the selector's identity-keyed caches survive the exclusions.
    for (const [request, candidates] of select.mock.calls) {
      expect(candidates).toBe(registry.byModel('m1'));
      expect(request.exclude).toBe(exclude);
    }
    select.mockRestore();
  });

  it('reports the agents as failed when every agent of the model is excluded', () => {
    expect(() => dispatcher.tryAssign(job(), new Set(['a', 'b', 'c']))).toThrow(BadGatewayError);
  });

  it('still reports an unknown model as such', () => {
    expect(() => dispatcher.tryAssign(job('nope'), new Set())).toThrow(ModelNotFoundError);
    expect(() => dispatcher.tryAssign(job('nope'), new Set(['a']))).toThrow(ModelNotFoundError);
  });

  it('waits when the agents left are busy', () => {
    registry.acquire('c');
    registry.acquire('c');
    expect(dispatcher.tryAssign(job(), new Set(['a', 'b']))).toBeUndefined();
  });
});
