/**
 * Shapes of what the chaincode returns (chaincode/README.md), as the API and
 * the CLI see them. Inputs are the chaincode's own zod schemas (see schemas.ts).
 */

export type Role = 'admin' | 'quality_manager' | 'inspector' | 'auditor';
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

/** A lot as ReadLot returns it (stored fields plus derived ones). */
export interface Lot {
  id: string;
  product: { code: string; name: string };
  quantity: Quantity;
  producer: string;
  custodian: string;
  status: LotStatus;
  inputs: { lotId: string; quantity: Quantity }[];
  process: { site: string; line: string; changePoint?: string };
  attributes?: Record<string, string>;
  createdAt: string;
  remaining?: Quantity;
  affected?: boolean;
  affectedBy?: AffectedRef[];
  latestInspection?: { eventId: string; verdict: Verdict; recordedAt: string } | null;
  pendingTransfer?: Transfer | null;
  [field: string]: unknown;
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

export interface Trace {
  root: string;
  direction: TraceDirection;
  nodes: TraceNode[];
  /** Always parent (`from`) → child (`to`). */
  edges: { from: string; to: string; quantity: Quantity }[];
  truncated: boolean;
  maxDepth: number;
  maxNodes: number;
}

export interface HistoryEntry {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: unknown;
}

/** A quality event (inspection, nonconformance, corrective action, hold, release, recall). */
export interface QualityEvent {
  eventId: string;
  lotId: string;
  type: string;
  recordedBy: RecordedBy;
  recordedAt: string;
  [field: string]: unknown;
}

export interface QualityEventList {
  lotId: string;
  events: QualityEvent[];
  truncated: boolean;
}

export interface RecallReport {
  recallId: string;
  sourceLotId: string;
  reason: string;
  startedAt: string;
  startedBy: RecordedBy;
  eventId: string;
  affected: { lotId: string; custodian: string; producer: string; status: LotStatus; depth: number }[];
  truncated: boolean;
}

export interface Participant {
  msp: string;
  name: string;
  kind: string;
  location: { city: string; country: string; lat?: number; lon?: number };
  capabilities: string[];
  certifications: { name: string; issuer: string; validUntil: string }[];
  createdAt?: string;
  updatedAt?: string;
  updatedBy?: string;
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

/** A chaincode event with its position. */
export interface LedgerEvent {
  /** `<blockNumber>:<txId>`; resume after it with Last-Event-ID. */
  id: string;
  blockNumber: number;
  txId: string;
  type: string;
  payload: Record<string, unknown>;
}
