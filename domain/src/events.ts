/**
 * Chaincode event names. Fabric keeps only the last `setEvent` of a
 * transaction, so every state-changing transaction emits exactly one of these;
 * the API streams them to subscribers by these names.
 */
export const EVENTS = {
  LotCreated: 'LotCreated',
  LotsImported: 'LotsImported',
  CustodyTransferProposed: 'CustodyTransferProposed',
  CustodyTransferred: 'CustodyTransferred',
  CustodyTransferRejected: 'CustodyTransferRejected',
  CustodyTransferCancelled: 'CustodyTransferCancelled',
  InspectionRecorded: 'InspectionRecorded',
  QualityEventRecorded: 'QualityEventRecorded',
  HoldPlaced: 'HoldPlaced',
  HoldReleased: 'HoldReleased',
  RecallStarted: 'RecallStarted',
  ParticipantUpserted: 'ParticipantUpserted',
  /**
   * An EPCIS capture. Payload: `{type, txId, captured, declarations, skipped,
   * lotIds, events}`; `events` lists the domain events of its operations
   * (`[{type: 'LotCreated' | 'HoldPlaced' | ..., ...fields}]`) with the fields
   * the Lot and Quality contracts emit, since a transaction keeps one event.
   */
  EpcisCaptured: 'EpcisCaptured',
} as const;

/** A chaincode event name. */
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Payload of every event: the event name as `type`, the transaction id, and event-specific fields. */
export interface EventPayload {
  readonly type: EventName;
  readonly txId: string;
  readonly lotId?: string;
  readonly [field: string]: unknown;
}
