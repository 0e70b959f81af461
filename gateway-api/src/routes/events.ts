/**
 * `GET /events`: chaincode events as Server-Sent Events. Each message's `id`
 * is `<blockNumber>:<txId>`; sending it back as `Last-Event-ID` resumes right
 * after that transaction (fabric-gateway checkpoint), so nothing is lost or
 * repeated across a disconnect. Filters: `lotId`, `type` (comma-separated).
 */
import type { Request } from 'express';
import { invalidRequest } from '../errors';
import { unavailable } from '../ledger/errors';
import type { LedgerEvent } from '@lotline/domain';
import type { EventPosition } from '@lotline/ledger-client';
import { ApiRouter } from '../http/route';
import { queries } from '../schemas';
import { openEventStream } from '../http/sse';

const EVENT_ID = /^(\d{1,15}):([0-9a-f]{64})$/;

/** Parse a Last-Event-ID header into a resume position. */
export function resumePosition(req: Request): EventPosition | undefined {
  const raw = req.get('Last-Event-ID');
  if (raw === undefined || raw === '') return undefined;
  const match = EVENT_ID.exec(raw.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    throw invalidRequest('Last-Event-ID must be an id this API sent: <blockNumber>:<txId>', [
      { path: 'header.Last-Event-ID', message: 'invalid' },
    ]);
  }
  return { blockNumber: Number(match[1]), txId: match[2] };
}

/**
 * The events to deliver for one chaincode event. A Fabric transaction keeps a
 * single chaincode event, so an EPCIS capture lists the domain events of its
 * operations (`LotCreated`, `HoldPlaced`, `RecallStarted`, ...) inside its
 * `EpcisCaptured` event: each is delivered under its own name (with `via:
 * "EpcisCaptured"`), exactly as if the Lot or Quality contract had emitted it,
 * followed by the `EpcisCaptured` summary without the list.
 */
export function deliveredEvents(event: LedgerEvent): LedgerEvent[] {
  const { events: listed, ...summary } = event.payload;
  if (event.type !== 'EpcisCaptured' || !Array.isArray(listed)) return [event];
  const inner = listed
    .filter(
      (p): p is Record<string, unknown> & { type: string } =>
        typeof p === 'object' && p !== null && typeof (p as { type?: unknown }).type === 'string',
    )
    .map((p) => ({ ...event, type: p.type, payload: { ...p, via: 'EpcisCaptured' } }));
  return [...inner, { ...event, payload: summary }];
}

export function eventRoutes(api: ApiRouter, options: { ready: () => Promise<boolean>; heartbeatMs?: number }): void {
  api.route(
    {
      method: 'get',
      path: '/events',
      operationId: 'streamEvents',
      tag: 'events',
      summary: 'Stream chaincode events (Server-Sent Events)',
      description:
        'Live from the next block, from `startBlock`, or after the `Last-Event-ID` header. Each message: `id: <block>:<txId>`, `event: <name>`, `data: {type, txId, blockNumber, lotId?, ...}`.',
      query: queries.events,
      success: { status: 200, description: 'an event stream', contentType: 'text/event-stream' },
      errors: [400],
    },
    async ({ req, res, query, caller }) => {
      const after = resumePosition(req);
      if (!(await options.ready())) throw unavailable('the peer is unreachable: no event stream');
      const types = query.type === undefined ? undefined : new Set(query.type.split(','));
      const stream = await caller.ledger.events(
        after !== undefined ? { after } : query.startBlock !== undefined ? { startBlock: query.startBlock } : {},
      );
      openEventStream(res);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
      const stop = (): void => {
        clearInterval(heartbeat);
        stream.close();
      };
      req.on('close', stop);
      try {
        for await (const received of stream) {
          for (const event of deliveredEvents(received)) {
            if (types !== undefined && !types.has(event.type)) continue;
            if (
              query.lotId !== undefined &&
              event.payload.lotId !== query.lotId &&
              !(Array.isArray(event.payload.lotIds) && event.payload.lotIds.includes(query.lotId))
            )
              continue;
            const data = { ...event.payload, type: event.type, txId: event.txId, blockNumber: event.blockNumber, id: event.id };
            res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
          }
        }
      } catch {
        // The stream ends when the client leaves (close) or the peer goes away; the client resumes with Last-Event-ID.
      } finally {
        stop();
        res.end();
      }
    },
  );
}
