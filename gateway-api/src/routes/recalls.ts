/** Recalls and their affected-lot reports. */
import type { RecallReport } from '@lotline/domain';
import { ApiRouter, sendCommitted, type Caller } from '../http/route';
import { bodies, params, queries } from '../schemas';

/** The report of a recall as `GET /recalls/:id` answers it; exports and printed notices build on this same function. */
export function recallReport(
  caller: Caller,
  recallId: string,
  bounds: { maxDepth?: number; maxNodes?: number } = {},
): Promise<RecallReport> {
  return caller.ledger.getRecall(recallId, bounds);
}

export function recallRoutes(api: ApiRouter): void {
  api.route(
    {
      method: 'post',
      path: '/recalls',
      operationId: 'startRecall',
      tag: 'recalls',
      summary: 'Start a recall',
      description:
        "Quality manager of the lot's producer. Records the recall; every descendant is affected from then on. The report of affected lots is computed when read: GET the `Location`.",
      body: bodies.recall,
      roles: ['quality_manager'],
      success: {
        status: 201,
        description: 'committed: `{result: {recallId, sourceLotId, reason, startedAt, startedBy, eventId}, txId, blockNumber}`',
      },
      errors: [400, 403, 404, 409],
    },
    async ({ res, body, caller }) => {
      const { lotId, ...recall } = body;
      const committed = await caller.ledger.startRecall(lotId, recall);
      sendCommitted(res, 201, committed, `/recalls/${encodeURIComponent(committed.result.recallId)}`);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/recalls/:id',
      operationId: 'getRecall',
      tag: 'recalls',
      summary: 'Read a recall report',
      description:
        'Every affected lot (the recalled lot and its descendants, breadth-first within `maxDepth` and `maxNodes`) with its current custodian and status, computed now; `truncated` says a bound cut it.',
      params: params.recall,
      query: queries.recall,
      success: { status: 200, description: 'the recall report `{…, affected, truncated, maxDepth, maxNodes}`' },
      errors: [400, 404],
    },
    async ({ res, params: p, query, caller }) => {
      res.json(await recallReport(caller, p.id, query));
    },
  );
}
