import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * DDS Security for one participant, with CycloneDDS's built-in plugins (authentication
 * `PKI-DH`, access control `Permissions`, cryptography `AES-GCM-GMAC`). Every value is a file
 * path (absolute, relative to the working directory, or a `file:` URI); `tools/dds-security`
 * in the dds-llm repository makes all of them with `openssl`.
 */
export interface DdsSecurityOptions {
  /** The identity CA's certificate (PEM): peers' identity certificates must chain to it. */
  identityCa: string;
  /** This participant's identity certificate (PEM), issued by the identity CA. */
  identityCertificate: string;
  /** The private key of that certificate (PEM, not encrypted). */
  privateKey: string;
  /** The permissions CA's certificate (PEM): it signed the governance and every permissions file. */
  permissionsCa: string;
  /** The domain's governance document, signed (S/MIME, `.p7s`). */
  governance: string;
  /** This participant's permissions document, signed (S/MIME, `.p7s`). */
  permissions: string;
  /**
   * Directory holding `libdds_security_auth.so`, `_ac.so` and `_crypto.so`. Default: the first
   * of Debian's `/usr/lib/<multiarch>/libddsc0debian`, `/usr/lib/<multiarch>`, `/usr/local/lib`,
   * `/usr/lib` that has them, else the dynamic linker's search path.
   */
  libraryDir?: string;
}

/** The file options of {@link DdsSecurityOptions}, in the order they are checked. */
export const SECURITY_FILE_OPTIONS = [
  'identityCa',
  'identityCertificate',
  'privateKey',
  'permissionsCa',
  'governance',
  'permissions',
] as const;
export type SecurityFileOption = (typeof SECURITY_FILE_OPTIONS)[number];

/** Why a security option was refused. */
export type DdsSecurityErrorReason = 'missing' | 'unreadable' | 'invalid' | 'rejected';

/**
 * A DDS Security setting is missing, unreadable or not what it should be, or CycloneDDS refused
 * the participant's credentials. `option` names the setting (`identityCertificate`, or the
 * caller's own key name when it was built with {@link securityOptionsFromConfig}).
 */
