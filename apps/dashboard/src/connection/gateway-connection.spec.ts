import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket as WsClient, WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { ServerFrame } from './frames';
import { GatewayConnection, type ConnectionState } from './gateway-connection';

/**
 * A stand-in for the gateway's key check and WebSocket, only as far as the connection logic
 * needs: `/api/v1/agents` answers 401 without the key, and the socket records what it is sent.
 */
class MockGateway {
  readonly server: Server;
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sockets: WsSocket[] = [];
  readonly received: unknown[] = [];
  upgrades = 0;

  constructor(private readonly key?: string) {
    this.server = createServer((req, res) => {
      if (!this.authorized(req)) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: 'Invalid API key.', code: 'invalid_api_key' } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[]}');
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.upgrades++;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.push(ws);
        ws.on('message', (d) => this.received.push(JSON.parse(String(d))));
      });
    });
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.key) return true;
    const url = new URL(req.url ?? '/', 'http://x');
    return (
      req.headers.authorization === `Bearer ${this.key}` ||
      url.searchParams.get('api_key') === this.key
    );
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Resolves once `match` holds; the conditions live in callbacks and a server, so it polls. */
async function until(match: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!match()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function recorder() {
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  return {
    states,
    frames,
    onState: (s: ConnectionState) => states.push(s),
    onFrame: (f: ServerFrame) => frames.push(f),
    until,
  };
}

const deps = {
  fetch: globalThis.fetch.bind(globalThis),
  WebSocket: WsClient as unknown as new (url: string) => WebSocket,
};

describe('GatewayConnection', () => {
  let gateway: MockGateway;
  let connection: GatewayConnection | undefined;

  afterEach(async () => {
    connection?.stop();
    connection = undefined;
    await gateway.close();
  });

  it('subscribes to every dashboard channel and hands frames on, skipping ones that are not JSON', async () => {
    gateway = new MockGateway();
    const baseUrl = await gateway.listen();
    const rec = recorder();
    connection = new GatewayConnection({ baseUrl, ...rec, deps });
    connection.start();
    await rec.until(() => rec.states.some((s) => s.kind === 'open'));
    await rec.until(() => gateway.received.length === 4);
    expect(gateway.received).toEqual([
      { type: 'subscribe', channel: 'agents' },
      { type: 'subscribe', channel: 'metrics' },
      { type: 'subscribe', channel: 'requests' },
      { type: 'subscribe', channel: 'gateways' },
    ]);
    const ws = gateway.sockets[0] as WsSocket;
    ws.send('not json');
    ws.send('{"no":"type"}');
    ws.send(JSON.stringify({ type: 'gateways', gateways: [] }));
    await rec.until(() => rec.frames.length > 0);
    expect(rec.frames).toEqual([{ type: 'gateways', gateways: [] }]);
  });

  it('reports a wrong key as such and opens no socket', async () => {
    gateway = new MockGateway('right-key-123');
    const baseUrl = await gateway.listen();
    const rec = recorder();
    connection = new GatewayConnection({ baseUrl, apiKey: 'wrong-key', ...rec, deps });
    connection.start();
    await rec.until(() => rec.states.some((s) => s.kind === 'unauthorized'));
    expect(rec.states.at(-1)).toEqual({
      kind: 'unauthorized',
      keyGiven: true,
      message: 'The gateway did not accept this API key: Invalid API key.',
    });
    expect(gateway.upgrades).toBe(0);
  });

  it('asks for a key when the gateway needs one, and connects with the right one', async () => {
    gateway = new MockGateway('right-key-123');
    const baseUrl = await gateway.listen();
    const first = recorder();
    connection = new GatewayConnection({ baseUrl, ...first, deps });
    connection.start();
    await first.until(() => first.states.some((s) => s.kind === 'unauthorized'));
    expect(first.states.at(-1)).toMatchObject({ kind: 'unauthorized', keyGiven: false });
    connection.stop();

    const second = recorder();
    connection = new GatewayConnection({ baseUrl, apiKey: 'right-key-123', ...second, deps });
    connection.start();
    await second.until(() => second.states.some((s) => s.kind === 'open'));
    expect(gateway.upgrades).toBe(1);
  });

  it('reconnects and subscribes again when the socket drops; stop() ends it', async () => {
    gateway = new MockGateway();
    const baseUrl = await gateway.listen();
    const rec = recorder();
    connection = new GatewayConnection({ baseUrl, ...rec, deps, retryMs: 10 });
    connection.start();
    await rec.until(() => gateway.received.length === 4);
    gateway.sockets[0]?.terminate();
    await rec.until(() => rec.states.some((s) => s.kind === 'retrying'));
    await rec.until(() => gateway.received.length === 8);
    expect(rec.states.filter((s) => s.kind === 'open')).toHaveLength(2);
    connection.stop();
    expect(rec.states.at(-1)).toEqual({ kind: 'stopped' });
  });

  it('retries with back-off while the gateway is unreachable', async () => {
    gateway = new MockGateway();
    const baseUrl = await gateway.listen();
    await gateway.close();
    gateway = new MockGateway();
    const rec = recorder();
    connection = new GatewayConnection({ baseUrl, ...rec, deps, retryMs: 5, maxRetryMs: 20 });
    connection.start();
    await rec.until(() => rec.states.filter((s) => s.kind === 'retrying').length >= 4);
    const delays = rec.states.flatMap((s) => (s.kind === 'retrying' ? [s.inMs] : []));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 20]);
    expect(rec.states.find((s) => s.kind === 'retrying')).toMatchObject({
      message: expect.stringContaining('gateway unreachable'),
    });
  });
});
