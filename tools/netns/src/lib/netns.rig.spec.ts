import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { NetnsRig } from './netns.rig';

/**
 * A TCP server in the host: a connection that writes `burst <address> <port> <n>` gets `n`
 * numbered UDP datagrams sent to that address, back to back.
 */
const PEER = `
const net = require('node:net');
const dgram = require('node:dgram');
const udp = dgram.createSocket('udp4');
net.createServer((s) => {
  s.on('data', (d) => {
    const [cmd, host, port, n] = String(d).trim().split(' ');
    if (cmd !== 'burst') return;
    for (let i = 0; i < Number(n); i++) udp.send(String(i), Number(port), host);
    s.end();
  });
}).listen(7000, '0.0.0.0', () => console.log('listening'));
`;

/** ms a TCP handshake with `host:7000` takes (the SYN-ACK is what the host sends). */
async function connectMs(address: string): Promise<number> {
  const t0 = performance.now();
  const s = connect(7000, address);
  await once(s, 'connect');
  const ms = performance.now() - t0;
  s.destroy();
  return ms;
}

async function handshakes(address: string, n = 15): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await connectMs(address));
  return out.sort((a, b) => a - b)[Math.floor(n / 2)];
}

describe('NetnsRig.impair (root; tc netem or the userspace delayer)', () => {
  let rig: NetnsRig;
  let address: string;

  beforeAll(async () => {
    rig = NetnsRig.create({ hosts: ['dl'] });
    address = rig.host('dl').address;
    const peer = rig.spawn('dl', process.execPath, ['-e', PEER]);
    const lines = createInterface({ input: peer.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l === 'listening' && resolve());
      peer.once('exit', (code) => reject(new Error(`peer exited ${code}`)));
    });
  });

  afterAll(() => rig?.destroy());

  it('delays what the host sends by the fixed delay, keeps order, and the delay goes again', async () => {
    const before = await handshakes(address);
    await rig.impair('dl', { delayMs: 20 });
    let delayed: number;
    let order: number[];
    try {
      delayed = await handshakes(address);
      const udp = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      udp.bind(0, rig.callerAddress);
      await once(udp, 'listening');
      order = [];
      const all = new Promise<void>((resolve) =>
        udp.on('message', (m) => {
          order.push(Number(String(m)));
          if (order.length === 300) resolve();
        }),
      );
      const s = connect(7000, address);
      await once(s, 'connect');
      s.write(`burst ${rig.callerAddress} ${udp.address().port} 300\n`);
      await all;
      s.destroy();
      udp.close();
    } finally {
      await rig.impair('dl', undefined);
    }
    const after = await handshakes(address);
    console.log(
      `[netns] TCP handshake p50: ${before.toFixed(2)} ms plain, ${delayed.toFixed(2)} ms with ` +
        `20 ms delay, ${after.toFixed(2)} ms after clearing it`,
    );
    expect(delayed).toBeGreaterThanOrEqual(20);
    expect(delayed - before).toBeLessThan(30);
    expect(after).toBeLessThan(10);
    expect(order).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
