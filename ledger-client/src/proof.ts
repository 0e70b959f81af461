/**
 * Decodes what qscc returns for a transaction (`GetTransactionByID`: a
 * ProcessedTransaction; `GetBlockByTxID`: its Block) with
 * @hyperledger/fabric-protos: block number and index, validation code,
 * creator and endorsers (MSP ID, certificate subject, signature check), and
 * the write set with a digest of each value.
 */
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { canonicalDigest, splitCompositeKey, type TransactionProof, type TxIdentity, type TxWrite } from '@lotline/domain';
import { validationCodeName } from './classify';

function subject(cert: Uint8Array): string {
  try {
    return new X509Certificate(Buffer.from(cert)).subject.split('\n').join(', ');
  } catch {
    return '(not an X.509 certificate)';
  }
}

function identityOf(serialized: Uint8Array): TxIdentity & { cert: Uint8Array } {
  const id = msp.SerializedIdentity.deserializeBinary(serialized);
  const cert = id.getIdBytes_asU8();
  return { mspId: id.getMspid(), subject: subject(cert), cert };
}

function signatureValid(payload: Uint8Array, endorsement: peer.Endorsement, cert: Uint8Array): boolean {
  try {
    const signed = Buffer.concat([Buffer.from(payload), Buffer.from(endorsement.getEndorser_asU8())]);
    return verify('sha256', signed, createPublicKey(Buffer.from(cert)), Buffer.from(endorsement.getSignature_asU8()));
  } catch {
    return false;
  }
}

/**
 * A write of a block feed: a {@link TxWrite} without the digest of its value,
 * which a read model does not need (proofs come from `decodeTransaction`).
 */
export type BlockWrite = Omit<TxWrite, 'sha256'>;

/** How much of a transaction to decode: proofs verify endorsements and digest values; a block feed does neither. */
type Depth = 'proof' | 'feed';

function decodeWrite(namespace: string, write: ledger.rwset.kvrwset.KVWrite, depth: Depth): TxWrite {
  const key = write.getKey();
  const bytes = write.getValue_asU8();
  let value: unknown = null;
  let sha256: string | null = null;
  if (!write.getIsDelete()) {
    const text = Buffer.from(bytes).toString('utf8');
    try {
      value = JSON.parse(text) as unknown;
      if (depth === 'proof') sha256 = canonicalDigest(value);
    } catch {
      value = text;
      if (depth === 'proof') sha256 = createHash('sha256').update(bytes).digest('hex');
    }
  }
  return { namespace, key, ...splitCompositeKey(key), isDelete: write.getIsDelete(), sha256, value };
}

interface ActionParts {
  endorsers: TransactionProof['endorsers'];
  chaincode: string;
  writes: TxWrite[];
  event: TransactionProof['event'];
}

function decodeAction(action: peer.TransactionAction, depth: Depth = 'proof'): ActionParts {
  const payload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsed = payload.getAction();
  if (endorsed === undefined) return { endorsers: [], chaincode: '', writes: [], event: null };
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  // Parsing certificates and checking signatures is most of a block's decoding time: only proofs do it.
  const endorsers =
    depth === 'feed'
      ? []
      : endorsed.getEndorsementsList().map((e) => {
          const { cert, ...who } = identityOf(e.getEndorser_asU8());
          return { ...who, signatureValid: signatureValid(prpBytes, e, cert) };
        });
  const prp = peer.ProposalResponsePayload.deserializeBinary(prpBytes);
  const ccAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(ccAction.getResults_asU8());
  const writes = rwset.getNsRwsetList().flatMap((ns) =>
    ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8())
      .getWritesList()
      .map((w) => decodeWrite(ns.getNamespace(), w, depth)),
  );
  const eventBytes = ccAction.getEvents_asU8();
  const ccEvent = eventBytes.length > 0 ? peer.ChaincodeEvent.deserializeBinary(eventBytes) : undefined;
  let event: TransactionProof['event'] = null;
  if (ccEvent !== undefined && ccEvent.getEventName() !== '') {
    const text = Buffer.from(ccEvent.getPayload_asU8()).toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // not JSON: keep the text
    }
    event = { name: ccEvent.getEventName(), payload: parsed };
  }
  return { endorsers, chaincode: ccAction.getChaincodeId()?.getName() ?? '', writes, event };
}

function txIdOfEnvelope(bytes: Uint8Array): string | undefined {
  try {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(bytes).getPayload_asU8());
    const header = payload.getHeader();
    return header === undefined ? undefined : common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getTxId();
  } catch {
    return undefined;
  }
}