export class DdsSecurityError extends Error {
  override name = 'DdsSecurityError';
  constructor(
    message: string,
    /** The offending option, e.g. `privateKey` or `dds_security.private_key`. */
    readonly option: string,
    readonly reason: DdsSecurityErrorReason,
    /** The file concerned, when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/** What each file must contain, checked before CycloneDDS sees it (its own errors are terse). */
const CONTENT: Record<SecurityFileOption, { marker: RegExp; what: string }> = {
  identityCa: { marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM certificate' },
  identityCertificate: { marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM certificate' },
  privateKey: {
    marker: /-----BEGIN (RSA |EC )?PRIVATE KEY-----/,
    what: 'an unencrypted PEM private key',
  },
  permissionsCa: { marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM certificate' },
  governance: {
    marker: /application\/(x-)?pkcs7-signature|-----BEGIN PKCS7-----/,
    what: 'a signed (S/MIME) governance document',
  },
  permissions: {
    marker: /application\/(x-)?pkcs7-signature|-----BEGIN PKCS7-----/,
    what: 'a signed (S/MIME) permissions document',
  },
};

const PLUGINS = {
  auth: { lib: 'dds_security_auth', init: 'init_authentication', fini: 'finalize_authentication' },
  access: { lib: 'dds_security_ac', init: 'init_access_control', fini: 'finalize_access_control' },
  crypto: { lib: 'dds_security_crypto', init: 'init_crypto', fini: 'finalize_crypto' },
} as const;

function multiarch(): string {
  return process.arch === 'arm64'
    ? 'aarch64-linux-gnu'
    : `${process.arch === 'x64' ? 'x86_64' : process.arch}-linux-gnu`;
}

/** Where the plugin libraries are, or undefined to let the dynamic linker search. */
export function findSecurityLibraryDir(): string | undefined {
  const arch = multiarch();
  const candidates = [
    `/usr/lib/${arch}/libddsc0debian`,
    `/usr/lib/${arch}`,
    '/usr/local/lib',
    '/usr/lib',
  ];
  return candidates.find((d) => existsSync(join(d, 'libdds_security_auth.so')));
}

function toPath(value: string): string {
  const p = value.startsWith('file://')
    ? value.slice(7)
    : value.startsWith('file:')
      ? value.slice(5)
      : value;
  return isAbsolute(p) ? p : resolve(p);
}

/**
 * Checks one file: it exists, is readable and holds what it should. Throws
 * {@link DdsSecurityError} naming `label`.
 */
function checkFile(option: SecurityFileOption, value: unknown, label: string): string {
  if (value === undefined || value === null || value === '') {
    throw new DdsSecurityError(`${label} is required`, label, 'missing');
  }
  if (typeof value !== 'string') {
    throw new DdsSecurityError(`${label} must be a file path`, label, 'invalid');
  }
  const path = toPath(value);
  let text: string;
  try {
    if (!statSync(path).isFile()) {
      throw new DdsSecurityError(`${label}: ${path} is not a file`, label, 'unreadable', path);
    }
    accessSync(path, constants.R_OK);
    text = readFileSync(path, 'latin1');
  } catch (e) {
    if (e instanceof DdsSecurityError) throw e;
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'missing' : 'unreadable';
    throw new DdsSecurityError(
      `${label}: cannot read ${path} (${err.code ?? err.message})`,
      label,
      reason,
      path,
    );
  }
  const { marker, what } = CONTENT[option];
  if (!marker.test(text)) {
    throw new DdsSecurityError(`${label}: ${path} is not ${what}`, label, 'invalid', path);
  }
  return path;
}

/**
 * Validates `options` (every file exists, is readable and looks right) and returns the
 * participant properties CycloneDDS reads (`dds.sec.*`). Throws {@link DdsSecurityError}.
 * @param labels the name to report for each option (default: the option's own name).
 */
export function securityProperties(
  options: DdsSecurityOptions,
  labels: Partial<Record<SecurityFileOption | 'libraryDir', string>> = {},
): Record<string, string> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('security must be an object');
  }
  for (const k of Object.keys(options)) {
    if (!(SECURITY_FILE_OPTIONS as readonly string[]).includes(k) && k !== 'libraryDir') {
      throw new TypeError(`security.${k} is not a security option`);
    }
  }
  const files = {} as Record<SecurityFileOption, string>;
  for (const option of SECURITY_FILE_OPTIONS) {
    files[option] = checkFile(option, options[option], labels[option] ?? option);
  }
  let dir = options.libraryDir;
  if (dir !== undefined) {
    const label = labels.libraryDir ?? 'libraryDir';
    if (typeof dir !== 'string' || !existsSync(join(dir, 'libdds_security_auth.so'))) {
      throw new DdsSecurityError(
        `${label}: no libdds_security_auth.so in ${String(dir)}`,
        label,
        'missing',
        String(dir),
      );
    }
  } else {
    dir = findSecurityLibraryDir();
  }
  const lib = (name: string) => (dir ? join(dir, `lib${name}.so`) : name);
  const uri = (p: string) => `file:${p}`;
  const props: Record<string, string> = {
    'dds.sec.auth.identity_ca': uri(files.identityCa),
    'dds.sec.auth.identity_certificate': uri(files.identityCertificate),
    'dds.sec.auth.private_key': uri(files.privateKey),
    'dds.sec.access.permissions_ca': uri(files.permissionsCa),
    'dds.sec.access.governance': uri(files.governance),
    'dds.sec.access.permissions': uri(files.permissions),
  };
  for (const [kind, p] of Object.entries(PLUGINS)) {
    props[`dds.sec.${kind}.library.path`] = lib(p.lib);
    props[`dds.sec.${kind}.library.init`] = p.init;
    props[`dds.sec.${kind}.library.finalize`] = p.fini;
  }
  return props;
}

/** Config keys (snake_case, as in YAML files) of {@link securityOptionsFromConfig}. */
export const SECURITY_CONFIG_KEYS: Readonly<Record<SecurityFileOption | 'libraryDir', string>> = {
  identityCa: 'identity_ca',
  identityCertificate: 'identity_certificate',
  privateKey: 'private_key',
  permissionsCa: 'permissions_ca',
  governance: 'governance',
  permissions: 'permissions',
  libraryDir: 'library_dir',
};

/**
 * Reads the security section of an application's configuration (snake_case keys:
 * `identity_ca`, `identity_certificate`, `private_key`, `permissions_ca`, `governance`,
 * `permissions`, optional `library_dir`), checks every file, and returns the options for
 * `new DomainParticipant({ security })`. Errors name `<prefix>.<key>`, so an app can print them
 * as they are and exit. Relative paths resolve against `baseDir` (default: the working directory).
 */
export function securityOptionsFromConfig(
  section: Readonly<Record<string, unknown>>,
  prefix = 'dds.security',
  baseDir?: string,
): DdsSecurityOptions {
  const labels = Object.fromEntries(
    Object.entries(SECURITY_CONFIG_KEYS).map(([opt, key]) => [opt, `${prefix}.${key}`]),
  ) as Record<SecurityFileOption | 'libraryDir', string>;
  const known = new Set(Object.values(SECURITY_CONFIG_KEYS));
  for (const k of Object.keys(section)) {
    if (!known.has(k) && k !== 'enabled') {
      throw new DdsSecurityError(`${prefix}.${k}: unknown key`, `${prefix}.${k}`, 'invalid');
    }
  }
  const at = (v: unknown): unknown =>
    typeof v === 'string' && v !== '' && baseDir && !isAbsolute(v) && !v.startsWith('file:')
      ? resolve(baseDir, v)
      : v;
  const options = {} as DdsSecurityOptions;
  for (const [opt, key] of Object.entries(SECURITY_CONFIG_KEYS)) {
    const v = section[key];
    if (opt === 'libraryDir') {
      if (v !== undefined && v !== null && v !== '') options.libraryDir = at(v) as string;
    } else {
      (options as unknown as Record<string, unknown>)[opt] = at(v);
    }
  }
  securityProperties(options, labels);
  return options;
}
