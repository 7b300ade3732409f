import { ConfigError, loadConfig, pinoLevel } from './config.loader';

const files = (map: Record<string, string>) => (path: string) => {
  if (!(path in map)) throw new Error(`ENOENT: no such file ${path}`);
  return map[path];
};

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it("defaults to the seed's values", () => {
    const { config } = loadConfig({ env: {} });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.dds).toMatchObject({ domain: 0, participant_name: 'orchestrator' });
    expect(config.agents).toMatchObject({ heartbeat_interval: 5, timeout: 30, http: [] });
    expect(config.scheduler).toMatchObject({ max_queue_size: 100, priority_levels: 3 });
    expect(config.logging.level).toBe('info');
  });

  it('applies precedence flags > env > file > defaults, key by key', () => {
    const yaml = [
      'server:',
      '  host: 127.0.0.2',
      '  port: 7000',
      'dds:',
      '  domain: 3',
      '  participant_name: from-file',
      'scheduler:',
      '  max_queue_size: 50',
    ].join('\n');
    const { config, sources } = loadConfig({
      flags: { config: 'gw.yaml', port: '9000' },
      env: { PORT: '7500', DDS_LLM_DDS_DOMAIN: '4', DDS_LLM_SCHEDULER_PRIORITY_LEVELS: '5' },
      readFile: files({ 'gw.yaml': yaml }),
    });
    expect(config.server.port).toBe(9000); // flag beats env and file
    expect(config.dds.domain).toBe(4); // env beats file
    expect(config.scheduler.priority_levels).toBe(5); // env beats default
    expect(config.server.host).toBe('127.0.0.2'); // file beats default
    expect(config.dds.participant_name).toBe('from-file');
    expect(config.scheduler.max_queue_size).toBe(50);
    expect(config.agents.timeout).toBe(30); // default
    expect(sources['server.port']).toEqual({ source: 'flag', origin: 'flag --port' });
    expect(sources['dds.domain']).toEqual({ source: 'env', origin: 'env DDS_LLM_DDS_DOMAIN' });
  });

  it('honours PORT, and the canonical env name over the alias', () => {
    expect(loadConfig({ env: { PORT: '8181' } }).config.server.port).toBe(8181);
    expect(
      loadConfig({ env: { PORT: '8181', DDS_LLM_SERVER_PORT: '8282' } }).config.server.port,
    ).toBe(8282);
  });

  it('reads the config file named by DDS_LLM_CONFIG when no flag names one', () => {
    const { config, configFile } = loadConfig({
      env: { DDS_LLM_CONFIG: 'a.yaml' },
      readFile: files({ 'a.yaml': 'agents:\n  heartbeat_interval: 1\n  timeout: 3\n' }),
    });
    expect(configFile).toBe('a.yaml');
    expect(config.agents).toMatchObject({ heartbeat_interval: 1, timeout: 3 });
  });

  it('reads lists from comma-separated env values and HTTP agents with defaults', () => {
    const yaml = [
      'agents:',
      '  http:',
      '    - id: http-1',
      '      url: http://127.0.0.1:9999/v1',
      '      model: llama',
    ].join('\n');
    const { config } = loadConfig({
      flags: { config: 'c.yaml' },
      env: { DDS_LLM_API_KEYS: 'key-aaaaaaaa, key-bbbbbbbb', DDS_LLM_SERVER_CORS_ORIGINS: '*' },
      readFile: files({ 'c.yaml': yaml }),
    });
    expect(config.server.api_keys).toEqual(['key-aaaaaaaa', 'key-bbbbbbbb']);
    expect(config.server.cors_origins).toEqual(['*']);
    expect(config.agents.http).toEqual([
      expect.objectContaining({
        id: 'http-1',
        url: 'http://127.0.0.1:9999/v1',
        models: ['llama'],
        specialization: 'text',
        slots: 8,
      }),
    ]);
  });

  it('names the bad key, the bad value and where it came from', () => {
    expect(issuesOf(() => loadConfig({ flags: { port: 'eighty' }, env: {} }))).toEqual([
      expect.stringMatching(/^server\.port: .*got "eighty" \(from flag --port\)$/),
    ]);
    expect(issuesOf(() => loadConfig({ env: { DDS_LLM_DDS_DOMAIN: '999' } }))).toEqual([
      expect.stringMatching(/^dds\.domain: .*232.*got 999 \(from env DDS_LLM_DDS_DOMAIN\)$/),
    ]);
    expect(issuesOf(() => loadConfig({ flags: { logLevel: 'LOUD' }, env: {} }))).toEqual([
      expect.stringMatching(/^logging\.level: level must be one of/),
    ]);
  });

  it('rejects unknown keys and sections in the file (typos must not pass silently)', () => {
    const issues = issuesOf(() =>
      loadConfig({
        flags: { config: 'c.yaml' },
        env: {},
        readFile: files({ 'c.yaml': 'server:\n  prot: 1\nsevrer:\n  port: 2\n' }),
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'sevrer: unknown section (from c.yaml)',
        expect.stringMatching(/^server\.prot: unknown key/),
      ]),
    );
  });

  it('reports an unreadable or malformed file', () => {
    expect(
      issuesOf(() =>
        loadConfig({ flags: { config: 'missing.yaml' }, env: {}, readFile: files({}) }),
      ),
    ).toEqual([expect.stringMatching(/^config file missing\.yaml: cannot be read/)]);
    expect(
      issuesOf(() =>
        loadConfig({
          flags: { config: 'b.yaml' },
          env: {},
          readFile: files({ 'b.yaml': 'server: [1' }),
        }),
      ),
    ).toEqual([expect.stringMatching(/^config file b\.yaml: not valid YAML/)]);
    expect(
      issuesOf(() =>
        loadConfig({
          flags: { config: 'b.yaml' },
          env: {},
          readFile: files({ 'b.yaml': '- 1\n- 2\n' }),
        }),
      ),
    ).toEqual(['config file b.yaml: must be a mapping of sections']);
  });

  it('checks HTTP agents field by field and rejects duplicates', () => {
    const yaml = [
      'agents:',
      '  http:',
      '    - { id: a, url: "not a url", models: [m] }',
      '    - { id: b, url: "http://127.0.0.1:1/v1", models: [m], slots: 0 }',
      '    - { id: b, url: "http://127.0.0.1:1/v1", models: [m] }',
    ].join('\n');
    const issues = issuesOf(() =>
      loadConfig({ flags: { config: 'c.yaml' }, env: {}, readFile: files({ 'c.yaml': yaml }) }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^agents\.http\.0\.url: /),
        expect.stringMatching(/^agents\.http\.1\.slots: /),
        'agents.http: duplicate agent id "b"',
      ]),
    );
  });

  it('bounds what an HTTP agent announces like the registry does (model names, capabilities)', () => {
    const yaml = [
      'agents:',
      '  http:',
      `    - { id: a, url: "http://127.0.0.1:1/v1", models: [${'x'.repeat(257)}] }`,
      `    - { id: b, url: "http://127.0.0.1:1/v1", models: [m], capabilities: [${Array.from({ length: 65 }, (_, i) => `c${i}`).join(', ')}] }`,
    ].join('\n');
    const issues = issuesOf(() =>
      loadConfig({ flags: { config: 'c.yaml' }, env: {}, readFile: files({ 'c.yaml': yaml }) }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^agents\.http\.0\.models: /),
        expect.stringMatching(/^agents\.http\.1\.capabilities: /),
      ]),
    );
  });

  it('requires the agent timeout to exceed the heartbeat interval', () => {
    expect(
      issuesOf(() =>
        loadConfig({
          env: { DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '10', DDS_LLM_AGENTS_TIMEOUT: '5' },
        }),
      ),
    ).toEqual([expect.stringMatching(/^agents\.timeout: must be greater than/)]);
  });

  it('refuses numbers written in other bases or blank', () => {
    expect(issuesOf(() => loadConfig({ env: { PORT: '0x1F90' } }))[0]).toMatch(/^server\.port:/);
    expect(issuesOf(() => loadConfig({ env: { PORT: '' } }))[0]).toMatch(/^server\.port:/);
  });
});

describe('pinoLevel', () => {
  it("maps the seed's Python level names", () => {
    expect(pinoLevel('INFO')).toBe('info');
    expect(pinoLevel('WARNING')).toBe('warn');
    expect(pinoLevel('CRITICAL')).toBe('fatal');
    expect(pinoLevel('debug')).toBe('debug');
  });
});

describe('dds_security', () => {
  it('is off by default and checks every file at boot when on, naming the key', () => {
    expect(loadConfig({ env: {} }).config.dds_security.enabled).toBe(false);
    const env = {
      DDS_LLM_DDS_SECURITY_ENABLED: 'true',
      DDS_LLM_DDS_SECURITY_IDENTITY_CA: '/nonexistent/identity_ca.pem',
    };
    let issues: readonly string[] = [];
    try {
      loadConfig({ env });
    } catch (e) {
      issues = (e as ConfigError).issues;
    }
    expect(issues).toEqual([
      'dds_security.identity_ca: cannot read /nonexistent/identity_ca.pem (ENOENT) (from env DDS_LLM_DDS_SECURITY_IDENTITY_CA)',
    ]);
  });
});
