import {
  Agent,
  FailureInjectingEngine,
  OpenAIEngine,
  OpenAIHttpServer,
  SimEngine,
  type Engine,
} from '@dds/agent';
import { DomainParticipant } from '@dds/transport';
import type { AgentGroupConfig, FleetConfig } from './fleet-config';

/** Options of {@link startFleet}. */
export interface StartFleetOptions {
  /** Share an existing participant (not closed by the fleet). Default: a new one on `domainId`. */
  readonly participant?: DomainParticipant;
  /** Serve each agent's OpenAI-compatible HTTP port. Default true. */
  readonly http?: boolean;
  /** Prefix of every agent id (e.g. a per-process or per-test tag). Default none. */
  readonly idPrefix?: string;
  /** Told about recoverable problems (e.g. a configured HTTP port already in use). */
  readonly onWarning?: (message: string) => void;
}

/** A running simulated fleet. */
export interface Fleet {
  readonly participant: DomainParticipant;
  readonly agents: readonly Agent[];
  /** Agent id -> its HTTP base URL (`…/v1`). */
  readonly endpoints: ReadonlyMap<string, string>;
  /** Drains every agent (at most `timeoutMs`), then stops HTTP and DDS. */
  drain(timeoutMs?: number): Promise<void>;
  /** Leaves at once. */
  stop(): Promise<void>;
}

function engineFor(g: AgentGroupConfig, index: number): Engine {
  const base: Engine =
    g.engine === 'openai' && g.openai
      ? new OpenAIEngine({ baseUrl: g.openai.baseUrl, apiKey: g.openai.apiKey })
      : new SimEngine({ ...g.sim, seed: (g.sim.seed ?? 0) + index });
  const f = g.failure;
  return f && (f.errorRate || f.crashAfter !== undefined || f.stallAfterTokens !== undefined)
    ? new FailureInjectingEngine(base, f)
    : base;
}

/**
 * Starts every agent of `config` in this process on one participant, each with its own HTTP
 * port (registered as the agent's `httpEndpoint`), and registers them on DDS.
 */
export async function startFleet(
  config: FleetConfig,
  options: StartFleetOptions = {},
): Promise<Fleet> {
  const participant =
    options.participant ??
    new DomainParticipant({
      domainId: config.domainId,
      ...(config.security ? { security: config.security } : {}),
    });
  const ownsParticipant = !options.participant;
  const agents: Agent[] = [];
  const servers: OpenAIHttpServer[] = [];
  const endpoints = new Map<string, string>();
  let port = config.httpBasePort;
  try {
    for (const g of config.groups) {
      for (let i = 1; i <= g.count; i++) {
        const id = `${options.idPrefix ?? ''}${g.name}-${i}`;
        const engine = engineFor(g, i);
        // The HTTP port must be known before registering, so the server listens first and
        // serves through the agent object once it exists.
        let agent: Agent | undefined;
        let httpEndpoint: string | undefined;
        let server: OpenAIHttpServer | undefined;
        const common = {
          id,
          models: g.models,
          specialization: g.specialization,
          slots: g.slots,
          engine,
          participant,
          maxContextTokens: g.maxContextTokens,
          leaseMs: config.leaseMs,
          heartbeatMs: config.heartbeatMs,
        };
        if (options.http !== false) {
          agent = new Agent(common);
          server = new OpenAIHttpServer(agent);
          const wanted = port === 0 ? 0 : port++;
          httpEndpoint = await server
            .listen(wanted, config.httpHost)
            .catch((e: NodeJS.ErrnoException) => {
              // A taken port must not keep the fleet from starting: the registration announces
              // whatever port the agent really got.
              if (e.code !== 'EADDRINUSE' || wanted === 0 || !server) throw e;
              options.onWarning?.(
                `port ${wanted} is in use; agent ${id} serves HTTP on an ephemeral port`,
              );
              return server.listen(0, config.httpHost);
            });
          servers.push(server);
          agent = new Agent({ ...common, httpEndpoint });
          server.setAgent(agent);
          endpoints.set(id, httpEndpoint);
        } else {
          agent = new Agent(common);
        }
        agents.push(agent);
        await agent.start();
      }
    }
  } catch (e) {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(servers.map((s) => s.close()));
    if (ownsParticipant) participant.close();
    throw e;
  }
  let stopped = false;
  const shutdown = async (drainMs: number | undefined) => {
    if (stopped) return;
    stopped = true;
    await Promise.all(agents.map((a) => (drainMs === undefined ? a.stop() : a.drain(drainMs))));
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(agents.map((a) => a.engine.close?.()));
    if (ownsParticipant) participant.close();
  };
  return {
    participant,
    agents,
    endpoints,
    drain: (timeoutMs = 30_000) => shutdown(timeoutMs),
    stop: () => shutdown(undefined),
  };
}
