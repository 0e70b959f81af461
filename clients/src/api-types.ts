/**
 * Shapes of the Lotline API's requests and responses, as the chaincode returns
 * them (see chaincode/README.md). Only types: this file is shared by the CLI
 * (Node) and the web explorer (browser).
 */

/** Roles that an organisation's CA puts in enrolment certificates. */
export type Role = 'admin' | 'quality_manager' | 'inspector' | 'auditor';

/** A quantity with a UN/CEFACT Rec. 20 unit code (EA, KGM, TNE…). */
export interface Quantity {
  amount: number;
  unit: string;
}

export type LotStatus = 'active' | 'on_hold' | 'recalled' | 'consumed' | 'destroyed';

export type Verdict = 'pass' | 'fail' | 'conditional';

/** Why a lot is affected: its own hold or recall, or an ancestor's. */
export interface AffectedRef {
  kind: 'recall' | 'hold';
  sourceLotId: string;
  eventId: string;
  recallId?: string;
}

export interface RecordedBy {
  msp: string;
  certId: string;
  role: Role | null;
}

/** Input of `POST /lots`. Producer and custodian come from the caller's certificate. */
export interface NewLot {
  id: string;
  product: { code: string; name: string };
  quantity: Quantity;
  inputs?: { lotId: string; quantity: Quantity }[];
  process: { site: string; line: string; changePoint?: string };
  attributes?: Record<string, string>;
}

/** Input of a split: a lot without inputs; it consumes `quantity` of the parent. */
export type NewSplitChild = Omit<NewLot, 'inputs'>;

export interface Transfer {
  lotId: string;
  from: string;
  to: string;
  proposedAt: string;
  proposedBy: RecordedBy;
  proposalTxId: string;
}

/** A lot as stored, with the fields that reads derive. */
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

export type TraceDirection = 'backward' | 'forward';

/** One lot of a trace. */
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

export interface Measurement {
  characteristic: string;
  value: number;
  unit: string;
  lower: number;
  upper: number;
}

export interface NewInspection {
  verdict: Verdict;
  measurements?: Measurement[];
  certificate: { sha256: string; uri: string };
  notes?: string;
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
}

export interface NewHold {
  reason: string;
  includeDescendants: boolean;
}

export interface NewRecall {
  lotId: string;
  reason: string;
  recallId?: string;
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
  truncated: boolean;
}

export type ParticipantKind = 'municipality' | 'supplier' | 'manufacturer' | 'testing_institute' | 'bank' | 'other';

export interface ParticipantInput {
  msp: string;
  name: string;
  kind: ParticipantKind;
  location: { city: string; country: string; lat?: number; lon?: number };
  capabilities: string[];
  certifications: { name: string; issuer: string; validUntil: string }[];
}

export interface Participant extends ParticipantInput {
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** What the API says about one transaction: where it is, who made and endorsed it, and whether the record matches. */
export interface TransactionProof {
  txId: string;
  channel?: string;
  blockNumber: number | string;
  validationCode: string;
  valid?: boolean;
  creator?: { mspId: string; subject?: string };
  creatorMsp?: string;
  endorsers?: (string | { mspId: string; subject?: string })[];
  timestamp?: string;
  /** The ledger keys the transaction wrote, and what was written there. */
  writes?: { namespace?: string; key: string; isDelete?: boolean; value?: unknown }[];
  /** The record the proof was asked about, and whether its content equals the write set. */
  record?: { key?: string; matches?: boolean; [field: string]: unknown };
  [field: string]: unknown;
}

/** A chaincode event as the API streams it over SSE. */
export interface LedgerEvent {
  /** The SSE id: pass it back as Last-Event-ID to resume. */
  id?: string;
  type: string;
  txId?: string;
  lotId?: string;
  blockNumber?: number | string;
  [field: string]: unknown;
}

/** Who the bearer token names, as the API reports it. */
export interface WhoAmI {
  org?: string;
  mspId?: string;
  user?: string;
  sub?: string;
  role?: Role | null;
  [field: string]: unknown;
}

export interface NewUser {
  name: string;
  role: Role;
  secret?: string;
}
