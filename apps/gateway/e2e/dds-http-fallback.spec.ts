import {
  createProtocolTopics,
  encodeRegistration,
  PROTOCOL_VERSION,
  QOS,
  type ProtocolTopics,
} from '@dds/protocol';
import { DomainParticipant } from '@dds/transport';
import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { OpenAiStubServer } from './support/openai-stub-server';
import { waitFor } from './support/wait-for';

const DOMAIN = '63';

/**
 * An agent that announces itself on DDS with an HTTP endpoint but never reads `agent/request`
 * (e.g. its DDS request path is broken, or it only serves HTTP): the gateway must reach it over
 * HTTP, the fallback transport.
 */
describe('DDS agent reachable only through its announced HTTP endpoint', () => {
  const stub = new OpenAiStubServer('announced');
  let gateway: Gateway;
  let participant: DomainParticipant;
  let topics: ProtocolTopics;

  beforeAll(async () => {
    await stub.start();
    // The gateway's participant comes first: it fixes this process's DDS configuration (loopback).
    // The agent sends no status: agents.timeout (20 s) keeps it usable well past the 5 s the
    // gateway waits for DDS to discover its request reader before falling back to HTTP.
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '5',
      DDS_LLM_AGENTS_TIMEOUT: '20',
    });
    participant = new DomainParticipant({ domainId: Number(DOMAIN) });
    topics = createProtocolTopics(participant);
    const writer = participant.createWriter(topics.register, QOS.registerWriter(30_000));
    writer.write(
      encodeRegistration({
        agentId: 'announced-1',
        protocolVersion: PROTOCOL_VERSION,
        models: ['announced-model'],
        specialization: 'text',
        capabilities: ['streaming', 'functions'],
        slots: 4,
        maxContextTokens: 8192,
        version: 'test',
        hostname: 'localhost',
        httpEndpoint: stub.baseUrl,
        leaseMs: 30_000,
      }),
    );
    await waitFor('the gateway to see the agent', async () => {
      const res = await fetch(`${gateway.url}/api/v1/agents/announced-1`);
      return res.status === 200;
    });
  });

  afterAll(async () => {
    await gateway?.close();
    participant?.close();
    await stub.stop();
  });

  it('serves the request over HTTP when DDS cannot reach the agent, and counts the fallback', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: 'announced-model',
      messages: [{ role: 'user', content: 'over http please' }],
    });
    expect(r.choices[0].message.content).toBe('Hello from stub');
    expect(stub.received.filter((x) => x.path === '/v1/chat/completions')).toHaveLength(1);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_http_fallbacks_total 1$/m);
  });
});
