/**
 * Shared access to the network that the integration runner brought up.
 * The runner passes its data folder and port offset through the environment,
 * so `loadConfig()` here resolves the same nodes.
 */
import { findOrg, loadConfig, type NetworkConfig, type Org } from '../../../network/src/config';
import type { Connection } from '@lotline/ledger-client';
import { connectOrg } from '../../../network/src/peer-access';
import type { Contract } from '@hyperledger/fabric-gateway';
import { recordingContract } from './acknowledged';

export const config: NetworkConfig = loadConfig();

/** An organisation of the test network by key, name or MSP ID. */
export function org(ref: string): Org {
  return findOrg(config, ref);
}

const open: Connection[] = [];

/** A gateway connection as `user` of `orgRef`, through that organisation's own peer (or `peerRef`'s). */
export function connect(orgRef: string, user: string, peerRef?: string): Connection {
  const c = connectOrg(org(orgRef), user, peerRef ? { peerOrg: org(peerRef) } : {});
  open.push(c);
  return c;
}

/** The chaincode's contract for a connection; each transaction that commits is recorded as acknowledged (./acknowledged.ts). */
export function contract(conn: Connection, name?: string): Contract {
  return recordingContract(conn.gateway.getNetwork(config.channel).getContract(config.chaincode, name));
}

/** Closes every connection opened through `connect`. */
export function closeAll(): void {
  for (const c of open.splice(0)) c.close();
}

/** A unique id for records created by one test run. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
