/**
 * Shapes of what the chaincode returns (chaincode/README.md) and of the API's
 * answers, as the API, the CLI and the web explorer see them. Inputs are the
 * zod schemas of schemas.ts. Types only: the browser build of the web explorer
 * imports them too.
 */
import type { Role } from './roles';
import type { ParticipantInput } from './schemas';

export type LotStatus = 'active' | 'on_hold' | 'recalled' | 'consumed' | 'destroyed';
export type Verdict = 'pass' | 'fail' | 'conditional';
export type TraceDirection = 'backward' | 'forward';

export interface Quantity {
  amount: number;
  unit: string;
}

export interface RecordedBy {
  msp: string;
  certId: string;
  role: Role | null;
}

/** Why a lot is affected: its own hold or recall, or an ancestor's. */
export interface AffectedRef {
  kind: 'recall' | 'hold';
  sourceLotId: string;
  eventId: string;
  recallId?: string;
}

export interface Transfer {
  lotId: string;
  from: string;
  to: string;
  proposedAt: string;
  proposedBy: RecordedBy;
  proposalTxId: string;
}

/** A lot as stored, with the fields that reads (ReadLot) derive. */
export interface Lot {
  id: string;
  product: { code: string; name: string };
  quantity: Quantity;
  producer: string;
  custodian: string;
  status: LotStatus;
  inputs: { lotId: string; quantity: Quantity }[];
  process: { site: string; line: string; changePoint?: string };
  attributes: Record<string, string>;
  createdAt: string;
  createdTxId: string;
  holds: { holdId: string; includeDescendants: boolean }[];
  recall: { recallId: string; eventId: string } | null;
  remaining?: Quantity;
  affected?: boolean;
  affectedBy?: AffectedRef[];
  latestInspection?: { eventId: string; verdict: Verdict; recordedAt: string } | null;
  pendingTransfer?: Transfer | null;
}

export interface TraceNode {
  id: string;
  product: { code: string; name: string };
  quantity: Quantity;
  producer: string;
  custodian: string;
  status: LotStatus;
  latestVerdict: Verdict | null;
  affected: boolean;
  affectedBy: AffectedRef[];
  depth: number;
}

/** An edge of a trace; it always reads parent (`from`) → child (`to`). */
export interface TraceEdge {
  from: string;
  to: string;
  quantity: Quantity;
}

export interface Trace {
  root: string;
  direction: TraceDirection;
  nodes: TraceNode[];
  edges: TraceEdge[];
  truncated: boolean;
  maxDepth: number;
  maxNodes: number;
}

/** One modification of a lot document. */
export interface HistoryEntry {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: Lot | null;
}

/** One page of a lot's history, oldest first; `bookmark` fetches the next ('' after the last page). */
export interface HistoryPage {
  lotId: string;
  history: HistoryEntry[];
  bookmark: string;
}

export interface Measurement {
  characteristic: string;
  value: number;
  unit: string;
  lower: number;
  upper: number;
}

/** A quality event of a lot: `eventId` is the id of the transaction that recorded it. */
export interface QualityEvent {
  eventId: string;
  lotId: string;
  type: 'inspection' | 'nonconformance' | 'corrective_action' | 'hold' | 'release' | 'recall';
  recordedBy: RecordedBy;
  recordedAt: string;
  verdict?: Verdict;
  measurements?: Measurement[];
  certificate?: { sha256: string; uri: string };
  notes?: string;
  description?: string;
  holdId?: string;
  recallId?: string;
  reason?: string;
  includeDescendants?: boolean;
  [field: string]: unknown;
}

/** One page of a lot's quality events, oldest first; `bookmark` fetches the next ('' after the last page). */
export interface QualityEventList {
  lotId: string;
  events: QualityEvent[];
  bookmark: string;
}

/** A page request of a paginated list: at most `limit` entries from `bookmark` ('' or absent for the first page). */
export interface PageRequest {
  limit?: number;
  bookmark?: string;
}

