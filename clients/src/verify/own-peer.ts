/**
 * Reads a transaction from the auditor's OWN peer through qscc (the query
 * system chaincode), without going through the API: GetTransactionByID for
 * the envelope and its validation code, GetBlockByTxID for the block.
 */
import { GatewayError } from '@hyperledger/fabric-gateway';
import { findOrg, type NetworkConfig } from '../../../network/src/config';
import { connectAs } from '../../../network/src/gateway';
import { decodeTransaction, type LedgerTransaction } from './decode';

/** The transaction is not on the peer's ledger (not committed, another channel, or a wrong id). */
export class TransactionNotFoundError extends Error {
  constructor(txId: string, peerOrg: string, cause: unknown) {
    super(`transaction ${txId} is not on ${peerOrg}'s peer`, { cause });
    this.name = 'TransactionNotFoundError';
  }
}

export interface OwnPeer {
  /** Organisation whose peer is asked (default Bank: the auditor). */
  org: string;
  /** Enrolled user of that organisation (default auditor1). */
  user: string;
}

function detail(err: unknown): string {
  if (err instanceof GatewayError) return [err.message, ...err.details.map((d) => d.message)].join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** Fetches and decodes one transaction from `peer`'s own copy of the ledger. */
export async function fetchOwnTransaction(config: NetworkConfig, peer: OwnPeer, txId: string): Promise<LedgerTransaction> {
  const org = findOrg(config, peer.org);
  const connection = connectAs(org, peer.user);
  try {
    const qscc = connection.gateway.getNetwork(config.channel).getContract('qscc');
    let processed: Uint8Array;
    try {
      processed = await qscc.evaluateTransaction('GetTransactionByID', config.channel, txId);
    } catch (err) {
      if (/not found|no such transaction/i.test(detail(err))) throw new TransactionNotFoundError(txId, org.name, err);
      throw err;
    }
    const block = await qscc.evaluateTransaction('GetBlockByTxID', config.channel, txId);
    return decodeTransaction(processed, block);
  } finally {
    connection.close();
  }
}
