import { DEFAULT_FLEET, FleetConfigError, parseFleetConfig, zeroThinkTime } from './fleet-config';
import { resolveSettings } from './cli';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('fleet configuration', () => {
  it('has the default fleet of the brief', () => {
    const summary = DEFAULT_FLEET.groups.map((g) => [
      g.count,
      g.models.join(','),
      g.specialization,
    ]);
    expect(summary).toEqual([
      [2, 'phi-4-mini', 'text'],
      [1, 'qwen2-vl-2b', 'vision'],
      [1, 'nomic-embed-text', 'embedding'],
    ]);
    expect(DEFAULT_FLEET.groups[1]?.sim.vision).toBe(true);
  });

  it('parses the seed keys (seconds) and a fleet list', () => {
    const c = parseFleetConfig(`
dds: { domain: 7 }
agents: { heartbeat_interval: 0.5, timeout: 2 }
http: { host: 127.0.0.1, base_port: 0 }
fleet:
  - name: fast
    count: 3
    models: [phi-4-mini, llama-3]
    slots: 8
    sim: { ttft_ms: 10, decode_tokens_per_sec: 100, output_tokens: 5, seed: 3 }
    failure: { error_rate: 0.1, crash_after: 50, stall_after_tokens: 2, slow_factor: 2 }
  - name: up
    engine: openai
    model: llama
    openai: { base_url: "http://127.0.0.1:9000/v1" }
`);
    expect(c).toMatchObject({ domainId: 7, heartbeatMs: 500, leaseMs: 2000, httpBasePort: 0 });
    expect(c.groups[0]).toMatchObject({
      name: 'fast',
      count: 3,
      models: ['phi-4-mini', 'llama-3'],
      specialization: 'text',
      slots: 8,
      sim: { ttftMs: 10, decodeTokensPerSec: 100, outputTokens: 5, seed: 3, slowFactor: 2 },
      failure: { errorRate: 0.1, crashAfter: 50, stallAfterTokens: 2 },
    });
    expect(c.groups[1]).toMatchObject({
      engine: 'openai',
      models: ['llama'],
      openai: { baseUrl: 'http://127.0.0.1:9000/v1' },
    });
  });

  it.each([
    ['not YAML', 'fleet: [', /not valid YAML/],
    [
      'a bad specialization',
      'fleet: [{ name: a, models: [m], specialization: audio }]',
      /fleet\[0\]\.specialization must be one of/,
    ],
    ['no models', 'fleet: [{ name: a }]', /fleet\[0\]\.models must be a non-empty list/],
    [
      'a negative count',
      'fleet: [{ name: a, models: [m], count: -1 }]',
      /fleet\[0\]\.count must be >= 0/,
    ],
    [
      'an error rate above 1',
      'fleet: [{ name: a, models: [m], failure: { error_rate: 2 } }]',
      /error_rate must be <= 1/,
    ],
    ['a wildcard name', 'fleet: [{ name: "a*", models: [m] }]', /name "a\*" may only contain/],
    [
      'a duplicate group',
      'fleet: [{ name: a, models: [m] }, { name: a, models: [n] }]',
      /used twice/,
    ],
    [
      'openai without URL',
      'fleet: [{ name: a, models: [m], engine: openai }]',
      /openai\.base_url is required/,
    ],
    ['a string lease', 'agents: { timeout: soon }', /agents\.timeout must be a number/],
  ])('rejects %s with a message naming the key', (_what, yaml, message) => {
    expect(() => parseFleetConfig(yaml)).toThrow(FleetConfigError);
    expect(() => parseFleetConfig(yaml)).toThrow(message);
  });

  it('zero think time zeroes every simulated duration', () => {
    for (const g of zeroThinkTime(DEFAULT_FLEET).groups) {
      expect(g.sim).toMatchObject({ ttftMs: 0, prefillTokensPerSec: 0, decodeTokensPerSec: 0 });
    }
  });
});

describe('command line', () => {
  it('runs the default fleet without flags', () => {
    const s = resolveSettings([]);
    expect(s.fleet).toEqual(DEFAULT_FLEET);
    expect(s).toMatchObject({ http: true, idPrefix: '', logLevel: 'info' });
  });

  it('lets flags win over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, 'dds: { domain: 3 }\nfleet: [{ name: a, models: [m], count: 2 }]\n');
    const s = resolveSettings([
      '--config',
      file,
      '--dds-domain',
      '9',
      '--port',
      '0',
      '--timeout',
      '1.5',
      '--heartbeat-interval',
      '0.2',
      '--error-rate',
      '0.5',
      '--decode-tps',
      '10',
      '--zero-think',
      '--no-http',
      '--id-prefix',
      't1-',
    ]);
    expect(s.fleet).toMatchObject({
      domainId: 9,
      httpBasePort: 0,
      leaseMs: 1500,
      heartbeatMs: 200,
    });
    expect(s.fleet.groups).toHaveLength(1);
    expect(s.fleet.groups[0]).toMatchObject({
      name: 'a',
      count: 2,
      failure: { errorRate: 0.5 },
      sim: { decodeTokensPerSec: 0, ttftMs: 0 },
    });
    expect(s).toMatchObject({ http: false, idPrefix: 't1-' });
  });

  it('builds one group from --count/--model/--specialization', () => {
    const s = resolveSettings([
      '--count',
      '3',
      '--model',
      'qwen2-vl-2b',
      '--specialization',
      'vision',
      '--slots',
      '2',
    ]);
    expect(s.fleet.groups).toEqual([
      expect.objectContaining({
        name: 'sim-vision',
        count: 3,
        models: ['qwen2-vl-2b'],
        specialization: 'vision',
        slots: 2,
        sim: expect.objectContaining({ vision: true }),
      }),
    ]);
  });

  it("picks the default fleet's model for a specialization given without --model", () => {
    expect(
      resolveSettings(['--count', '1', '--specialization', 'embedding']).fleet.groups[0]?.models,
    ).toEqual(['nomic-embed-text']);
    expect(
      resolveSettings(['--count', '1', '--specialization', 'vision']).fleet.groups[0]?.models,
    ).toEqual(['qwen2-vl-2b']);
    expect(resolveSettings(['--count', '1']).fleet.groups[0]?.models).toEqual(['phi-4-mini']);
  });

  it('rejects bad flags and unreadable files clearly', () => {
    expect(() => resolveSettings(['--error-rate', '3'])).toThrow(
      /--error-rate must be a number in \[0, 1\]/,
    );
    expect(() => resolveSettings(['--specialization', 'audio'])).toThrow(
      /Allowed choices are text, vision, embedding/,
    );
    expect(() => resolveSettings(['--config', '/nonexistent/fleet.yaml'])).toThrow(
      /cannot read fleet file/,
    );
  });
});
