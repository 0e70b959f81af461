/**
 * The EPCIS 2.0 resources, declared on the API's own {@link ApiRouter} like
 * every other route: the same authentication, the same zod validation of
 * parameters, the same OpenAPI generation, and errors rendered by the app's
 * one problem+json middleware.
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { ApiRouter, Caller } from '../http/route';
import { jsonBody } from '../http/json';
import { captureDocument, MAX_CAPTURE_EVENTS, type CaptureErrorBehaviour } from './capture';
import { epcisError } from './errors';
import { exportTrace } from './export';
import type { EpcisLedger } from './ledger';
import { epcisNegotiation, epcisReadRoutes } from './read-routes';
import type { ReadModelService } from '../read-model';

/** What the EPCIS routes need from the application. */
export interface EpcisRouteDeps {
  /**
   * The ledger for a caller, bound to the caller's own Fabric identity, so
   * that the chaincode sees the caller's certificate (the caller's LotLedger).
   */
  ledgerFor(caller: Caller): EpcisLedger;
  /** Party URIs (PGLN, GLN, ...) of partner organisations → their MSP IDs, for custody transfers on shipping. */
  readonly parties?: Readonly<Record<string, string>>;
  /** The organisation's read model: the EPCIS query interface reads it (absent: those routes answer 503). */
  readonly reads?: ReadModelService;
  /** Hosts webhooks may reach although private or plain HTTP (`LOTLINE_EPCIS_WEBHOOK_HOSTS`). */
  readonly webhookHosts?: readonly string[];
  /** SSE keep-alive interval of subscriptions (default 15 s). */
  readonly heartbeatMs?: number;
}

/** Media types of an EPCIS capture body. */
export const EPCIS_MEDIA_TYPES: readonly string[] = ['application/json', 'application/ld+json'];

/** Largest capture body by default. */
export const EPCIS_BODY_LIMIT = '4mb';

/** The capture body parser (its own size limit and media types), mounted at `/epcis/capture` before the app's JSON parser. */
export function epcisCaptureBody(limit: string = EPCIS_BODY_LIMIT): ReturnType<typeof jsonBody> {
  return jsonBody({ limit, type: EPCIS_MEDIA_TYPES });
}

function errorBehaviour(req: Request): CaptureErrorBehaviour {
  const value = (req.get('GS1-Capture-Error-Behaviour') ?? 'rollback').toLowerCase();
  if (value !== 'rollback' && value !== 'proceed') {
    throw epcisError({
      status: 400,
      code: 'INVALID_ARGUMENT',
      title: 'Invalid header',
      detail: 'GS1-Capture-Error-Behaviour must be rollback or proceed',
    });
  }
  return value;
}

const schemas = {
  capture: {
    type: 'object',
    description:
      'a GS1 EPCIS 2.0 EPCISDocument (JSON or JSON-LD), validated against the GS1 EPCIS 2.0 JSON schema; ' +
      `at most ${MAX_CAPTURE_EVENTS} events; un-namespaced _comment keys are ignored`,
    required: ['type', 'schemaVersion', 'creationDate', 'epcisBody'],
    properties: {
      '@context': {},
      type: { const: 'EPCISDocument' },
      schemaVersion: { type: 'string' },
      creationDate: { type: 'string', format: 'date-time' },
      epcisBody: {
        type: 'object',
        required: ['eventList'],
        properties: { eventList: { type: 'array', maxItems: MAX_CAPTURE_EVENTS, items: { type: 'object' } } },
      },
    },
  },
  lot: z.object({ lotId: z.string().min(1).max(512).describe('lot id: a GS1 LGTIN URN or `<MSP ID>:<local id>`') }),
  trace: z.strictObject({
    direction: z.enum(['backward', 'forward']).default('backward'),
    maxDepth: z.coerce.number().int().min(0).max(50).default(50).describe('depth limit (0..50)'),
    maxNodes: z.coerce.number().int().min(1).max(5000).default(5000).describe('node limit (1..5000)'),
    events: z
      .enum(['captured', 'lineage'])
      .default('captured')
      .describe(
        'captured: the events as captured where a capture made the lot (default); lineage: one synthetic event per lot, re-importable',
      ),
  }),
};

/**
 * Register the EPCIS 2.0 resources under `/epcis` (the capture body parser is
 * mounted separately, {@link epcisCaptureBody}):
 * - `POST /epcis/capture`: capture an EPCISDocument (JSON or JSON-LD) in one transaction → 201 with what each event did;
 *   400 with every schema violation; 409 on duplicates (`GS1-Capture-Error-Behaviour: proceed` skips them).
 * - the query interface on the read model (read-routes.ts): `GET /epcis/events`, `/epcis/events/:hashId`, the
 *   vocabularies (`/epcis/eventTypes`, `/epcis/epcs`, ...), named queries and subscriptions.
 * - `GET /epcis/lots/:lotId/trace?direction=backward|forward&maxDepth=&maxNodes=`: the trace as an EPCISDocument.
 */
export function epcisRoutes(api: ApiRouter, deps: EpcisRouteDeps): void {
  const parties = deps.parties ?? {};
  api.router.use('/epcis', epcisNegotiation);

  api.route(
    {
      method: 'post',
      path: '/epcis/capture',
      operationId: 'epcisCapture',
      tag: 'epcis',
      summary: 'Capture an EPCIS 2.0 document',
      description:
        'All events in one Fabric transaction, as the caller. Header `GS1-Capture-Error-Behaviour: rollback` (default) refuses the ' +
        'whole document on a duplicate; `proceed` skips events already captured.',
      rawBody: { contentTypes: EPCIS_MEDIA_TYPES, schema: schemas.capture },
      success: {
        status: 201,
        description: '`{captureId, blockNumber, captured, declarations, skipped, lotIds, ignored}` + Location, X-Block-Number',
      },
      errors: [400, 403, 404, 409, 413, 415],
    },
    async ({ req, res, caller }) => {
      if (!req.is([...EPCIS_MEDIA_TYPES])) {
        throw epcisError({
          status: 415,
          code: 'EPCIS_MEDIA_TYPE',
          title: 'Unsupported media type',
          detail: 'send the EPCISDocument as application/json or application/ld+json',
        });
      }
      const result = await captureDocument(deps.ledgerFor(caller), req.body, { errorBehaviour: errorBehaviour(req), parties });
      res.status(201).location(`/epcis/capture/${result.captureId}`).set('X-Block-Number', String(result.blockNumber)).json(result);
    },
  );

  epcisReadRoutes(api, deps);

  api.route(
    {
      method: 'get',
      path: '/epcis/lots/:lotId/trace',
      operationId: 'epcisExportTrace',
      tag: 'epcis',
      summary: "Export a lot's trace as an EPCIS document",
      params: schemas.lot,
      query: schemas.trace,
      success: { status: 200, description: 'an EPCISDocument; header Lotline-Trace-Truncated', contentType: 'application/ld+json' },
      errors: [400, 404],
    },
    async ({ res, params, query, caller }) => {
      const result = await exportTrace(deps.ledgerFor(caller), params.lotId, query, deps.reads);
      res.set('Lotline-Trace-Truncated', String(result.truncated));
      res.type('application/ld+json').send(JSON.stringify(result.document));
    },
  );
}
