/** Gateway connections for the benchmarks: one shared gRPC client per identity, with deadlines sized for bulk work. */
import type { Contract, Gateway } from '@hyperledger/fabric-gateway';
import { findOrg, type NetworkConfig } from '../../network/src/config';
import { connectOrg } from '../../network/src/peer-access';

/** A contract handle and a way to close its connection. */
export interface BenchContract {
  contract: Contract;
  gateway: Gateway;
  close(): void;
}

/**
 * Connects as `user` of `orgRef` through that organisation's own peer.
 * `slowMs` is the endorse/evaluate deadline (bulk imports and traces need minutes on 2 cores).
 * `chaincode` is the chaincode name on the channel (`config.chaincode` by default).
 */
export function benchContract(
  config: NetworkConfig,
  orgRef: string,
  user: string,
  contractName?: string,
  slowMs = 60_000,
  chaincode = config.chaincode,
): BenchContract {
  const org = findOrg(config, orgRef);
  const conn = connectOrg(org, user, { deadlines: { evaluateMs: slowMs, endorseMs: slowMs, submitMs: 30_000, commitStatusMs: slowMs } });
  const gateway = conn.gateway;
  const contract = gateway.getNetwork(config.channel).getContract(chaincode, contractName);
  return {
    contract,
    gateway,
    close: () => conn.close(),
  };
}

const decoder = new TextDecoder();

/** Decodes a JSON transaction result. */
export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