/** One transaction of a committed block, as the peer validated it. */
export interface BlockTransaction {
  readonly txId: string;
  /** Position in the block. */
  readonly txIndex: number;
  readonly validationCode: string;
  readonly valid: boolean;
  readonly timestamp: string;
  readonly creatorMsp: string;
  readonly chaincode: string;
  readonly writes: readonly BlockWrite[];
  readonly event: TransactionProof['event'];
}

/** A committed block: its number and its endorser transactions (config transactions are left out). */
export interface DecodedBlock {
  readonly number: bigint;
  readonly transactions: readonly BlockTransaction[];
}

function isoOf(ts: { getSeconds(): number; getNanos(): number } | undefined): string {
  return ts === undefined ? '' : new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6)).toISOString();
}

function decodeEnvelope(bytes: Uint8Array, txIndex: number, code: number): BlockTransaction | undefined {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(bytes).getPayload_asU8());
  const header = payload.getHeader();
  if (header === undefined) return undefined;
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return undefined;
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const valid = code === peer.TxValidationCode.VALID;
  // An invalid transaction's write set was never applied: leave it undecoded.
  const parts = valid
    ? peer.Transaction.deserializeBinary(payload.getData_asU8())
        .getActionsList()
        .map((a) => decodeAction(a, 'feed'))
    : [];
  return {
    txId: channelHeader.getTxId(),
    txIndex,
    validationCode: validationCodeName(code),
    valid,
    timestamp: isoOf(channelHeader.getTimestamp() as unknown as { getSeconds(): number; getNanos(): number } | undefined),
    creatorMsp: msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8()).getMspid(),
    chaincode: parts[0]?.chaincode ?? '',
    writes: parts.flatMap((p) => p.writes.map(({ sha256: _digest, ...write }) => write)),
    event: parts.find((p) => p.event !== null)?.event ?? null,
  };
}

/**
 * Decode a committed block (as block events deliver it): each endorser
 * transaction with its validation code from the block's TRANSACTIONS_FILTER
 * metadata, and, for VALID ones, the write set and chaincode event.
 */
export function decodeBlock(block: common.Block): DecodedBlock {
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  const transactions: BlockTransaction[] = [];
  (block.getData()?.getDataList_asU8() ?? []).forEach((bytes, index) => {
    const tx = decodeEnvelope(bytes, index, filter[index] ?? peer.TxValidationCode.INVALID_OTHER_REASON);
    if (tx !== undefined) transactions.push(tx);
  });
  return { number: BigInt(block.getHeader()?.getNumber() ?? 0), transactions };
}

/** Decode qscc's answers for one transaction. */
export function decodeTransaction(processedTxBytes: Uint8Array, blockBytes: Uint8Array): TransactionProof {
  const processed = peer.ProcessedTransaction.deserializeBinary(processedTxBytes);
  const envelope = processed.getTransactionenvelope();
  if (envelope === undefined) throw new Error('the processed transaction has no envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = payload.getHeader();
  if (header === undefined) throw new Error('the transaction has no header');
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const creatorIdentity = identityOf(signatureHeader.getCreator_asU8());
  const creator = { mspId: creatorIdentity.mspId, subject: creatorIdentity.subject };
  const parts = peer.Transaction.deserializeBinary(payload.getData_asU8())
    .getActionsList()
    .map((a) => decodeAction(a, 'proof'));
  const block = common.Block.deserializeBinary(blockBytes);
  const txId = channelHeader.getTxId();
  const txIndex = (block.getData()?.getDataList_asU8() ?? []).findIndex((bytes) => txIdOfEnvelope(bytes) === txId);
  const ts = channelHeader.getTimestamp() as unknown as { getSeconds(): number; getNanos(): number } | undefined;
  const code = processed.getValidationcode();
  return {
    txId,
    channel: channelHeader.getChannelId(),
    blockNumber: block.getHeader()?.getNumber() ?? -1,
    txIndex,
    validationCode: validationCodeName(code),
    valid: code === peer.TxValidationCode.VALID,
    timestamp: isoOf(ts),
    creator,
    endorsers: parts.flatMap((p) => p.endorsers),
    chaincode: parts[0]?.chaincode ?? '',
    writes: parts.flatMap((p) => p.writes),
    event: parts.find((p) => p.event !== null)?.event ?? null,
  };
}
