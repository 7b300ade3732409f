/**
 * The multi-host rig by hand (root):
 *
 *   netns up [--hosts gw,a1,a2] [--prefix sec] [--no-attach]   build a rig, print its names
 *   netns ls [--prefix sec]                                      rigs present
 *   netns exec <rig> <host> -- <command...>                      run a command in a host
 *   netns link <rig> <host> down|up                              cut / restore a host's cable
 *   netns impair <rig> <host> [--loss P] [--delay MS] | --clear  impair what a host sends
 *   netns dds-config <rig> --multicast | --peers                 CycloneDDS XML for the hosts
 *   netns down <rig>                                             tear one rig down
 *   netns cleanup [--prefix sec]                                 remove every leftover by prefix
 */
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { cleanupRigs, cycloneHostConfig, DEFAULT_PREFIX, listRigs, NetnsRig } from './index';

const program = new Command('netns').description('N hosts as network namespaces on one bridge');

program
  .command('up')
  .option('--hosts <names>', 'comma-separated host names', 'gw,a1,a2')
  .option('--prefix <prefix>', 'name prefix', DEFAULT_PREFIX)
  .option('--no-attach', 'do not connect this namespace to the bridge')
  .action((o: { hosts: string; prefix: string; attach: boolean }) => {
    const rig = NetnsRig.create({
      hosts: o.hosts.split(',').map((h) => h.trim()),
      prefix: o.prefix,
      attachCaller: o.attach,
      cleanupOnExit: false,
    });
    console.log(`rig ${rig.prefix}-${rig.runId}`);
    for (const h of rig.hosts.values()) console.log(`  ${h.name}\t${h.netns}\t${h.address}`);
    if (rig.callerAddress) console.log(`  (this namespace)\t${rig.callerAddress}`);
  });

program
  .command('ls')
  .option('--prefix <prefix>', 'name prefix', DEFAULT_PREFIX)
  .action((o: { prefix: string }) => listRigs(o.prefix).forEach((r) => console.log(r)));

program
  .command('exec <rig> <host> <command...>')
  .action((rig: string, host: string, command: string[]) => {
    const ns = NetnsRig.open(rig).host(host).netns;
    const r = spawnSync('ip', ['netns', 'exec', ns, ...command], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

program.command('link <rig> <host> <state>').action((rig: string, host: string, state: string) => {
  if (state !== 'up' && state !== 'down') throw new Error('state must be up or down');
  const r = NetnsRig.open(rig);
  if (state === 'down') r.linkDown(host);
  else r.linkUp(host);
});

program
  .command('impair <rig> <host>')
  .option('--loss <percent>', 'packet loss, percent', Number)
  .option('--delay <ms>', 'fixed delay, ms (netem, else the userspace delayer)', Number)
  .option('--clear', 'remove the impairment')
  .action(
    async (rig: string, host: string, o: { loss?: number; delay?: number; clear?: boolean }) => {
      await NetnsRig.open(rig).impair(
        host,
        o.clear ? undefined : { lossPercent: o.loss ?? 0, delayMs: o.delay ?? 0 },
      );
    },
  );

program
  .command('dds-config <rig>')
  .option('--peers', 'unicast discovery to every host of the rig')
  .action((rig: string, o: { peers?: boolean }) => {
    const r = NetnsRig.open(rig);
    const peers = [...r.hosts.values()].map((h) => h.address);
    process.stdout.write(
      cycloneHostConfig(o.peers ? { discovery: 'unicast', peers } : { discovery: 'multicast' }),
    );
  });

program.command('down <rig>').action((rig: string) => {
  cleanupRigs(rig).forEach((n) => console.log(`removed ${n}`));
});

program
  .command('cleanup')
  .option('--prefix <prefix>', 'name prefix', DEFAULT_PREFIX)
  .action((o: { prefix: string }) => {
    cleanupRigs(o.prefix).forEach((n) => console.log(`removed ${n}`));
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`netns: ${e.message}`);
  process.exit(1);
});