/** The stored recall: the lots it affects are computed when its report is read. */
export interface RecallRecord {
  recallId: string;
  sourceLotId: string;
  reason: string;
  startedAt: string;
  startedBy: RecordedBy;
  eventId: string;
}

/** One lot that a recall reaches, with its current holder to notify. */
export interface RecallAffectedLot {
  lotId: string;
  custodian: string;
  producer: string;
  status: LotStatus;
  depth: number;
}

export interface RecallReport {
  recallId: string;
  sourceLotId: string;
  reason: string;
  startedAt: string;
  startedBy: RecordedBy;
  eventId: string;
  affected: RecallAffectedLot[];
  /** True when `maxDepth` or `maxNodes` cut the walk: raise them to see more. */
  truncated: boolean;
  maxDepth: number;
  maxNodes: number;
}

export type ParticipantKind = 'municipality' | 'supplier' | 'manufacturer' | 'testing_institute' | 'bank' | 'other';

export interface Participant extends ParticipantInput {
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** A write that committed as VALID: the chaincode's result, the transaction id and its block. */
export interface Committed<T> {
  result: T;
  txId: string;
  blockNumber: number;
}

/** An identity in a transaction. */
export interface TxIdentity {
  mspId: string;
  subject: string;
}

/** One key a transaction wrote. */
export interface TxWrite {
  namespace: string;
  /** The composite key with its U+0000 separators. */
  key: string;
  /** Composite key parts: object type, then attributes (empty for a simple key). */
  objectType: string;
  attributes: string[];
  isDelete: boolean;
  /** sha256 (hex) of the canonical JSON of the value (or of the raw bytes when not JSON). */
  sha256: string | null;
  value: unknown;
}

/** What the ledger says about one transaction. */
export interface TransactionProof {
  txId: string;
  channel: string;
  blockNumber: number;
  /** Index of the transaction in its block. */
  txIndex: number;
  validationCode: string;
  valid: boolean;
  timestamp: string;
  creator: TxIdentity;
  endorsers: (TxIdentity & { signatureValid: boolean })[];
  chaincode: string;
  writes: TxWrite[];
  event: { name: string; payload: unknown } | null;
}

/** The record check of a proof (`?lotId=`, `?key=`, `?expect=`). */
export interface RecordCheck {
  key: string;
  /** The transaction wrote this key. */
  found: boolean;
  /** sha256 of the canonical JSON the transaction wrote there. */
  sha256: string | null;
  /** What it was compared with: the digest given as `expect`, or the lot's history entry for this transaction. */
  comparedWith: 'expect' | 'lot-history' | null;
  expected: string | null;
  matches: boolean | null;
}

/** One failed check of the evidence verifier (@lotline/evidence `Finding`). */
export interface VerifierFailure {
  /** The check's stable name (`ENDORSEMENT_POLICY`, `ORDERER_SIGNATURE`...). */
  check: string;
  block?: number;
  txId?: string;
  detail: string;
}

/** The evidence verifier's verdict on a transaction's block, as the proof endpoint ran it. */
export interface ProofVerification {
  /** Every check passed. */
  ok: boolean;
  /** How many checks ran. */
  checks: number;
  failures: VerifierFailure[];
  /** The header hash of the genesis block the verdict trusts (compare it with your own copy). */
  genesisHeaderHash: string | null;
  /** What the verifier cannot establish (validity flags are unsigned...). */
  notes: string[];
}

/** The body of `GET /transactions/{txId}/proof`: the ledger's proof, each write's display key, the record check and the verdict. */
export interface TransactionProofResponse extends Omit<TransactionProof, 'writes'> {
  writes: (TxWrite & { displayKey: string })[];
  record: RecordCheck | null;
  /** The evidence verifier's checks of the transaction's block (absent from answers recorded before it existed). */
  verification?: ProofVerification;
  /** `verification.ok`, and the record matches when one was asked for. */
  verified: boolean;
}

/** A chaincode event with its position. */
export interface LedgerEvent {
  /** `<blockNumber>:<txId>`; resume after it with Last-Event-ID. */
  id: string;
  blockNumber: number;
  txId: string;
  type: string;
  payload: Record<string, unknown>;
}
