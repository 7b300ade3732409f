import { Agent, OpenAIEngine, OpenAIHttpServer, type Engine } from '@dds/agent';
import { DomainParticipant } from '@dds/transport';
import type { Logger } from 'pino';
import type { AgentConfig, AgentProcessConfig } from './config';
import { LlamaEngine } from './llama.engine';
import { UpstreamError, UpstreamMonitor } from './sidecar';

/** What {@link startAgents} started. */
export interface RunningAgents {
  readonly agents: readonly Agent[];
  /** Agent id -> its own HTTP base URL, when it serves one. */
  readonly endpoints: ReadonlyMap<string, string>;
  /** Stops probes, HTTP servers, engines and the participant (after the agents stopped). */
  cleanup(): Promise<void>;
}

interface Prepared {
  readonly engine: Engine;
  readonly models: readonly string[];
  readonly slots: number;
  readonly maxContextTokens: number;
  readonly embedding: boolean;
  readonly monitor?: UpstreamMonitor;
}

async function prepare(a: AgentConfig, config: AgentProcessConfig, log: Logger): Promise<Prepared> {
  if (a.engine === 'llama') {
    const engine = await LlamaEngine.load({
      modelPath: a.model,
      slots: a.slots,
      ...(a.contextSize !== undefined ? { contextSize: a.contextSize } : {}),
      threads: a.threads,
      embedding: a.embedding,
      gpu: a.gpu,
      onLog: (level, message) => log.debug({ agent: a.id, llama: level }, message),
      onCancelled: (at) => log.info({ agent: a.id, ...at }, 'request cancelled'),
    });
    log.info(
      {
        agent: a.id,
        model: a.modelName ?? engine.modelName,
        contextTokens: engine.contextSize,
        slots: a.slots,
        threads: a.threads,
        ...(a.embedding ? { dimensions: engine.embeddingDimensions } : {}),
      },
      'model loaded',
    );
    return {
      engine,
      models: [a.modelName ?? engine.modelName],
      slots: a.slots,
      maxContextTokens: engine.contextSize,
      embedding: a.embedding,
    };
  }
  const monitor = new UpstreamMonitor(a.upstream, a.apiKey, config.heartbeatMs, (e) =>
    e.healthy
      ? log.info({ agent: a.id, upstream: a.upstream }, 'upstream is back')
      : log.warn({ agent: a.id, upstream: a.upstream, reason: e.reason }, 'upstream is down'),
  );
  const info = await monitor.discover();
  const models = a.models ?? info.models;
  const missing = models.filter((m) => !info.models.includes(m));
  if (missing.length) {
    monitor.stop();
    throw new UpstreamError(
      `upstream ${a.upstream} does not serve ${missing.join(', ')} (it serves ${info.models.join(', ')})`,
    );
  }
  const slots = a.slots ?? info.slots ?? 4;
  log.info(
    {
      agent: a.id,
      upstream: monitor.urls.api,
      models,
      contextTokens: info.contextTokens,
      slots,
      load: info.loadSource,
    },
    'upstream discovered',
  );
  return {
    engine: new OpenAIEngine({
      baseUrl: monitor.urls.api,
      ...(a.apiKey ? { apiKey: a.apiKey } : {}),
    }),
    models,
    slots,
    maxContextTokens: info.contextTokens ?? 8192,
    embedding: a.embedding,
    monitor,
  };
}

/**
 * Loads every configured engine, then registers each agent on one DDS participant (and on its
 * own HTTP port when configured). Fails before joining the fleet if any engine cannot start.
 */
export async function startAgents(config: AgentProcessConfig, log: Logger): Promise<RunningAgents> {
  const prepared: Prepared[] = [];
  const agents: Agent[] = [];
  const servers: OpenAIHttpServer[] = [];
  const endpoints = new Map<string, string>();
  let participant: DomainParticipant | undefined;
  const cleanup = async () => {
    for (const p of prepared) p.monitor?.stop();
    await Promise.all(servers.map((s) => s.close()));
    for (const p of prepared) await p.engine.close?.();
    participant?.close();
    participant = undefined;
  };
  try {
    for (const a of config.agents) prepared.push(await prepare(a, config, log));
    participant = new DomainParticipant({ domainId: config.domainId });
    let port = config.http?.port ?? 0;
    for (const [i, a] of config.agents.entries()) {
      const p = prepared[i] as Prepared;
      const common = {
        id: a.id,
        models: p.models,
        specialization: p.embedding ? ('embedding' as const) : ('text' as const),
        // The agent's queue feeds the engine no more than it has slots.
        slots: p.slots,
        engine: p.engine,
        participant,
        maxContextTokens: p.maxContextTokens,
        leaseMs: config.leaseMs,
        heartbeatMs: config.heartbeatMs,
        version: '0.1.0',
        // No tool calling in process (yet): only the sidecar's upstream may offer it.
        ...(a.engine === 'llama' && !p.embedding ? { capabilities: ['streaming'] } : {}),
      };
      let agent: Agent;
      if (config.http) {
        // The port must be known before registering: listen first, serve through the agent.
        const server = new OpenAIHttpServer(new Agent(common));
        const url = await server.listen(port === 0 ? 0 : port++, config.http.host);
        servers.push(server);
        agent = new Agent({ ...common, httpEndpoint: url });
        server.setAgent(agent);
        endpoints.set(a.id, url);
      } else {
        agent = new Agent(common);
      }
      agents.push(agent);
      if (p.monitor) p.monitor.watch(agent, p.slots);
      await agent.start();
    }
  } catch (e) {
    await Promise.all(agents.map((a) => a.stop()));
    await cleanup();
    throw e;
  }
  return { agents, endpoints, cleanup };
}
