/** Lots: create, read, trace, history, splits and custody transfers. */
import { forbidden, notFound } from '../errors';
import { requireReadModel, type ReadModelService } from '../read-model';
import { ApiRouter, sendCommitted, type Caller } from '../http/route';
import { bodies, params, queries } from '../schemas';

/** The chaincode takes producer and custodian from the certificate: naming them is acting as someone (403, as in the chaincode). */
export function rejectClaimedParties(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  for (const field of ['producer', 'custodian']) {
    if (field in raw) throw forbidden(`${field} is taken from the caller's certificate and may not be supplied`);
  }
}

/** Organisation-qualified lot ids must carry the caller's own MSP ID (as in the chaincode). */
export function rejectForeignId(raw: unknown, caller: Caller): void {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id.startsWith('urn:')) return;
  const qualifier = id.split(':')[0];
  if (id.includes(':') && qualifier !== caller.mspId)
    throw forbidden(`lot id ${id} is qualified by ${qualifier}; ${caller.mspId} may only create ids qualified by its own MSP ID`);
}

const CREATORS = ['admin', 'quality_manager', 'inspector'] as const;
const CUSTODY = ['admin', 'quality_manager'] as const;

function lotUrl(id: string): string {
  return `/lots/${encodeURIComponent(id)}`;
}

/** ISO-8601 in UTC with milliseconds, as the chaincode stores `createdAt` (so that text order is time order). */
function utc(iso: string | undefined): string | undefined {
  return iso === undefined ? undefined : new Date(iso).toISOString();
}

