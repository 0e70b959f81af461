/** Builds the real dependencies of `createServer` from the configuration. */
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ServerDeps } from './app';
import { createTokenVerifier } from './auth/jwt';
import { ensureLocalKeys } from './auth/keys';
import type { ApiConfig } from './config';
import { createMetrics, type Metrics } from './http/metrics';
import { caRegistrar } from './identity/registrar';
import { loadWalletIdentity } from './identity/wallet';
import { createPeerClient, GatewayPool, peerReady } from './ledger/connections';

/** Dependencies plus a way to release them. */
export interface Dependencies {
  readonly deps: ServerDeps;
  readonly client: grpc.Client;
  close(): void;
}

/** Connect to the peer (one gRPC client), prepare the token verifier (generating local keys if needed) and the wallet. */
export async function buildDependencies(
  config: ApiConfig,
  logger: Logger,
  options: { metrics?: Metrics; readyTimeoutMs?: number } = {},
): Promise<Dependencies> {
  if (config.auth.generateLocalKeys) await ensureLocalKeys(config.auth.jwksFile.replace(/\/[^/]+$/, ''));
  const tokens = createTokenVerifier(config.auth, [config.org.mspId, config.org.name]);
  const client = createPeerClient(config.peer);
  const pool = new GatewayPool(client, config.timeouts);
  const deps: ServerDeps = {
    org: { name: config.org.name, mspId: config.org.mspId },
    channel: config.channel,
    chaincode: config.chaincode,
    memberMsps: config.network.orgs.map((o) => o.mspId),
    tokens,
    wallet: (user) => loadWalletIdentity(config.walletDir, config.org.mspId, user),
    gateways: pool,
    ready: () => peerReady(client, options.readyTimeoutMs ?? 1500),
    registrar: caRegistrar(config.network, config.networkOrg, config.walletDir),
    logger,
    metrics: options.metrics ?? createMetrics(),
    bodyLimit: config.bodyLimit,
    txRetries: config.txRetries,
    webDir: process.env.LOTLINE_WEB_DIR ?? path.join(config.network.repoRoot, 'clients', 'web', 'dist'),
  };
  return {
    deps,
    client,
    close() {
      pool.close();
      client.close();
    },
  };
}
