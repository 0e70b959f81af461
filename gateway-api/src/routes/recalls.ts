/** Recalls and their affected-lot reports. */
import { ApiRouter, sendCommitted } from '../http/route';
import { bodies, params } from '../schemas';

export function recallRoutes(api: ApiRouter): void {
  api.route(
    {
      method: 'post',
      path: '/recalls',
      operationId: 'startRecall',
      tag: 'recalls',
      summary: 'Start a recall',
      description: "Quality manager of the lot's producer. The report lists the lot and every descendant with its current custodian.",
      body: bodies.recall,
      roles: ['quality_manager'],
      success: { status: 201, description: 'committed: `{result: recall report, txId, blockNumber}`' },
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
      description: 'Every affected lot with its current custodian and status.',
      params: params.recall,
      success: { status: 200, description: 'the recall report' },
      errors: [400, 404],
    },
    async ({ res, params: p, caller }) => {
      res.json(await caller.ledger.getRecall(p.id));
    },
  );
}
