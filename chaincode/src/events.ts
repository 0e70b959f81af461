import { canonicalJson, type EventName, type EventPayload } from '@lotline/domain';
import type { Context } from 'fabric-contract-api';

/*
 * Event names (`EVENTS`) and the payload shape live in @lotline/domain. Fabric
 * keeps only the last `setEvent` of a transaction, so every state-changing
 * transaction emits exactly one event, through emitEvent.
 */
/**
 * Emit the transaction's single chaincode event, with a deterministic JSON payload.
 * Call it last, after every write.
 */
export function emitEvent(ctx: Context, name: EventName, fields: Record<string, unknown>): EventPayload {
  const payload: EventPayload = { ...fields, type: name, txId: ctx.stub.getTxID() };
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload)));
  return payload;
}
