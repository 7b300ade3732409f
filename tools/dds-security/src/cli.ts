/**
 * DDS Security material for a fleet, made with openssl:
 *
 *   dds-security init <dir> [--organization O] [--domains 0-230] [--data ENCRYPT|SIGN|NONE]
 *   dds-security identity <dir> <name> --role gateway|agent [--agent-ids 'host-b-*,x']
 *   dds-security show <dir> <name>      the YAML section for the gateway / fleet config
 */
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { join } from 'node:path';
import {
  addIdentity,
  createSecurityKit,
  identityConfig,
  openSecurityKit,
  type Protection,
} from './index';

const PROTECTIONS = ['NONE', 'SIGN', 'ENCRYPT'];

function protection(v: string): Protection {
  const p = v.toUpperCase();
  if (!PROTECTIONS.includes(p)) throw new InvalidArgumentError('NONE, SIGN or ENCRYPT');
  return p as Protection;
}

function range(v: string): { min: number; max: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  if (!m) throw new InvalidArgumentError('a domain id or a range like 0-10');
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  if (max < min || max > 230) throw new InvalidArgumentError('0 <= min <= max <= 230');
  return { min, max };
}

function section(files: ReturnType<typeof addIdentity>): string {
  return stringify({ dds_security: { enabled: true, ...identityConfig(files) } });
}

const program = new Command('dds-security').description(
  'CA, identities, signed governance and permissions for a secure dds-llm fleet',
);

program
  .command('init <dir>')
  .description(
    'create the identity and permissions CAs (kept if present) and the signed governance',
  )
  .option('--organization <o>', 'O= of every subject', 'dds-llm')
  .option('--domains <range>', 'domain ids covered', range)
  .option('--discovery <kind>', 'discovery + liveliness protection', protection)
  .option('--metadata <kind>', 'submessage protection', protection)
  .option('--data <kind>', 'payload protection', protection)
  .action((dir: string, o: Record<string, never>) => {
    const kit = createSecurityKit(dir, o);
    console.log(`security kit in ${kit.dir}`);
    console.log(`  identity CA      ${kit.identityCa.cert}`);
    console.log(`  permissions CA   ${kit.permissionsCa.cert}`);
    console.log(`  governance       ${kit.governance}`);
    console.log('keep identity_ca.key and permissions_ca.key off the fleet hosts');
  });

program
  .command('identity <dir> <name>')
  .description("issue a participant's certificate and its role's signed permissions")
  .requiredOption('--role <role>', 'gateway or agent')
  .option('--agent-ids <patterns>', 'agents: ids served (fnmatch patterns, comma-separated)')
  .option('--domains <range>', 'domain ids covered', range)
  .action(
    (
      dir: string,
      name: string,
      o: { role: string; agentIds?: string; domains?: { min: number; max: number } },
    ) => {
      if (o.role !== 'gateway' && o.role !== 'agent') throw new Error('--role: gateway or agent');
      const files = addIdentity(openSecurityKit(dir), {
        name,
        role: o.role,
        agentIds: o.agentIds?.split(',').map((s) => s.trim()),
        domains: o.domains,
      });
      console.log(`# ${files.subject}: ${files.dir}`);
      process.stdout.write(section(files));
    },
  );

program
  .command('show <dir> <name>')
  .description('print the config section of an identity')
  .action((dir: string, name: string) => {
    const kit = openSecurityKit(dir);
    const d = join(kit.dir, 'identities', name);
    process.stdout.write(
      section({
        dir: d,
        subject: '',
        identityCa: kit.identityCa.cert,
        identityCertificate: join(d, 'cert.pem'),
        privateKey: join(d, 'key.pem'),
        permissionsCa: kit.permissionsCa.cert,
        governance: kit.governance,
        permissions: join(d, 'permissions.p7s'),
      }),
    );
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`dds-security: ${e.message}`);
  process.exit(1);
});
