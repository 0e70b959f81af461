/**
 * The auditor's view of what qscc returns (a ProcessedTransaction and its
 * Block): where the transaction is, whether the peer validated it, who
 * created and endorsed it, and what it wrote. The protobuf decoding is the
 * ledger client's (`decodeTransaction` of @lotline/ledger-client, the one qscc
 * decoder); this module only adds the check that the block's own transactions
 * filter gives the same validation code.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import type { TxIdentity as DomainTxIdentity, TxWrite as DomainTxWrite } from '@lotline/domain';
import { decodeTransaction as decodeQscc } from '@lotline/ledger-client';

/** An identity from a transaction: MSP ID and certificate subject. */
export type TxIdentity = DomainTxIdentity;

/** One key the transaction wrote. `value` is the JSON-parsed value when it is JSON, else the text. */
export type TxWrite = Pick<DomainTxWrite, 'namespace' | 'key' | 'isDelete' | 'value'>;

export interface TxEndorsement extends TxIdentity {
  /** The endorser's signature over the proposal response payload verifies with its certificate. */
  signatureValid: boolean;
}

/** A transaction as the auditor's own peer has it. */
export interface LedgerTransaction {
  txId: string;
  channel: string;
  blockNumber: string;
  validationCode: string;
  timestamp: string;
  creator: TxIdentity;
  endorsements: TxEndorsement[];
  chaincode: string;
  writes: TxWrite[];
  event: { name: string; payload: unknown } | undefined;
  /** The block holds this transaction's envelope, and its transactions filter gives the same validation code. */
  inBlock: boolean;
}

/**
 * Decodes qscc's `GetTransactionByID` (ProcessedTransaction) and
 * `GetBlockByTxID` (Block) answers for one transaction.
 */
export function decodeTransaction(processedTx: Uint8Array, blockBytes: Uint8Array): LedgerTransaction {
  const proof = decodeQscc(processedTx, blockBytes);
  const code = peer.ProcessedTransaction.deserializeBinary(processedTx).getValidationcode();
  const filter = common.Block.deserializeBinary(blockBytes).getMetadata()?.getMetadataList_asU8()[
    common.BlockMetadataIndex.TRANSACTIONS_FILTER
  ];
  return {
    txId: proof.txId,
    channel: proof.channel,
    blockNumber: proof.blockNumber >= 0 ? String(proof.blockNumber) : '',
    validationCode: proof.validationCode,
    timestamp: proof.timestamp,
    creator: proof.creator,
    endorsements: proof.endorsers,
    chaincode: proof.chaincode,
    writes: proof.writes.map(({ namespace, key, isDelete, value }) => ({ namespace, key, isDelete, value })),
    event: proof.event ?? undefined,
    inBlock: proof.txIndex >= 0 && filter !== undefined && filter[proof.txIndex] === code,
  };
}
