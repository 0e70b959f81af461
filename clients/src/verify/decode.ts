/**
 * Decodes what qscc returns (a ProcessedTransaction and its Block) into a
 * plain description of the transaction: where it is, whether the peer
 * validated it, who created and endorsed it, and what it wrote.
 * Endorsement signatures are checked here against the endorsers' certificates.
 */
import { createPublicKey, verify as verifySignature, X509Certificate } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

/** An identity from a transaction: MSP ID and certificate subject. */
export interface TxIdentity {
  mspId: string;
  subject: string;
}

/** One key the transaction wrote. `value` is the JSON-parsed value when it is JSON, else the text. */
export interface TxWrite {
  namespace: string;
  key: string;
  isDelete: boolean;
  value: unknown;
}

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

const VALIDATION_NAMES = new Map<number, string>(Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]));

/** The name of a Fabric transaction validation code (`VALID`, `MVCC_READ_CONFLICT`…). */
export function validationCodeName(code: number): string {
  return VALIDATION_NAMES.get(code) ?? `UNKNOWN_${code}`;
}

function subjectOf(certPem: Uint8Array): string {
  try {
    return new X509Certificate(Buffer.from(certPem)).subject.replace(/\n/g, ', ');
  } catch {
    return '(not an X.509 certificate)';
  }
}

function identity(serialized: Uint8Array): TxIdentity & { cert: Uint8Array } {
  const id = msp.SerializedIdentity.deserializeBinary(serialized);
  const cert = id.getIdBytes_asU8();
  return { mspId: id.getMspid(), subject: subjectOf(cert), cert };
}

function parseValue(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function endorsementValid(payload: Uint8Array, endorsement: peer.Endorsement, cert: Uint8Array): boolean {
  try {
    const key = createPublicKey(Buffer.from(cert));
    const signed = Buffer.concat([Buffer.from(payload), Buffer.from(endorsement.getEndorser_asU8())]);
    return verifySignature('sha256', signed, key, Buffer.from(endorsement.getSignature_asU8()));
  } catch {
    return false;
  }
}

function isoTime(ts: { getSeconds(): number; getNanos(): number } | undefined): string {
  if (!ts) return '';
  return new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6)).toISOString();
}

interface ActionParts {
  endorsements: TxEndorsement[];
  chaincode: string;
  writes: TxWrite[];
  event: LedgerTransaction['event'];
}

function decodeAction(action: peer.TransactionAction): ActionParts {
  const payload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsed = payload.getAction();
  if (!endorsed) return { endorsements: [], chaincode: '', writes: [], event: undefined };
  const prpBytes = endorsed.getProposalResponsePayload_asU8();
  const endorsements = endorsed.getEndorsementsList().map((e) => {
    const { cert, ...who } = identity(e.getEndorser_asU8());
    return { ...who, signatureValid: endorsementValid(prpBytes, e, cert) };
  });
  const prp = peer.ProposalResponsePayload.deserializeBinary(prpBytes);
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
  const writes: TxWrite[] = [];
  for (const ns of rwset.getNsRwsetList()) {
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
    for (const w of kv.getWritesList()) {
      writes.push({
        namespace: ns.getNamespace(),
        key: w.getKey(),
        isDelete: w.getIsDelete(),
        value: w.getIsDelete() ? null : parseValue(w.getValue_asU8()),
      });
    }
  }
  const eventBytes = chaincodeAction.getEvents_asU8();
  const ccEvent = eventBytes.length > 0 ? peer.ChaincodeEvent.deserializeBinary(eventBytes) : undefined;
  return {
    endorsements,
    chaincode: chaincodeAction.getChaincodeId()?.getName() ?? '',
    writes,
    event: ccEvent && ccEvent.getEventName() ? { name: ccEvent.getEventName(), payload: parseValue(ccEvent.getPayload_asU8()) } : undefined,
  };
}

function txIdOf(envelopeBytes: Uint8Array): string {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
  const header = payload.getHeader();
  return header ? common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getTxId() : '';
}

/** Whether `block` holds the transaction `txId` with validation code `code` in its transactions filter. */
function blockHolds(block: common.Block, txId: string, code: number): boolean {
  const index = (block.getData()?.getDataList_asU8() ?? []).findIndex((bytes) => {
    try {
      return txIdOf(bytes) === txId;
    } catch {
      return false;
    }
  });
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  return index >= 0 && filter !== undefined && filter[index] === code;
}

/**
 * Decodes qscc's `GetTransactionByID` (ProcessedTransaction) and
 * `GetBlockByTxID` (Block) answers for one transaction.
 */
export function decodeTransaction(processedTx: Uint8Array, blockBytes: Uint8Array): LedgerTransaction {
  const processed = peer.ProcessedTransaction.deserializeBinary(processedTx);
  const envelope = processed.getTransactionenvelope();
  if (!envelope) throw new Error('the peer returned a processed transaction without an envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = payload.getHeader();
  if (!header) throw new Error('the transaction has no header');
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const { mspId, subject } = identity(signatureHeader.getCreator_asU8());
  const creator = { mspId, subject };
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const parts = transaction.getActionsList().map(decodeAction);
  const block = common.Block.deserializeBinary(blockBytes);
  return {
    txId: channelHeader.getTxId(),
    channel: channelHeader.getChannelId(),
    blockNumber: String(block.getHeader()?.getNumber() ?? ''),
    validationCode: validationCodeName(processed.getValidationcode()),
    // google-protobuf's Timestamp type is not resolvable from fabric-protos' typings; its two getters are all we use.
    timestamp: isoTime(channelHeader.getTimestamp() as unknown as Parameters<typeof isoTime>[0]),
    creator,
    endorsements: parts.flatMap((p) => p.endorsements),
    chaincode: parts[0]?.chaincode ?? '',
    writes: parts.flatMap((p) => p.writes),
    event: parts.find((p) => p.event)?.event,
    inBlock: blockHolds(block, channelHeader.getTxId(), processed.getValidationcode()),
  };
}
