/**
 * A participant that tries to join a fleet it should not be part of (run in a rig host by the
 * security tests). It registers as agent `--agent-id` serving `--model`, and snoops on
 * `agent/request` in `--snoop` (a partition pattern, e.g. `agent.*`); then, with `--as-gateway
 * <agent id>`, it tries to publish requests to that agent. One JSON record per line on stdout:
 * `started`, `registered`, `refused` (what, codeName), `request` (request_id, partition),
 * `sent`. Security is on when `--security <json>` (a DdsSecurityOptions) is given.
 */
import { Command } from 'commander';
import { AgentEndpoint, agentPartition, createProtocolTopics, QOS } from '@dds/protocol';
import { DdsError, DomainParticipant, type DdsSecurityOptions } from '@dds/transport';

const o = new Command('rogue')
  .requiredOption('--domain <id>', 'DDS domain', Number)
  .requiredOption('--agent-id <id>', 'the agent id to register as')
  .option('--model <name>', 'model to announce', 'phi-4-mini')
  .option('--snoop <partition>', 'read agent/request in this partition')
  .option('--as-gateway <agentId>', 'publish requests to this agent')
  .option('--security <json>', 'DdsSecurityOptions as JSON')
  .parse()
  .opts<{
    domain: number;
    agentId: string;
    model: string;
    snoop?: string;
    asGateway?: string;
    security?: string;
  }>();

const say = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ event, ...extra }) + '\n');

function attempt<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    say('refused', {
      what,
      codeName: e instanceof DdsError ? e.codeName : (e as Error).name,
      message: (e as Error).message,
    });
    return undefined;
  }
}

const security = o.security ? (JSON.parse(o.security) as DdsSecurityOptions) : undefined;
const participant = new DomainParticipant({
  domainId: o.domain,
  ...(security ? { security } : {}),
});
const topics = createProtocolTopics(participant);
say('started', { secure: !!security });

const snoop = o.snoop;
if (snoop) {
  const sub = attempt('subscribe', () => participant.createSubscriber({ partitions: [snoop] }));
  const reader =
    sub && attempt('read agent/request', () => sub.createReader(topics.request, QOS.request()));
  reader?.on('data', () => {
    for (const s of reader.take()) {
      if (s.data) say('request', { request_id: s.data.request_id, agent_id: s.data.agent_id });
    }
  });
}

const target = o.asGateway;
if (target) {
  const pub = attempt('publish', () =>
    participant.createPublisher({ partitions: [agentPartition(target)] }),
  );
  const writer =
    pub && attempt('write agent/request', () => pub.createWriter(topics.request, QOS.request()));
  if (writer) say('writer', { partition: agentPartition(target) });
}

const endpoint = attempt(
  'register',
  () =>
    new AgentEndpoint({
      participant,
      info: {
        agentId: o.agentId,
        models: [o.model],
        specialization: 'text',
        capabilities: ['streaming'],
        slots: 64,
        maxContextTokens: 8192,
        version: 'rogue',
        hostname: 'rogue',
        httpEndpoint: '',
        leaseMs: 1000,
      },
      heartbeatMs: 200,
    }),
);
if (endpoint) {
  endpoint.onRequest((stream) => {
    say('request', { request_id: stream.request.requestId, agent_id: o.agentId });
    stream.final({
      finish_reason: 'stop',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });
  let started = true;
  attempt('register', () => {
    try {
      endpoint.start();
    } catch (e) {
      started = false;
      throw e;
    }
  });
  if (started) say('registered');
}

// Stay on the domain until told to leave, even when every entity was refused.
const alive = setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => {
  clearInterval(alive);
  participant.close();
  process.exit(0);
});
