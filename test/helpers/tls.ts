import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  readonly dir: string;
  /** The self-signed CA that signed the server certificate (PEM). */
  readonly caFile: string;
  /** The server certificate: CN localhost, valid for 127.0.0.1 and localhost. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate's contents, for `tls: { ca }`. */
  readonly ca: Buffer;
  remove(): void;
}

/** Whether TLS tests can run here, and if not, why (shown in the skipped test's name). */
export function tlsSupport(): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  if (spawnSync('openssl', ['version'], { encoding: 'utf8' }).status !== 0) return { ok: false, reason: 'no openssl CLI on the PATH' };
  // With both ports 0 a TLS-capable build exits at once saying it listens nowhere; a build
  // without TLS refuses the tls-port directive.
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--save', '', '--appendonly', 'no'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const output = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
  if (output.includes('not listen anywhere')) return { ok: true };
  const line = output.split('\n').find((text) => /tls|directive|error/i.test(text))?.trim() ?? `exit status ${probe.status}`;
  return { ok: false, reason: `this redis-server has no TLS support (${line})` };
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/**
 * A throwaway CA and a server certificate it signed, made with the openssl CLI in a temp dir.
 * EC keys: generating them takes milliseconds.
 */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-tls-'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=celeriac test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', '-new', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(
    join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ].join('\n'),
  );
  openssl(dir, [
    'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext',
  ]);
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    ca: readFileSync(caFile),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
