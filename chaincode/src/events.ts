import { canonicalJson, type EventName, type EventPayload } from '@lotline/domain';
import type { Context } from 'fabric-contract-api';

/*
 * Event names (`EVENTS`) and the payload shape live in @lotline/domain. Fabric
 * keeps only the last `setEvent` of a transaction, so every state-changing
 * transaction emits exactly one event, through emitEvent.
 */
/**
 * A domain event that an operation produced: the contract emits it as the
 * transaction's event; an EPCIS capture, which runs several operations in one
 * transaction, lists them all in its `EpcisCaptured` event (`events`), and the
 * API's event stream delivers each one under its own name.
 */
export interface DomainEvent {
  readonly name: EventName;
  readonly fields: Record<string, unknown>;
}

/** What an operation returns: its result and the event it produced. */
export interface Outcome<T> {
  readonly result: T;
  readonly event: DomainEvent;
}

/** The payload a domain event has inside an `EpcisCaptured` event's `events` list: `{type, ...fields}`. */
export function listedEvent(event: DomainEvent): Record<string, unknown> {
  return { ...event.fields, type: event.name };
}

/**
 * Emit the transaction's single chaincode event, with a deterministic JSON payload.
 * Call it last, after every write.
 */
export function emitEvent(ctx: Context, name: EventName, fields: Record<string, unknown>): EventPayload {
  const payload: EventPayload = { ...fields, type: name, txId: ctx.stub.getTxID() };
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload)));
  return payload;
}
