/** Gateway connections for the benchmarks: one shared gRPC client per identity, with deadlines sized for bulk work. */
import { connect, hash, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { findOrg, type NetworkConfig } from '../../network/src/config';
import { loadIdentity, peerClient } from '../../network/src/gateway';

/** A contract handle and a way to close its connection. */
export interface BenchContract {
  contract: Contract;
  gateway: Gateway;
  close(): void;
}

/**
 * Connects as `user` of `orgRef` through that organisation's own peer.
 * `slowMs` is the endorse/evaluate deadline (bulk imports and traces need minutes on 2 cores).
 */
export function benchContract(config: NetworkConfig, orgRef: string, user: string, contractName?: string, slowMs = 60_000): BenchContract {
  const org = findOrg(config, orgRef);
  const client = peerClient(org);
  const { identity, signer } = loadIdentity(org, user);
  const gateway = connect({
    client,
    identity,
    signer,
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + slowMs }),
    endorseOptions: () => ({ deadline: Date.now() + slowMs }),
    submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + slowMs }),
  });
  const contract = gateway.getNetwork(config.channel).getContract(config.chaincode, contractName);
  return {
    contract,
    gateway,
    close() {
      gateway.close();
      client.close();
    },
  };
}

const decoder = new TextDecoder();

/** Decodes a JSON transaction result. */
export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
