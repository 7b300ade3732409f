import { fleetPid, GatewayProcess, isRunning } from './support/gateway-process';
import { waitFor } from './support/wait-for';

const DOMAIN = '64';

describe('--fleet default (what npm start runs)', () => {
  let gateway: GatewayProcess | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('serves the default fleet, and a SIGKILLed gateway does not leave its fleet behind', async () => {
    const g = await GatewayProcess.start([
      '--fleet',
      'default',
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ]);
    gateway = g;
    const pid = fleetPid(g);
    expect(pid).toEqual(expect.any(Number));
    await waitFor(
      'the four default agents',
      async () => {
        const res = (await (await fetch(`${g.url}/api/v1/agents`)).json()) as {
          data: { model: string; health: string }[];
        };
        return res.data.filter((a) => a.health === 'healthy').length === 4;
      },
      30_000,
    );
    expect(isRunning(pid as number)).toBe(true);

    g.child.kill('SIGKILL');
    await waitFor('the orphaned fleet to exit', () => !isRunning(pid as number), 20_000);
  });
});
