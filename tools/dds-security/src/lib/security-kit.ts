import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DdsSecurityOptions } from '@dds/transport';
import {
  governanceXml,
  permissionsXml,
  roleGrant,
  type FleetRole,
  type GovernanceOptions,
} from './documents';
import {
  createAuthority,
  issueIdentity,
  signDocument,
  subjectName,
  type KeyPair,
  type Subject,
} from './pki';

/**
 * A directory of DDS Security material for one fleet:
 *
 * ```
 * <dir>/identity_ca.pem, identity_ca.key         issues every participant's certificate
 * <dir>/permissions_ca.pem, permissions_ca.key   signs the governance and every permissions file
 * <dir>/governance.xml, governance.p7s           the domain's rules (signed)
 * <dir>/identities/<name>/cert.pem, key.pem, permissions.xml, permissions.p7s
 * ```
 *
 * The two CA keys are the secrets of the deployment: keep them off the fleet's hosts.
 */
export interface SecurityKit {
  readonly dir: string;
  readonly organization: string;
  readonly identityCa: KeyPair;
  readonly permissionsCa: KeyPair;
  readonly governance: string;
}

/** Options of {@link createSecurityKit}. */
export interface SecurityKitOptions extends GovernanceOptions {
  /** `O=` of every subject (default `dds-llm`). */
  readonly organization?: string;
}

/**
 * Creates (or reopens: existing CAs are kept) the kit in `dir`, and (re)writes and signs the
 * governance document.
 */
export function createSecurityKit(dir: string, options: SecurityKitOptions = {}): SecurityKit {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const organization = options.organization ?? 'dds-llm';
  const identityCa = createAuthority(root, 'identity_ca', {
    organization,
    commonName: `${organization} identity CA`,
  });
  const permissionsCa = createAuthority(root, 'permissions_ca', {
    organization,
    commonName: `${organization} permissions CA`,
  });
  const xml = governanceXml(options);
  writeFileSync(join(root, 'governance.xml'), xml);
  const governance = join(root, 'governance.p7s');
  signDocument(permissionsCa, xml, governance);
  return { dir: root, organization, identityCa, permissionsCa, governance };
}

/** Reopens a kit made by {@link createSecurityKit} (throws if it is not there). */
export function openSecurityKit(dir: string, organization = 'dds-llm'): SecurityKit {
  const root = resolve(dir);
  const need = ['identity_ca.pem', 'identity_ca.key', 'permissions_ca.pem', 'permissions_ca.key'];
  for (const f of [...need, 'governance.p7s']) {
    if (!existsSync(join(root, f))) {
      throw new Error(`${root} is not a security kit (no ${f}); run "dds-security init" first`);
    }
  }
  return {
    dir: root,
    organization,
    identityCa: { cert: join(root, 'identity_ca.pem'), key: join(root, 'identity_ca.key') },
    permissionsCa: {
      cert: join(root, 'permissions_ca.pem'),
      key: join(root, 'permissions_ca.key'),
    },
    governance: join(root, 'governance.p7s'),
  };
}

/** Options of {@link addIdentity}. */
export interface IdentityOptions {
  /** The identity's name: its certificate's CN and its folder under `identities/`. */
  readonly name: string;
  readonly role: FleetRole;
  /** For agents: the agent ids (fnmatch patterns, e.g. `host-b-*`) it serves. Default `[name]`. */
  readonly agentIds?: readonly string[];
  /** Issue the certificate from another CA than the kit's (to make a stranger, in tests). */
  readonly issuer?: KeyPair;
  /** Domains the permissions cover (default 0..230). */
  readonly domains?: { readonly min: number; readonly max: number };
}

/** An identity's files: exactly `DdsSecurityOptions` of `@dds/transport`. */
export type IdentityFiles = Required<Omit<DdsSecurityOptions, 'libraryDir'>> & {
  readonly dir: string;
  readonly subject: string;
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Issues a certificate for `name` and writes and signs its role's permissions. */
export function addIdentity(kit: SecurityKit, o: IdentityOptions): IdentityFiles {
  if (!NAME.test(o.name)) {
    throw new Error(`identity name "${o.name}" must be 1-64 characters of [A-Za-z0-9._-]`);
  }
  const dir = join(kit.dir, 'identities', o.name);
  const subject: Subject = { organization: kit.organization, commonName: o.name };
  const pair = issueIdentity(o.issuer ?? kit.identityCa, dir, subject);
  const xml = permissionsXml([
    roleGrant({
      subject: subjectName(subject),
      role: o.role,
      agentIds: o.role === 'agent' ? (o.agentIds ?? [o.name]) : undefined,
      domains: o.domains,
    }),
  ]);
  writeFileSync(join(dir, 'permissions.xml'), xml);
  const permissions = join(dir, 'permissions.p7s');
  signDocument(kit.permissionsCa, xml, permissions);
  return {
    dir,
    subject: subjectName(subject),
    identityCa: kit.identityCa.cert,
    identityCertificate: pair.cert,
    privateKey: pair.key,
    permissionsCa: kit.permissionsCa.cert,
    governance: kit.governance,
    permissions,
  };
}

/** The identity's files as the snake_case config section the gateway and simulator read. */
export function identityConfig(files: IdentityFiles): Record<string, string> {
  return {
    identity_ca: files.identityCa,
    identity_certificate: files.identityCertificate,
    private_key: files.privateKey,
    permissions_ca: files.permissionsCa,
    governance: files.governance,
    permissions: files.permissions,
  };
}
