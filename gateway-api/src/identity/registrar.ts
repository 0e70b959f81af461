/**
 * Registers users with the organisation's Fabric CA and enrolls them into the
 * wallet, through the network's own `registerAndEnroll` (fabric-ca-client with
 * the CA's registrar). The enrolled key is kept at mode 0600.
 */
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig, Org } from '../../../network/src/config';
import { registerAndEnroll } from '../../../network/src/identities';
import { ApiError } from '../errors';
import type { UserRegistrar } from '../routes/users';
import { userMspDir } from './wallet';
import type { Role } from '@lotline/domain';

/** A registrar for the local network's CA. */
export function caRegistrar(network: NetworkConfig, org: Org, walletDir: string): UserRegistrar {
  const pending = new Map<string, Promise<boolean>>();
  async function enroll(name: string, role: Role): Promise<boolean> {
    const msp = userMspDir(walletDir, name);
    if (existsSync(path.join(msp, 'signcerts', 'cert.pem'))) return false;
    try {
      await registerAndEnroll(network, org, { name, type: 'client', role, msp });
    } catch (error) {
      throw new ApiError({
        status: 502,
        code: 'CA_ERROR',
        title: 'CA failure',
        detail: `the ${org.name} CA did not register ${name} (already registered there?)`,
        cause: error,
      });
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
