/** The participant registry (maintained by City admins). */
import { forbidden, invalidRequest } from '../errors';
import { ApiRouter, sendCommitted } from '../http/route';
import { bodies, params, queries } from '../schemas';

/** The organisation that maintains the registry. */
export const CITY_MSP = 'CityMSP';

export function participantRoutes(api: ApiRouter): void {
  api.route(
    {
      method: 'get',
      path: '/participants',
      operationId: 'listParticipants',
      tag: 'participants',
      summary: 'List participants, or search by capability',
      query: queries.participants,
      success: { status: 200, description: 'participants ordered by MSP ID' },
      errors: [400],
    },
    async ({ res, query, caller }) => {
      res.json(
        query.capability !== undefined ? await caller.ledger.searchParticipants(query.capability) : await caller.ledger.listParticipants(),
      );
    },
  );

  api.route(
    {
      method: 'get',
      path: '/participants/:msp',
      operationId: 'readParticipant',
      tag: 'participants',
      summary: 'Read a participant',
      params: params.participant,
      success: { status: 200, description: 'the participant' },
      errors: [400, 404],
    },
    async ({ res, params: p, caller }) => {
      res.json(await caller.ledger.readParticipant(p.msp));
    },
  );

  api.route(
    {
      method: 'put',
      path: '/participants/:msp',
      operationId: 'upsertParticipant',
      tag: 'participants',
      summary: 'Create or replace a participant',
      description: 'City admin only.',
      params: params.participant,
      body: bodies.participant,
      roles: ['admin'],
      guard: (_raw, caller) => {
        if (caller.mspId !== CITY_MSP) throw forbidden(`${caller.mspId} admin may not maintain the participant registry: City admins only`);
      },
      success: { status: 200, description: 'committed: `{result: participant, txId, blockNumber}`' },
      errors: [400, 403],
    },
    async ({ res, params: p, body, caller }) => {
      if (body.msp !== undefined && body.msp !== p.msp)
        throw invalidRequest(`body msp ${body.msp} differs from the path's ${p.msp}`, [
          { path: 'body.msp', message: 'must equal the path parameter' },
        ]);
      sendCommitted(res, 200, await caller.ledger.upsertParticipant({ ...body, msp: p.msp }));
    },
  );
}
