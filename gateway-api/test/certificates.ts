/**
 * Throw-away certificates for the TLS tests, made with the openssl command
 * line in a temporary folder (no private key is committed): a root CA, an
 * intermediate CA signed by it, and server certificates for 127.0.0.1 and
 * localhost signed by either.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and its key, as PEM files. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('the TLS tests make their certificates with openssl: install it (apt-get install openssl)');
    throw new Error(`openssl ${args[0] ?? ''} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A folder of test certificates; {@link remove} deletes it. */
export class TestCertificates {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'lotline-api-tls-'));
  private serial = 1;

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** A self-signed root CA. */
  rootCa(name: string): Issued {
    const issued = { cert: this.file(`${name}.crt`), key: this.file(`${name}.key`) };
    openssl([
      'req',
      '-x509',
      ...CURVE,
      '-keyout',
      issued.key,
      '-out',
      issued.cert,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return issued;
  }

  /** A certificate signed by `issuer`: a CA (`ca: true`) or a server certificate for 127.0.0.1 and localhost. */
  sign(issuer: Issued, name: string, options: { ca?: boolean } = {}): Issued {
    const issued = { cert: this.file(`${name}.crt`), key: this.file(`${name}.key`) };
    const csr = this.file(`${name}.csr`);
    const extensions = this.file(`${name}.ext`);
    openssl(['req', ...CURVE, '-keyout', issued.key, '-out', csr, '-subj', `/CN=${name}`]);
    writeFileSync(
      extensions,
      options.ca
        ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
        : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
    );
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      issuer.cert,
      '-CAkey',
      issuer.key,
      '-set_serial',
      String(this.serial++),
      '-days',
      '1',
      '-extfile',
      extensions,
      '-out',
      issued.cert,
    ]);
    return issued;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
