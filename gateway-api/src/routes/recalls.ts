/** Recalls and their affected-lot reports. */
import type { RecallReport } from '@lotline/domain';
import { ApiRouter, sendCommitted, type Caller } from '../http/route';
import type { ReadModelService } from '../read-model';
import { bodies, params, queries } from '../schemas';

/**
 * The chaincode's report of a recall (bounded by depth and nodes, with `truncated`): what the spreadsheet export and
 * the printed notices build on. `GET /recalls/:id` answers from the read model, complete and paged.
 */
export function recallReport(
  caller: Caller,
  recallId: string,
  bounds: { maxDepth?: number; maxNodes?: number } = {},
): Promise<RecallReport> {
  return caller.ledger.getRecall(recallId, bounds);
}

/** Register the recall routes; reports come from the read model when there is one. */
export function recallRoutes(api: ApiRouter, reads?: ReadModelService): void {
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
        'From the read model: complete (every descendant of the recalled lot, at any depth), ordered by depth then lot id, `limit` lots a page (`nextCursor`), each with its current custodian, status and remaining quantity; `organisations` lists every holder to notify with its lot count and remaining quantities; `total` counts every affected lot; `asOfBlock` states the block. With `?source=ledger` (or without a read model), the chaincode computes it breadth-first within `maxDepth` and `maxNodes`, and `truncated` says a bound cut it.',
      params: params.recall,
      query: queries.recall,
      success: {
        status: 200,
        description:
          'read model: `{…, total, organisations, affected, nextCursor, asOfBlock}`; ledger: `{…, affected, truncated, maxDepth, maxNodes}`',
      },
      errors: [400, 404],
    },
    async ({ res, params: p, query, caller }) => {
      const { source, minBlock, maxDepth, maxNodes, limit, cursor, custodian } = query;
      if (source === 'ledger' || reads === undefined) {
        res.json(await recallReport(caller, p.id, { maxDepth, maxNodes }));
        return;
      }
      res.json(
        await reads.read(minBlock, (model) =>
          model.recall(p.id, { limit, ...(cursor !== undefined ? { cursor } : {}), ...(custodian !== undefined ? { custodian } : {}) }),
        ),
      );
    },
  );
}
