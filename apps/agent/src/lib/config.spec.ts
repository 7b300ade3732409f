import { CommanderError } from 'commander';
import { AgentConfigError, resolveConfig } from './config';

function fromYaml(yaml: string, argv: string[] = []) {
  return resolveConfig(['--config', 'agent.yaml', ...argv], {}, () => yaml);
}

describe('resolveConfig', () => {
  it('builds one llama agent from flags, with the seed keys in seconds', () => {
    const c = resolveConfig(
      [
        '--engine',
        'llama',
        '--model',
        'm.gguf',
        '--id',
        'a1',
        '--slots',
        '2',
        '--threads',
        '1',
        '--dds-domain',
        '7',
        '--heartbeat-interval',
        '0.5',
        '--timeout',
        '3',
        '--http-port',
        '0',
      ],
      {},
    );
    expect(c).toMatchObject({
      domainId: 7,
      heartbeatMs: 500,
      leaseMs: 3000,
      http: { host: '127.0.0.1', port: 0 },
      agents: [
        {
          engine: 'llama',
          id: 'a1',
          model: 'm.gguf',
          slots: 2,
          threads: 1,
          embedding: false,
          gpu: false,
        },
      ],
    });
  });

  it('reads agents.list, agents.heartbeat_interval and agents.timeout from YAML', () => {
    const c = fromYaml(`
dds: { domain: 3 }
agents:
  heartbeat_interval: 1
  timeout: 10
  list:
    - { engine: llama, id: l1, model: a.gguf, embedding: true }
    - { engine: openai, id: o1, upstream: "http://127.0.0.1:8080", api_key: k }
`);
    expect(c.domainId).toBe(3);
    expect(c.heartbeatMs).toBe(1000);
    expect(c.leaseMs).toBe(10_000);
    expect(c.http).toBeUndefined();
    expect(c.agents).toEqual([
      expect.objectContaining({ engine: 'llama', id: 'l1', embedding: true }),
      {
        engine: 'openai',
        id: 'o1',
        upstream: 'http://127.0.0.1:8080',
        apiKey: 'k',
        embedding: false,
      },
    ]);
  });

  it('takes the upstream key from DDS_LLM_UPSTREAM_API_KEY', () => {
    const c = resolveConfig(['--engine', 'openai', '--upstream', 'http://h:1'], {
      DDS_LLM_UPSTREAM_API_KEY: 'secret',
    });
    expect(c.agents[0]).toMatchObject({ apiKey: 'secret' });
  });

  it.each([
    [
      'agents:\n  list:\n    - { engine: llama, model: a.gguf, slots: 0 }',
      'agents.list[0].slots must be an integer >= 1',
    ],
    [
      'agents:\n  list:\n    - { engine: llama }',
      'agents.list[0].model (the GGUF file) is required',
    ],
    ['agents:\n  list:\n    - { engine: vllm }', 'agents.list[0].engine must be llama or openai'],
    [
      'agents:\n  list:\n    - { engine: openai, upstream: "ftp://x" }',
      'agents.list[0].upstream must be an http(s) URL',
    ],
    [
      'agents:\n  list:\n    - { engine: openai, upstream: "http://x", threads: 2 }',
      'agents.list[0].threads is for engine llama only',
    ],
    ['agents:\n  hearbeat_interval: 1\n  list: []', 'agents.hearbeat_interval is not a known key'],
    [
      'agents:\n  heartbeat_interval: -1\n  list:\n    - { engine: llama, model: a }',
      'agents.heartbeat_interval must be a number of seconds > 0',
    ],
    [
      'agents:\n  heartbeat_interval: 5\n  timeout: 2\n  list:\n    - { engine: llama, model: a }',
      'agents.timeout (2 s) must be longer than',
    ],
    [
      'agents:\n  list:\n    - { engine: llama, model: a, id: x }\n    - { engine: llama, model: b, id: x }',
      'agents.list[1].id x is used twice',
    ],
    [
      'dds: { domain: 900 }\nagents:\n  list:\n    - { engine: llama, model: a }',
      'dds.domain must be <= 232',
    ],
    [
      'logging: { level: loud }\nagents:\n  list:\n    - { engine: llama, model: a }',
      'logging.level must be one of',
    ],
    ['[1, 2]', 'must be a mapping'],
    ['a: [', 'is not valid YAML'],
  ])('fails fast naming the key: %j', (yaml, message) => {
    expect(() => fromYaml(yaml)).toThrow(AgentConfigError);
    expect(() => fromYaml(yaml)).toThrow(message);
  });

  it('names the flag, not the YAML key, for a bad flag-defined agent', () => {
    expect(() => resolveConfig(['--engine', 'openai'], {})).toThrow(
      '--upstream is required for engine openai',
    );
    expect(() => resolveConfig(['--engine', 'llama', '--upstream', 'http://x'], {})).toThrow(
      '--upstream is for engine openai only',
    );
  });

  it('says what to serve when nothing is configured', () => {
    expect(() => resolveConfig([], {})).toThrow('nothing to serve');
  });

  it('refuses a malformed flag value through commander', () => {
    expect(() =>
      resolveConfig(['--engine', 'llama', '--model', 'a', '--slots', 'two'], {}),
    ).toThrow(CommanderError);
  });

  it('lets flags win over the file', () => {
    const c = fromYaml('dds: { domain: 3 }\nagents:\n  list:\n    - { engine: llama, model: a }', [
      '--dds-domain',
      '9',
    ]);
    expect(c.domainId).toBe(9);
  });
});
