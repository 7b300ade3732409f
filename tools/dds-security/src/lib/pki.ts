import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `openssl` failed; `stderr` holds what it said. */
export class OpensslError extends Error {
  override name = 'OpensslError';
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`openssl ${args[0]} failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** Runs `openssl` (the Debian package is installed by tools/setup). */
export function openssl(args: readonly string[], input?: string): string {
  try {
    return execFileSync('openssl', args, {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new OpensslError(args, err.stderr || err.message);
  }
}

/** A certificate and its private key, as files. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** A distinguished name as openssl's `-subj` (`/O=dds-llm/CN=name`) and as RFC 2253 text. */
export interface Subject {
  readonly organization: string;
  readonly commonName: string;
}

export function subjectArg(s: Subject): string {
  return `/O=${s.organization}/CN=${s.commonName}`;
}

/** The subject as permissions documents name it (`CN=…,O=…`). */
export function subjectName(s: Subject): string {
  return `CN=${s.commonName},O=${s.organization}`;
}

const DAYS = '3650';

function newKey(path: string): void {
  // ECDSA P-256: what the built-in PKI-DH plugin handshakes fastest with (RSA-2048 works too).
  openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-out',
    path,
  ]);
  chmodSync(path, 0o600);
}

/** A self-signed CA in `dir` (`<base>.pem`, `<base>.key`); kept when it exists already. */
export function createAuthority(dir: string, base: string, subject: Subject): KeyPair {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${base}.pem`);
  const key = join(dir, `${base}.key`);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  newKey(key);
  openssl([
    'req', '-x509', '-new', '-key', key, '-sha256', '-days', DAYS,
    '-subj', subjectArg(subject),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-out', cert,
  ]); // prettier-ignore
  return { cert, key };
}

/** An identity certificate for `subject`, issued by `ca`, written as `dir/cert.pem` + `dir/key.pem`. */
export function issueIdentity(ca: KeyPair, dir: string, subject: Subject): KeyPair {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const csr = openssl(['req', '-new', '-key', (newKey(key), key), '-subj', subjectArg(subject)]);
  const ext = join(dir, '.ext.cnf');
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n',
  );
  openssl(
    [
      'x509', '-req', '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${serial()}`,
      '-days', DAYS, '-sha256', '-extfile', ext, '-out', cert,
    ],
    csr,
  ); // prettier-ignore
  return { cert, key };
}

function serial(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** Signs `xml` with `ca` as S/MIME (what Cyclone's access control plugin verifies), to `out`. */
export function signDocument(ca: KeyPair, xml: string, out: string): void {
  const signed = openssl(['smime', '-sign', '-text', '-signer', ca.cert, '-inkey', ca.key], xml);
  writeFileSync(out, signed);
}

/** The subject of a certificate file, as openssl prints it (for messages and checks). */
export function certificateSubject(cert: string): string {
  return openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', cert])
    .replace(/^subject=\s*/, '')
    .trim();
}

/** Whether `cert` chains to `caCert` (openssl verify). */
export function verifies(caCert: string, cert: string): boolean {
  try {
    openssl(['verify', '-CAfile', caCert, cert]);
    return true;
  } catch {
    return false;
  }
}

/** Reads a text file (helper for callers that print documents). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
