/**
 * Registering users with the organisation's Fabric CA, behind the small
 * {@link UserRegistrar} interface that `POST /users` calls. The implementation
 * here runs the `fabric-ca-client` program (its path comes from the
 * configuration) as the CA's registrar, whose enrolled home folder is also
 * configured: register the user with a `role` attribute, then enroll it into
 * the wallet. The enrolled key is kept at mode 0600.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiError } from '../errors';
import type { UserRegistrar } from '../routes/users';
import { userMspDir } from './wallet';
import type { Role } from '@lotline/domain';

const execFileAsync = promisify(execFile);

/** How to reach the organisation's Fabric CA as its registrar. */
export interface FabricCaSettings {
  /** The `fabric-ca-client` program. */
  readonly clientBinary: string;
  /** `https://host:port` of the CA. */
  readonly url: string;
  /** The CA name (`--caname`). */
  readonly caName: string;
  /** The CA's TLS certificate (PEM file). */
  readonly tlsCertFile: string;
  /** The fabric-ca-client home folder where the registrar is enrolled (`msp/signcerts/cert.pem`). */
  readonly registrarHome: string;
}

/** Seconds one fabric-ca-client call may take. */
const CA_CALL_TIMEOUT_MS = 30_000;

function caFailure(org: string, name: string, error: unknown): ApiError {
  const output = `${(error as { stderr?: string }).stderr ?? ''}`;
  if (/already registered/i.test(output))
    return new ApiError({
      status: 409,
      code: 'USER_EXISTS',
      title: 'Conflict',
      detail: `${name} is already registered with the ${org} CA but not enrolled in this API's wallet: choose another name, or enroll it with its secret`,
      cause: error,
    });
  return new ApiError({
    status: 502,
    code: 'CA_ERROR',
    title: 'CA failure',
    detail: `the ${org} CA did not register ${name}: check that the CA runs and the API's LOTLINE_CA_* settings`,
    cause: error,
  });
}

/** A registrar that registers and enrolls through `fabric-ca-client` into `walletDir`. */
export function fabricCaRegistrar(ca: FabricCaSettings, org: string, walletDir: string): UserRegistrar {
  const pending = new Map<string, Promise<boolean>>();
  const client = (args: string[]) =>
    execFileAsync(ca.clientBinary, [...args, '--caname', ca.caName, '--tls.certfiles', ca.tlsCertFile], {
      timeout: CA_CALL_TIMEOUT_MS,
      env: { PATH: process.env.PATH },
    });
  const withCredentials = (name: string, secret: string) => {
    const url = new URL(ca.url);
    url.username = name;
    url.password = secret;
    return url.toString().replace(/\/$/, '');
  };

  async function enroll(name: string, role: Role): Promise<boolean> {
    const msp = userMspDir(walletDir, name);
    if (existsSync(path.join(msp, 'signcerts', 'cert.pem'))) return false;
    const secret = randomBytes(18).toString('base64url');
    try {
      await client([
        'register',
        '-H',
        ca.registrarHome,
        '-u',
        ca.url,
        '--id.name',
        name,
        '--id.secret',
        secret,
        '--id.type',
        'client',
        '--id.attrs',
        `role=${role}:ecert`,
      ]);
      await client(['enroll', '-u', withCredentials(name, secret), '-H', path.dirname(msp), '-M', msp]);
    } catch (error) {
      throw caFailure(org, name, error);
    }
    const keystore = path.join(msp, 'keystore');
    for (const file of readdirSync(keystore)) chmodSync(path.join(keystore, file), 0o600);
    return true;
  }

  return {
    register(name, role) {
      const running = pending.get(name);
      if (running !== undefined) return running.then(() => false);
      const job = enroll(name, role).finally(() => pending.delete(name));
      pending.set(name, job);
      return job;
    },
  };
}