/** Register the lot routes; traces and lot search are answered from the read model when there is one. */
export function lotRoutes(api: ApiRouter, reads?: ReadModelService): void {
  api.route(
    {
      method: 'get',
      path: '/lots',
      operationId: 'searchLots',
      tag: 'lots',
      summary: 'Search lots (read model)',
      description:
        'Lots by product, effective status, custodian, producer and creation time, oldest first, a page at a time: pass `nextCursor` as `?cursor=`. Each lot names the block and transaction of its document; the answer states `asOfBlock`.',
      query: queries.lots,
      success: {
        status: 200,
        description:
          '`{lots: [{id, product, quantity, remaining, producer, custodian, status, createdAt, block, txId}], nextCursor, asOfBlock}`',
      },
      errors: [400],
    },
    async ({ res, query }) => {
      const { minBlock, createdFrom, createdTo, ...filters } = query;
      const from = utc(createdFrom);
      const to = utc(createdTo);
      res.json(
        await requireReadModel(reads, 'lot search').read(minBlock, (model) =>
          model.lots({ ...filters, ...(from !== undefined ? { createdFrom: from } : {}), ...(to !== undefined ? { createdTo: to } : {}) }),
        ),
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots',
      operationId: 'createLot',
      tag: 'lots',
      summary: 'Create a lot',
      description: "Producer and custodian are the caller's organisation (from the certificate). Inputs must be in the caller's custody.",
      body: bodies.lot,
      roles: CREATORS,
      guard: (raw, caller) => {
        rejectClaimedParties(raw);
        rejectForeignId(raw, caller);
      },
      success: { status: 201, description: 'committed: `{result: lot, txId, blockNumber}`' },
      errors: [400, 403, 404, 409, 413],
    },
    async ({ res, body, caller }) => {
      const committed = await caller.ledger.createLot(body);
      sendCommitted(res, 201, committed, lotUrl(committed.result.id));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id',
      operationId: 'readLot',
      tag: 'lots',
      summary: 'Read a lot',
      params: params.lot,
      success: { status: 200, description: 'the lot with status, remaining, affected/affectedBy, latestInspection, pendingTransfer' },
      errors: [400, 404],
    },
    async ({ res, params: p, caller }) => {
      res.json(await caller.ledger.readLot(p.id));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id/trace',
      operationId: 'traceLot',
      tag: 'lots',
      summary: 'Trace a lot backward (inputs) or forward (products)',
      description:
        'From the read model (with `asOfBlock`) when this API has one, else, or with `?source=ledger`, evaluated by the chaincode: the answers are the same.',
      params: params.lot,
      query: queries.trace,
      success: { status: 200, description: '`{root, direction, nodes, edges, truncated, maxDepth, maxNodes, asOfBlock?}`' },
      errors: [400, 404, 409],
    },
    async ({ res, params: p, query, caller }) => {
      if (query.source === 'ledger' || reads === undefined) {
        res.json(await caller.ledger.traceLot(p.id, query.direction, query.depth, query.maxNodes));
        return;
      }
      res.json(await reads.read(query.minBlock, (model) => model.trace(p.id, query.direction, query.depth, query.maxNodes)));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id/history',
      operationId: 'lotHistory',
      tag: 'lots',
      summary: 'The modifications of a lot, oldest first, a page at a time',
      description: 'Pass the returned `bookmark` as `?bookmark=` for the next page; it is empty after the last page.',
      params: params.lot,
      query: queries.page,
      success: { status: 200, description: '`{lotId, history: [{txId, timestamp, isDelete, value}], bookmark}`' },
      errors: [400, 404],
    },
    async ({ res, params: p, query, caller }) => {
      res.json(await caller.ledger.lotHistory(p.id, query));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots/:id/splits',
      operationId: 'splitLot',
      tag: 'lots',
      summary: 'Split a lot',
      description: 'Creates a child lot that consumes `quantity` of this lot.',
      params: params.lot,
      body: bodies.split,
      roles: CREATORS,
      guard: (raw, caller) => {
        rejectClaimedParties(raw);
        rejectForeignId(raw, caller);
      },
      success: { status: 201, description: 'committed: `{result: child lot, txId, blockNumber}`' },
      errors: [400, 403, 404, 409, 413],
    },
    async ({ res, params: p, body, caller }) => {
      const committed = await caller.ledger.splitLot(p.id, body);
      sendCommitted(res, 201, committed, lotUrl(committed.result.id));
    },
  );

  // Custody: the pending transfer is the sub-resource /transfers/current; accepting or rejecting it creates its acceptance or rejection.
  api.route(
    {
      method: 'post',
      path: '/lots/:id/transfers',
      operationId: 'proposeTransfer',
      tag: 'custody',
      summary: 'Propose a custody transfer',
      description: 'The custodian proposes; the receiving organisation accepts or rejects it on its own API.',
      params: params.lot,
      body: bodies.transfer,
      roles: CUSTODY,
      success: { status: 201, description: 'committed: `{result: pending transfer, txId, blockNumber}`' },
      errors: [400, 403, 404, 409],
    },
    async ({ res, params: p, body, caller }) => {
      sendCommitted(res, 201, await caller.ledger.proposeTransfer(p.id, body.to), `${lotUrl(p.id)}/transfers/current`);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/lots/:id/transfers/current',
      operationId: 'pendingTransfer',
      tag: 'custody',
      summary: 'Read the pending transfer',
      params: params.lot,
      success: { status: 200, description: 'the pending transfer' },
      errors: [400, 404],
    },
    async ({ res, params: p, caller }) => {
      const lot = await caller.ledger.readLot(p.id);
      if (lot.pendingTransfer === undefined || lot.pendingTransfer === null)
        throw notFound('TRANSFER_NOT_FOUND', { key: 'detail.transfer_not_found', params: { lotId: p.id } });
      res.json(lot.pendingTransfer);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots/:id/transfers/current/acceptance',
      operationId: 'acceptTransfer',
      tag: 'custody',
      summary: 'Accept the pending transfer',
      params: params.lot,
      body: bodies.empty,
      roles: CUSTODY,
      success: { status: 200, description: 'committed: `{result: lot with the new custodian, txId, blockNumber}`' },
      errors: [400, 403, 404, 409],
    },
    async ({ res, params: p, caller }) => {
      sendCommitted(res, 200, await caller.ledger.acceptTransfer(p.id));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/lots/:id/transfers/current/rejection',
      operationId: 'rejectTransfer',
      tag: 'custody',
      summary: 'Reject the pending transfer',
      params: params.lot,
      body: bodies.rejection,
      roles: CUSTODY,
      success: { status: 200, description: 'committed: `{result: {lotId, from, to, reason, rejectedBy}, txId, blockNumber}`' },
      errors: [400, 403, 404],
    },
    async ({ res, params: p, body, caller }) => {
      sendCommitted(res, 200, await caller.ledger.rejectTransfer(p.id, body.reason));
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/lots/:id/transfers/current',
      operationId: 'cancelTransfer',
      tag: 'custody',
      summary: 'Withdraw the pending transfer',
      description: 'The custodian withdraws its proposal; the ledger keeps the history.',
      params: params.lot,
      roles: CUSTODY,
      success: { status: 200, description: 'committed: `{result: {lotId, from, to, cancelledBy}, txId, blockNumber}`' },
      errors: [400, 403, 404],
    },
    async ({ res, params: p, caller }) => {
      sendCommitted(res, 200, await caller.ledger.cancelTransfer(p.id));
    },
  );
}
