import type { Context } from 'fabric-contract-api';
import stringify from 'json-stringify-deterministic';

/**
 * Chaincode event names. Fabric keeps only the last `setEvent` of a
 * transaction, so every state-changing transaction emits exactly one of these.
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
  BaselineValuePut: 'BaselineValuePut',
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

/**
 * Emit the transaction's single chaincode event, with a deterministic JSON payload.
 * Call it last, after every write.
 */
export function emitEvent(ctx: Context, name: EventName, fields: Record<string, unknown>): EventPayload {
  const payload: EventPayload = { ...fields, type: name, txId: ctx.stub.getTxID() };
  ctx.stub.setEvent(name, Buffer.from(stringify(payload)));
  return payload;
}
