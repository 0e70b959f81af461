/** Recalls and their affected-lot reports. */
import type { LotStatus, RecallAffectedLot, RecallReport, RecordedBy } from '@lotline/domain';
import { ApiRouter, sendCommitted, type Caller } from '../http/route';
import type { ReadModelService } from '../read-model';
import { bodies, params, queries } from '../schemas';

/** Where a whole recall report comes from, as the request chose it. */
export interface ReportSource {
  /** `ledger`: the chaincode's bounded walk; otherwise the read model when the API has one. */
  readonly source?: 'read-model' | 'ledger';
  readonly minBlock?: number;
  /** The chaincode's bounds (`source=ledger`, or an API without a read model). */
  readonly maxDepth?: number;
  readonly maxNodes?: number;
}

/** Lots per page when a whole report is read from the read model. */
const WHOLE_REPORT_PAGE = 5000;

/**
 * A recall's whole report, for what prints or exports it (notices, spreadsheets): from the read model, complete (every
 * page, no depth cap, `truncated` false); with `source=ledger` or without a read model, the chaincode's walk within
 * `maxDepth` and `maxNodes`, where `truncated` says a bound cut it.
 */
export async function wholeRecallReport(
  caller: Caller,
  recallId: string,
  reads: ReadModelService | undefined,
  from: ReportSource = {},
): Promise<RecallReport> {
  if (from.source === 'ledger' || reads === undefined) {
    return caller.ledger.getRecall(recallId, { maxDepth: from.maxDepth, maxNodes: from.maxNodes });
  }
  return reads.read(from.minBlock, async (model) => {
    const first = await model.recall(recallId, { limit: WHOLE_REPORT_PAGE });
    const affected: RecallAffectedLot[] = [];
    let page = first;
    for (;;) {
      for (const a of page.affected) {
        affected.push({ lotId: a.lotId, custodian: a.custodian, producer: a.producer, status: a.status as LotStatus, depth: a.depth });
      }
      if (page.nextCursor === null) break;
      page = await model.recall(recallId, { limit: WHOLE_REPORT_PAGE, cursor: page.nextCursor });
    }
    return {
      recallId: first.recallId,
      sourceLotId: first.sourceLotId,
      reason: first.reason,
      startedAt: first.startedAt,
      startedBy: first.startedBy as RecordedBy,
      eventId: first.eventId,
      affected,
      truncated: false,
      maxDepth: affected.reduce((deepest, a) => Math.max(deepest, a.depth), 0),
      maxNodes: affected.length,
    };
  });
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
        res.json(await caller.ledger.getRecall(p.id, { maxDepth, maxNodes }));
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
