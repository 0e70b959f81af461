/** Quality events of a lot (inspections, nonconformances, corrective actions) and holds. */
import { randomBytes } from 'node:crypto';
import { forbidden, invalidRequest } from '../errors';
import { ApiRouter, sendCommitted } from '../http/route';
import { bodies, params, queries } from '../schemas';

/**
 * Endorsers for a confidential inspection: the recorder and the counterparty (the
 * collection members) plus other members until a majority of the channel's
 * organisations (the chaincode policy, MAJORITY) is reached.
 */
export function majorityWith(required: readonly string[], members: readonly string[]): string[] {
  const chosen = [...new Set(required)];
  for (const msp of members) {
    if (chosen.length > members.length / 2) break;
    if (!chosen.includes(msp)) chosen.push(msp);
  }
  return chosen;
}

/** Release is recorded, not erased: `POST .../holds/:holdId/release` adds a release event; the hold event stays. */
export function qualityRoutes(api: ApiRouter, memberMsps: readonly string[]): void {
  api.route(
    {
      method: 'post',
      path: '/lots/:id/quality-events',
      operationId: 'recordQualityEvent',
      tag: 'quality',
      summary: 'Record a quality event',
      description:
        '`type: inspection` (inspector of the custodian, or City inspector) or `nonconformance` / `corrective_action` (quality manager or inspector of the custodian or producer, or City inspector). ' +
        'Confidential measurements go in `details` with `confidential.counterpartyMsp`; they travel as transient data and only their salted hash is public.',
      params: params.lot,
      body: bodies.qualityEvent,
      roles: ['quality_manager', 'inspector'],
      success: { status: 201, description: 'committed: `{result: event, txId, blockNumber}`' },
      errors: [400, 403, 404, 409],
    },
    async ({ res, params: p, body, caller }) => {
      if (body.type === 'inspection') {
        if (caller.role !== 'inspector')
          throw forbidden(`${caller.mspId} ${caller.role ?? '(no role)'} may not record inspections: needs inspector`);
        const { details, ...withType } = body;
        const inspection = { ...withType, type: undefined };
        if (details !== undefined && inspection.confidential === undefined) {
          throw invalidRequest('details (confidential measurements) need confidential.counterpartyMsp', [
            { path: 'body.confidential', message: 'required with details' },
          ]);
        }
        const transient =
          details === undefined ? undefined : { measurements: details.measurements, salt: details.salt ?? randomBytes(16).toString('hex') };
        const endorsers =
          inspection.confidential === undefined
            ? undefined
            : majorityWith([caller.mspId, inspection.confidential.counterpartyMsp], memberMsps);
        const committed = await caller.ledger.recordInspection(p.id, inspection, transient, endorsers);
        sendCommitted(res, 201, committed, `/lots/${encodeURIComponent(p.id)}/quality-events`);
        return;
      }
      sendCommitted(res, 201, await caller.ledger.recordQualityEvent(p.id, body), `/lots/${encodeURIComponent(p.id)}/quality-events`);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id/quality-events',
      operationId: 'listQualityEvents',
      tag: 'quality',
      summary: 'List the quality events of a lot, oldest first, a page at a time',
      description: 'Pass the returned `bookmark` as `?bookmark=` for the next page; it is empty after the last page.',
      params: params.lot,
      query: queries.page,
      success: { status: 200, description: '`{lotId, events, bookmark}`, oldest first' },
      errors: [400, 404],
    },
    async ({ res, params: p, query, caller }) => {
      res.json(await caller.ledger.listQualityEvents(p.id, query));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id/quality-events/:eventId/details',
      operationId: 'readConfidentialDetails',
      tag: 'quality',
      summary: 'Read the confidential details of an inspection',
      description: 'Only members of the recorder or counterparty organisation (read from their implicit collection).',
      params: params.qualityEvent,
      success: { status: 200, description: '`{lotId, eventId, collection, details, detailsHash}`' },
      errors: [400, 403, 404],
    },
    async ({ res, params: p, caller }) => {
      res.json(await caller.ledger.readConfidentialDetails(p.id, p.eventId));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots/:id/holds',
      operationId: 'placeHold',
      tag: 'quality',
      summary: 'Place a hold',
      description: 'Quality manager of the custodian or producer. With `includeDescendants`, every descendant is affected too.',
      params: params.lot,
      body: bodies.hold,
      roles: ['quality_manager'],
      success: { status: 201, description: 'committed: `{result: hold event (holdId), txId, blockNumber}`' },
      errors: [400, 403, 404],
    },
    async ({ res, params: p, body, caller }) => {
      const committed = await caller.ledger.placeHold(p.id, body);
      sendCommitted(res, 201, committed, `/lots/${encodeURIComponent(p.id)}/holds/${committed.result.eventId}`);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots/:id/holds/:holdId/release',
      operationId: 'releaseHold',
      tag: 'quality',
      summary: 'Release a hold',
      description:
        'Records the release (a new quality event); the hold event stays on the ledger. A hold is released at most once (409 after).',
      params: params.hold,
      body: bodies.release,
      roles: ['quality_manager'],
      success: { status: 201, description: 'committed: `{result: release event, txId, blockNumber}`' },
      errors: [400, 403, 404, 409],
    },
    async ({ res, params: p, body, caller }) => {
      sendCommitted(res, 201, await caller.ledger.releaseHold(p.id, p.holdId, body.reason));
    },
  );
}
