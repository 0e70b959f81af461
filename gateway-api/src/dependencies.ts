/** Builds the real dependencies of `createServer` from the configuration. */
import { readdirSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { checkEndorsers, newPeerClient, newSigningIdentity, peerReachable, type SigningIdentity } from '@lotline/ledger-client';
import type { Logger } from 'pino';
import type { ServerDeps } from './app';
import { createTokenVerifier } from './auth/jwt';
import type { ApiConfig } from './config';
import { createMetrics, type Metrics } from './http/metrics';
import { fabricCaRegistrar } from './identity/registrar';
import { cachedWallet, loadWalletIdentity, type WalletIdentity } from './identity/wallet';
import { GatewayPool } from './ledger/connections';
import { startReadModel } from './read-model';

/**
 * The identity that signs the readiness check (a discovery query needs a
 * channel member's signature): the first enrolled user of the wallet, by name.
 */
function serviceIdentity(walletDir: string, mspId: string): WalletIdentity | undefined {
  let users: string[];
  try {
    users = readdirSync(walletDir).sort();
  } catch {
    return undefined;
  }
  for (const user of users) {
    try {
      const identity = loadWalletIdentity(walletDir, mspId, user);
      if (identity !== undefined && identity.revoked === undefined) return identity;
    } catch {
      // not a user folder
    }
  }
  return undefined;
}

function signingFor(identity: WalletIdentity | undefined): SigningIdentity | undefined {
  return identity === undefined ? undefined : newSigningIdentity(identity);
}

/** Dependencies plus a way to release them. */
export interface Dependencies {
  readonly deps: ServerDeps;
  readonly client: grpc.Client;
  close(): void;
}

/** Connect to the peer (one gRPC client), prepare the token verifier, the wallet and the CA registrar. */
export function buildDependencies(
  config: ApiConfig,
  logger: Logger,
  options: { metrics?: Metrics; readyTimeoutMs?: number } = {},
): Dependencies {
  const tokens = createTokenVerifier(config.auth, [config.org.mspId, config.org.name]);
  const client = newPeerClient({
    endpoint: config.peer.endpoint,
    tlsRootCert: config.peer.tlsRootCertFile,
    hostAlias: config.peer.hostAlias,
  });
  const memberMsps = config.memberMsps;
  let signing: SigningIdentity | undefined;
  const pool = new GatewayPool(client, config.timeouts);
  // The indexer reads blocks as the wallet's service identity (any enrolled member may).
  const readModel =
    config.readModel === undefined
      ? undefined
      : startReadModel(config.readModel, {
          gateway: () => {
            const identity = serviceIdentity(config.walletDir, config.org.mspId);
            if (identity === undefined) throw new Error(`no enrolled user in ${config.walletDir} to read blocks with`);
            return pool.get(identity);
          },
          channel: config.channel,
          chaincode: config.chaincode,
          logger,
        });
  const deps: ServerDeps = {
    org: { name: config.org.name, mspId: config.org.mspId },
    channel: config.channel,
    chaincode: config.chaincode,
    memberMsps,
    tokens,
    signIn: {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      explorerClientId: config.auth.explorerClientId,
      cliClientId: config.auth.cliClientId,
    },
    wallet: cachedWallet(config.walletDir, config.org.mspId),
    gateways: pool,
    ready: () => peerReachable(client, options.readyTimeoutMs ?? 1500),
    endorsers: async () => {
      signing ??= signingFor(serviceIdentity(config.walletDir, config.org.mspId));
      if (signing === undefined)
        return { missing: memberMsps, satisfiable: false, problem: `no enrolled user in ${config.walletDir} to sign the check` };
      return checkEndorsers({ client, signing, channel: config.channel, chaincode: config.chaincode, organizations: memberMsps });
    },
    ...(config.ca !== undefined ? { registrar: fabricCaRegistrar(config.ca, config.org.name, config.walletDir) } : {}),
    logger,
    metrics: options.metrics ?? createMetrics(),
    bodyLimit: config.bodyLimit,
    epcisBodyLimit: config.epcisBodyLimit,
    txRetries: config.txRetries,
    ...(config.webDir !== undefined ? { webDir: config.webDir } : {}),
    ...(readModel !== undefined ? { readModel } : {}),
    epcisWebhookHosts: config.epcisWebhookHosts,
    labels: {
      ...(config.labels.resolverBase !== undefined ? { resolverBase: config.labels.resolverBase } : {}),
      ...(config.labels.font !== undefined ? { font: config.labels.font } : {}),
    },
  };
  return {
    deps,
    client,
    close() {
      const rest = (): void => {
        pool.close();
        client.close();
      };
      if (readModel === undefined) rest();
      else void readModel.close().finally(rest);
    },
  };
}
