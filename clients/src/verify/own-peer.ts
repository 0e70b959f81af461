/**
 * Reads a transaction from the auditor's OWN peer through qscc (the query
 * system chaincode) with the ledger client, without going through the API:
 * GetTransactionByID for the envelope and its validation code,
 * GetBlockByTxID for the block.
 */
import { exportTransactions, ledgerSource, verifyEvidence, type VerificationReport } from '@lotline/evidence';
import { findOrg, type NetworkConfig } from '../../../network/src/config';
import { connectOrg, ledgerOf } from '../../../network/src/peer-access';
import { decodeTransaction, type LedgerTransaction } from './decode';

export interface OwnPeer {
  /** Organisation whose peer is asked (default Bank: the auditor). */
  org: string;
  /** Enrolled user of that organisation (default auditor1). */
  user: string;
}

/**
 * Fetches and decodes one transaction from `peer`'s own copy of the ledger.
 * @throws TransactionNotFoundError (@lotline/ledger-client) when that peer does not have it.
 */
export async function fetchOwnTransaction(config: NetworkConfig, peer: OwnPeer, txId: string): Promise<LedgerTransaction> {
  const connection = connectOrg(findOrg(config, peer.org), peer.user);
  try {
    const raw = await ledgerOf(config, connection).rawTransaction(txId);
    return decodeTransaction(raw.processedTransaction, raw.block);
  } finally {
    connection.close();
  }
}

/**
 * Runs the evidence verifier (@lotline/evidence, the same one as
 * `lotline evidence verify` and the proof endpoint) on the transaction's block,
 * the configuration blocks in force and the genesis block, read from `peer`'s
 * own copy of the ledger.
 * @throws TransactionNotFoundError (@lotline/ledger-client) when that peer does not have it.
 */
export async function verifyOnOwnPeer(config: NetworkConfig, peer: OwnPeer, txId: string): Promise<VerificationReport> {
  const org = findOrg(config, peer.org);
  const connection = connectOrg(org, peer.user);
  try {
    const source = ledgerSource(ledgerOf(config, connection), config.channel, { peer: `${org.name} peer`, mspId: org.mspId });
    return verifyEvidence(await exportTransactions(source, [txId]));
  } finally {
    connection.close();
  }
}

/** One transaction's unsigned validity flag and block, as a bundle has them and as a second peer reports them. */
export interface FlagComparison {
  readonly txId: string;
  readonly ok: boolean;
  readonly bundle: string;
  readonly peer: string;
}

/**
 * Asks `peer` (a second organisation's peer, online) for the validation code
 * and block of each transaction: validity flags are no orderer's signature,
 * so a second organisation's copy is the check on the serving peer's.
 */
export async function compareFlags(
  config: NetworkConfig,
  peer: OwnPeer,
  transactions: readonly { readonly txId: string; readonly blockNumber: number; readonly validationCode: string }[],
): Promise<FlagComparison[]> {
  const connection = connectOrg(findOrg(config, peer.org), peer.user);
  try {
    const ledger = ledgerOf(config, connection);
    const compared: FlagComparison[] = [];
    for (const tx of transactions) {
      const status = await ledger.transactionStatus(tx.txId);
      const bundle = `${tx.validationCode} in block ${tx.blockNumber}`;
      const seen = `${status.validationCode} in block ${status.blockNumber}`;
      compared.push({ txId: tx.txId, ok: bundle === seen, bundle, peer: seen });
    }
    return compared;
  } finally {
    connection.close();
  }
}
