/**
 * The topology's side of @lotline/ledger-client: where an organisation's peer
 * is, which MSP folder holds an identity, and the readiness rule applied to
 * every local peer after bring-up. Connecting, retries and readiness
 * themselves live in the ledger client.
 */
import path from 'node:path';
import {
  connectGateway,
  loadSigningIdentity,
  LotLedger,
  waitUntilEndorsable,
  type Connection,
  type Deadlines,
  type PeerTarget,
  type Readiness,
  type ReadinessProgress,
  type SigningIdentity,
} from '@lotline/ledger-client';
import { endpoint, tlsRootCert, userDir, type NetworkConfig, type Org } from './config';

/** Where an organisation's peer listens, and the TLS root that verifies it. */
export function peerTarget(org: Org): PeerTarget {
  return { endpoint: endpoint(org, 'peer'), tlsRootCert: tlsRootCert(org), hostAlias: 'localhost' };
}

/** The MSP folder of a named identity: an enrolled user, or `orgadmin`. */
export function identityMsp(org: Org, user: string): string {
  if (user === 'orgadmin') return org.paths.adminMsp;
  return path.join(userDir(org, user), 'msp');
}

/** The signing identity of `user` of `org`, from its MSP folder. */
export function orgIdentity(org: Org, user: string): SigningIdentity {
  return loadSigningIdentity(org.mspId, identityMsp(org, user));
}

/** What {@link connectOrg} may change. */
export interface OrgConnectOptions {
  /** Another organisation's peer to connect to (default: the user's own). */
  readonly peerOrg?: Org;
  readonly deadlines?: Partial<Deadlines>;
}

/** Connect as `user` of `org` through its own peer (or `options.peerOrg`'s). */
export function connectOrg(org: Org, user: string, options: OrgConnectOptions = {}): Connection {
  return connectGateway({
    peer: peerTarget(options.peerOrg ?? org),
    identity: orgIdentity(org, user),
    ...(options.deadlines !== undefined ? { deadlines: options.deadlines } : {}),
  });
}

/** The typed ledger client over a connection. */
export function ledgerOf(config: NetworkConfig, connection: Connection): LotLedger {
  return new LotLedger({ gateway: connection.gateway, channel: config.channel, chaincode: config.chaincode });
}

/**
 * The readiness rule on each of `orgs`' peers (default: the local ones): wait
 * until discovery there lists endorsers of the chaincode for every
 * organisation of the channel. Signs as each organisation's admin.
 * @returns the longest wait.
 */
export async function waitForEndorsers(
  config: NetworkConfig,
  options: {
    orgs?: readonly Org[];
    /** The chaincode name; `config.chaincode` by default. */
    chaincode?: string;
    timeoutMs?: number;
    onProgress?: (org: Org, progress: ReadinessProgress) => void;
  } = {},
): Promise<Readiness> {
  const orgs = options.orgs ?? config.orgs.filter((o) => config.localOrgs.has(o.key));
  const organizations = config.orgs.map((o) => o.mspId);
  const waits = await Promise.all(
    orgs.map(async (org) => {
      const connection = connectOrg(org, 'orgadmin');
      try {
        return await waitUntilEndorsable(
          {
            client: connection.client,
            signing: connection.signing,
            channel: config.channel,
            chaincode: options.chaincode ?? config.chaincode,
            organizations,
          },
          {
            ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
            ...(options.onProgress !== undefined ? { onProgress: (p: ReadinessProgress) => options.onProgress?.(org, p) } : {}),
          },
        );
      } finally {
        connection.close();
      }
    }),
  );
  return waits.reduce((a, b) => (b.waitedMs > a.waitedMs ? b : a), { waitedMs: 0, checks: 0 });
}
