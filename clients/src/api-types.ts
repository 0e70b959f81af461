/**
 * Shapes of the Lotline API's requests and responses. Response shapes are
 * those of @lotline/domain (domain/src/types.ts); this file adds the request
 * bodies and the shapes the clients read defensively. Only types: it is shared
 * by the CLI (Node) and the web explorer (browser).
 */

export type {
  AffectedRef,
  HistoryEntry,
  Lot,
  LotStatus,
  Measurement,
  Participant,
  ParticipantInput,
  ParticipantKind,
  Quantity,
  QualityEvent,
  RecallAffectedLot,
  RecallRecord,
  RecallReport,
  RecordedBy,
  Role,
  Trace,
  TraceDirection,
  TraceEdge,
  TraceNode,
  Transfer,
  Verdict,
} from '@lotline/domain';
import type { Measurement, Quantity, Role, Verdict } from '@lotline/domain';

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

export interface NewInspection {
  verdict: Verdict;
  measurements?: Measurement[];
  certificate: { sha256: string; uri: string };
  notes?: string;
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

/**
 * The API's answer about one transaction (`GET /transactions/{txId}/proof`),
 * as the API types it. The independent verifier (verify/compare.ts) still
 * treats each field as a claim that may be missing, and fails when one is.
 */
export type { RecordCheck, TransactionProofResponse as TransactionProof } from '@lotline/domain';

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
