import { registryOptionsFromConfig } from './agent.registry';

describe('registryOptionsFromConfig', () => {
  it.each([
    [
      { heartbeat_interval: 5, timeout: 30 },
      { heartbeatIntervalMs: 5_000, timeoutMs: 30_000 },
    ],
    [{ timeout: 2.5 }, { timeoutMs: 2_500 }],
    [{}, {}],
  ])('maps %j (seconds) to %j', (config, expected) => {
    expect(registryOptionsFromConfig(config)).toEqual(expected);
  });
});
