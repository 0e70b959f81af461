/**
 * The EPCIS query interface and REST binding, answered from the
 * organisation's read model: `GET /epcis/events` (the EPCIS 2.0 query
 * language), one event, the top-level vocabularies (`/epcis/eventTypes`,
 * `/epcis/epcs`, `/epcis/bizSteps`, `/epcis/bizLocations`,
 * `/epcis/readPoints`, `/epcis/dispositions`) with their `…/{value}/events`,
 * named queries, and subscriptions (SSE on `GET /epcis/queries/{name}/events`
 * with `Accept: text/event-stream`, webhooks on
 * `/epcis/queries/{name}/subscriptions`).
 *
 * Visibility: the chaincode lets every channel member read every captured
 * event (`assertCanRead` in chaincode/src/access.ts admits any member, any
 * role), and the read model holds the channel's public data, so every
 * authenticated caller of this API reads every event here too.
 */
import { randomUUID } from 'node:crypto';
import { fail, identifierKey } from '@lotline/domain';
import {
  ANY_IDENTIFIER,
  createNamedQuery,
  createSubscription,
  deleteNamedQuery,
  deleteSubscription,
  namedQueries,
  namedQuery,
  STANDARD_PARAMETERS,
  subscriptions,
  type Condition,
  type EpcisQuery,
  type EpcisVocabulary,
  type RawQuery,
} from '@lotline/read-model';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { ApiError, notFound } from '../errors';
import type { ApiRouter } from '../http/route';
import { requireReadModel, type ReadModelService } from '../read-model';
import { minBlock } from '../schemas';
import { openEventStream } from '../http/sse';
import { upgradeOf } from '../http/upgrade';
import { epcisError, invalidField } from './errors';
import { DEFAULT_PER_PAGE, EPCIS_CONTEXT, MAX_PER_PAGE, parseQuery, queryDocument, queryEvents, type QueryResult } from './query';
import { nextRun, parseSchedule, SCHEDULE_FIELDS, ScheduleError, type RawSchedule, type Schedule, type ScheduleField } from './schedule';
import { changesAfter, serveSocket, type SocketMode } from './websocket';
import { destinationProblem, signatureTokenProblem, startWebhookDispatcher } from './webhooks';

/** The EPCIS and CBV versions this API speaks (response headers `GS1-EPCIS-Version`, `GS1-CBV-Version`). */
export const EPCIS_VERSION = '2.0.0';
export const CBV_VERSION = '2.0.0';

const PRODUCED = ['application/json', 'application/ld+json', 'application/problem+json', 'text/event-stream'];

function versionProblem(header: string, value: string): ApiError {
  return epcisError({
    status: 406,
    code: 'EPCIS_VERSION',
    title: 'Not acceptable',
    detail: `${header}: ${value} excludes EPCIS ${EPCIS_VERSION}, the only version this API speaks; ask for ${EPCIS_VERSION}`,
  });
}

const versionKey = (v: string): number[] => v.split('.').map((n) => Number(n) || 0);
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

/**
 * Every `/epcis` answer: the GS1 version headers; 406 problem+json when the
 * client accepts none of JSON, JSON-LD and SSE (e.g. `Accept:
 * application/xml`: the XML binding is not supported), or asks for an EPCIS
 * version range without 2.0.0 (`GS1-EPCIS-Min`/`GS1-EPCIS-Max`).
 */
export function epcisNegotiation(req: Request, res: Response, next: NextFunction): void {
  res.set({
    'GS1-EPCIS-Version': EPCIS_VERSION,
    'GS1-CBV-Version': CBV_VERSION,
    'GS1-EPCIS-Min': EPCIS_VERSION,
    'GS1-EPCIS-Max': EPCIS_VERSION,
  });
  const min = req.get('GS1-EPCIS-Min');
  const max = req.get('GS1-EPCIS-Max');
  if (min !== undefined && compareVersions(min, EPCIS_VERSION) > 0) return next(versionProblem('GS1-EPCIS-Min', min));
  if (max !== undefined && compareVersions(max, EPCIS_VERSION) < 0) return next(versionProblem('GS1-EPCIS-Max', max));
  if (req.get('Accept') !== undefined && req.accepts(PRODUCED) === false) {
    return next(
      epcisError({
        status: 406,
        code: 'EPCIS_NOT_ACCEPTABLE',
        title: 'Not acceptable',
        detail: `this EPCIS repository answers in JSON / JSON-LD (and text/event-stream for subscriptions), not ${req.get('Accept') ?? ''}; the XML binding is not supported: send Accept: application/json`,
      }),
    );
  }
  next();
}

/** A string PostgreSQL text can hold (no NUL). */
const noNul = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');

const values = z.union([z.string(), z.array(z.string())]).optional();
const perPage = z.string().optional().describe(`events per page, 1..${MAX_PER_PAGE} (default ${DEFAULT_PER_PAGE})`);
const nextPageToken = z.string().optional().describe('the token of the next page (from GS1-Next-Page-Token or the Link header)');

/**
 * The query parameters of `GET /epcis/events`: the standard ones by name, and
 * the families with a variable name (`EQ_bizTransaction_<type>`,
 * `EQ_source_<type>`, `EQ_destination_<type>`, `EQ_ILMD_<field>`,
 * `GT_<field>`, `EXISTS_INNER_<field>`, sensor `EQ_type`, `GE_value` …) pass
 * through to the parser, which refuses what it does not know.
 */
const eventsQuery = z.looseObject({
  ...Object.fromEntries(
    STANDARD_PARAMETERS.filter((p) => !['perPage', 'nextPageToken'].includes(p)).map((p) => [
      p,
      values.describe('EPCIS 2.0 query parameter; several values repeated or separated by |'),
    ]),
  ),
  perPage,
  nextPageToken,
  minBlock,
});

const pagingQuery = z.strictObject({ perPage, nextPageToken, minBlock });

const VOCABULARIES: readonly { readonly path: EpcisVocabulary; readonly what: string; readonly filter: (value: string) => Condition[] }[] =
  [
    { path: 'eventTypes', what: 'event types', filter: (v) => parseQuery({ eventType: v }).conditions.slice() },
    {
      path: 'epcs',
      what: 'EPCs and EPC classes (as captured)',
      filter: (v) => [{ kind: 'keys', fields: ANY_IDENTIFIER, exact: [identifierKey(v)], prefixes: [], patterns: [] }],
    },
    { path: 'bizSteps', what: 'business steps', filter: (v) => parseQuery({ EQ_bizStep: v }).conditions.slice() },
    { path: 'bizLocations', what: 'business locations', filter: (v) => parseQuery({ EQ_bizLocation: v }).conditions.slice() },
    { path: 'readPoints', what: 'read points', filter: (v) => parseQuery({ EQ_readPoint: v }).conditions.slice() },
    { path: 'dispositions', what: 'dispositions', filter: (v) => parseQuery({ EQ_disposition: v }).conditions.slice() },
  ];

/** Answer a page of events: the EPCISQueryDocument, `Link: rel="next"`, `GS1-Next-Page-Token`, `Lotline-As-Of-Block`. */
function sendPage(req: Request, res: Response, result: QueryResult): void {
  if (result.nextPageToken !== undefined) {
    const next = new URLSearchParams();
    for (const [name, value] of Object.entries(req.query)) {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && name !== 'nextPageToken') next.append(name, v);
    }
    next.set('nextPageToken', result.nextPageToken);
    res.set('Link', `<${req.baseUrl}${req.path}?${next.toString()}>; rel="next"`);
    res.set('GS1-Next-Page-Token', result.nextPageToken);
  }
  res.set('Lotline-As-Of-Block', String(result.asOfBlock));
  res.type('application/ld+json').send(JSON.stringify(result.document));
}

function pageSize(raw: string | undefined): number {
  const n = raw === undefined ? DEFAULT_PER_PAGE : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) {
    throw epcisError({
      status: 400,
      code: 'EPCIS_QUERY_PARAMETER',
      title: 'Invalid query parameter',
      detail: `perPage: must be an integer from 1 to ${MAX_PER_PAGE}`,
      violations: [{ pointer: 'perPage', reason: `must be an integer from 1 to ${MAX_PER_PAGE}` }],
    });
  }
  return n;
}

function listToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(decoded, 'utf8').toString('base64url') !== token || decoded.includes('\u0000') || decoded.length > 2048) {
    throw epcisError({
      status: 400,
      code: 'EPCIS_QUERY_PARAMETER',
      title: 'Invalid query parameter',
      detail: 'nextPageToken: is not a token this API issued; pass the one the previous page returned, or none',
      violations: [{ pointer: 'nextPageToken', reason: 'is not a token this API issued' }],
    });
  }
  return decoded;
}

const NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
  .describe('the query name: letters, digits, _ . - (at most 64)');

const namedQueryBody = z.strictObject({
  name: NAME,
  query: z
    .record(z.string().max(256), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]))
    .describe('EPCIS query parameters (as for GET /epcis/events): a value, or a list of values'),
});

const subscriptionBody = z.strictObject({
  dest: noNul(2048).describe('the webhook URL: https to a public host, or a host listed in LOTLINE_EPCIS_WEBHOOK_HOSTS'),
  reportIfEmpty: z.boolean().optional().describe('also post when new blocks brought no matching event'),
  signatureToken: z
    .string()
    .optional()
    .describe(
      'a secret of yours (16-256 visible ASCII characters): each delivery then carries `GS1-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with it>`; never shown again',
    ),
  stream: z.literal(true).optional().describe('deliver as blocks are indexed (the default when no schedule is given); excludes `schedule`'),
  schedule: z
    .strictObject(
      Object.fromEntries(
        SCHEDULE_FIELDS.map((f) => [
          f,
          z
            .union([z.string().max(512), z.number().int()])
            .optional()
            .describe('numbers and [low-high] ranges, comma-separated (EPCIS QuerySchedule); omitted: any'),
        ]),
      ) as Record<ScheduleField, z.ZodOptional<z.ZodUnion<[z.ZodString, z.ZodNumber]>>>,
    )
    .optional()
    .describe(
      'deliver the events since the last delivery at each matching time (UTC), e.g. {"second": "0", "minute": "5", "hour": "1"}; excludes `stream`',
    ),
});

/** The 400 for a subscription that gives both `stream` and a schedule (EPCIS 2.0: mutually exclusive), or (`missing`) neither. */
function modeProblem(pointer: string, missing = false): ApiError {
  const reason = missing
    ? 'a WebSocket subscription needs stream=true (report as events arrive) or a schedule (second, minute, hour, dayOfMonth, month, dayOfWeek)'
    : 'stream and schedule are mutually exclusive (EPCIS 2.0): give stream: true to be notified as events arrive, or a schedule';
  return invalidField('EPCIS_SUBSCRIPTION_MODE', 'Invalid subscription', pointer, reason);
}

/**
 * Parse a subscription's schedule fields (400 `EPCIS_SCHEDULE` when they
 * break the standard's grammar, at `pointerOf(field)`): the fields as given,
 * the parsed schedule and its first run after `now`.
 */
function scheduleOf(
  fields: Partial<Record<ScheduleField, string | number>>,
  now: Date,
  pointerOf: (field: ScheduleField | undefined) => string,
): { raw: RawSchedule; schedule: Schedule; nextRunAt: number } {
  const raw: RawSchedule = Object.fromEntries(
    Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
  ) as RawSchedule;
  try {
    const schedule = parseSchedule(raw);
    const next = nextRun(schedule, now);
    if (next === undefined) throw new ScheduleError(undefined, 'schedule never fires: widen one of its fields');
    return { raw, schedule, nextRunAt: next.getTime() };
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw epcisError({
      status: 400,
      code: 'EPCIS_SCHEDULE',
      title: 'Invalid schedule',
      detail: error.message,
      violations: [{ pointer: pointerOf(error.field), reason: error.message }],
    });
  }
}

/** A webhook subscription's mode: undefined for `stream` (also when neither is given), or its schedule; 400 when both are given. */
function subscriptionMode(
  body: { stream?: true; schedule?: Partial<Record<ScheduleField, string | number>> },
  now: Date,
): { raw: RawSchedule; nextRunAt: number } | undefined {
  if (body.schedule === undefined) return undefined;
  if (body.stream !== undefined) throw modeProblem('/schedule');
  return scheduleOf(body.schedule, now, (field) => (field === undefined ? '/schedule' : `/schedule/${field}`));
}

/** The query parameters of `GET /epcis/queries/:name/events`: a page, or a WebSocket subscription's mode (`stream`, `reportIfEmpty`, schedule). */
const namedEventsQuery = z.strictObject({
  perPage,
  nextPageToken,
  minBlock,
  stream: z.string().optional().describe('WebSocket subscriptions: `true` to report each batch of new matching events as it is indexed'),
  reportIfEmpty: z
    .string()
    .optional()
    .describe('WebSocket subscriptions with a schedule: `true` to send an empty document when nothing matched'),
  ...Object.fromEntries(
    SCHEDULE_FIELDS.map((f) => [
      f,
      z.string().optional().describe(`WebSocket subscriptions: the schedule's ${f} (EPCIS QuerySchedule syntax)`),
    ]),
  ),
});

/** The WebSocket subscription a handshake's parameters ask for (400 `EPCIS_QUERY_PARAMETER`, `EPCIS_SUBSCRIPTION_MODE`, `EPCIS_SCHEDULE`). */
function socketModeOf(query: Record<string, string | undefined>): SocketMode {
  const bad = (pointer: string, reason: string): ApiError =>
    epcisError({
      status: 400,
      code: 'EPCIS_QUERY_PARAMETER',
      title: 'Invalid query parameter',
      detail: `${pointer}: ${reason}`,
      violations: [{ pointer, reason }],
    });
  for (const name of ['perPage', 'nextPageToken', 'minBlock']) {
    if (query[name] !== undefined)
      throw bad(name, 'pages are not for WebSocket subscriptions: leave it out (a subscription reports from now on)');
  }
  if (query.stream !== undefined && query.stream !== 'true') throw bad('stream', 'must be true (or left out, with a schedule)');
  if (query.reportIfEmpty !== undefined && !['true', 'false'].includes(query.reportIfEmpty))
    throw bad('reportIfEmpty', 'must be true or false');
  const fields = Object.fromEntries(SCHEDULE_FIELDS.flatMap((f) => (query[f] !== undefined ? [[f, query[f]]] : [])));
  const scheduled = Object.keys(fields).length > 0;
  if (query.stream !== undefined && scheduled) throw modeProblem('stream');
  if (query.stream === undefined && !scheduled) throw modeProblem('stream', true);
  if (!scheduled) {
    if (query.reportIfEmpty !== undefined)
      throw bad('reportIfEmpty', 'applies to scheduled subscriptions only: leave it out with stream=true');
    return { kind: 'stream' };
  }
  const { schedule } = scheduleOf(fields, new Date(), (field) => field ?? Object.keys(fields)[0] ?? 'second');
  return { kind: 'schedule', schedule, reportIfEmpty: query.reportIfEmpty === 'true' };
}

/** A named query's parameters as stored: each a list of strings. */
function storedParams(query: Readonly<Record<string, string | number | boolean | readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])] : [String(v)]]));
}

/** Stream a named query's new matching events as server-sent events until the client leaves. */
async function streamEvents(
  req: Request,
  res: Response,
  reads: ReadModelService,
  name: string,
  query: EpcisQuery,
  heartbeatMs: number,
): Promise<void> {
  const resume = Number(req.get('Last-Event-ID'));
  let after =
    Number.isInteger(resume) && resume >= 0
      ? resume
      : await reads.read(undefined, (m) => Promise.resolve(Number(m.indexer.nextBlock) - 1), { latest: true });
  openEventStream(res, after);
  let open = true;
  req.on('close', () => (open = false));
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  try {
    while (open && !reads.closing.aborted) {
      const changes = await changesAfter(reads, query, after);
      if (changes.events.length > 0 && open) {
        res.write(
          `id: ${changes.position}\nevent: epcisQueryDocument\ndata: ${JSON.stringify(queryDocument(changes.events, { queryName: name }))}\n\n`,
        );
      }
      after = changes.position;
      if (!changes.more) await reads.read(undefined, (m) => m.waitFor(after + 1, heartbeatMs));
    }
  } catch {
    // The stream ends when the client leaves or the read model closes; the client resumes with Last-Event-ID.
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

/** What the read routes need. */
export interface EpcisReadDeps {
  readonly reads?: ReadModelService;
  readonly webhookHosts?: readonly string[];
  /** SSE keep-alive interval (default 15 s). */
  readonly heartbeatMs?: number;
}

/** Register the EPCIS query interface and REST binding on the read model (see the file comment). */
export function epcisReadRoutes(api: ApiRouter, deps: EpcisReadDeps): void {
  /** The read model every route here reads (503 READ_MODEL_UNAVAILABLE without one). */
  const readModel = (): ReadModelService => requireReadModel(deps.reads, 'the EPCIS query interface');
  const hosts = deps.webhookHosts ?? [];
  if (deps.reads !== undefined) void startWebhookDispatcher({ reads: deps.reads, allowedHosts: hosts });

  api.route(
    {
      method: 'get',
      path: '/epcis/events',
      operationId: 'epcisQueryEvents',
      tag: 'epcis',
      summary: 'Query captured EPCIS events',
      description:
        'EPCIS 2.0 query language on the read model (gateway-api/src/epcis/README.md lists every parameter); unknown parameters are refused with 400, ' +
        '`maxEventCount` exceeded with 413. Header `Lotline-As-Of-Block`: the last block indexed.',
      query: eventsQuery,
      success: { status: 200, description: 'an EPCISQueryDocument', contentType: 'application/ld+json' },
      errors: [400, 406, 413],
    },
    async ({ req, res, query }) => {
      const { minBlock: block, ...raw } = query;
      const parsed = parseQuery(raw as RawQuery);
      sendPage(req, res, await queryEvents(readModel(), parsed, block !== undefined ? { minBlock: block } : {}));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/epcis/events/:hashId',
      operationId: 'epcisReadEvent',
      tag: 'epcis',
      summary: 'Read one captured EPCIS event',
      description: 'By hash ID or eventID, from the read model: `{event, errorDeclarations, asOfBlock}` (event null when only declared).',
      params: z.object({ hashId: noNul(512).describe('the CBV 2.0 event hash ID (ni:///sha-256;...) or the eventID') }),
      query: z.strictObject({ minBlock }),
      success: { status: 200, description: 'the stored event with its error declarations' },
      errors: [400, 404, 406],
    },
    async ({ res, params, query }) => {
      const found = await readModel().read(query.minBlock, async (model) => {
        const answer = await model.epcisEvent(params.hashId);
        if (answer.found === undefined) throw fail('NOT_FOUND', `no EPCIS event ${params.hashId}`);
        return { ...answer.found, asOfBlock: answer.asOfBlock };
      });
      res.type('application/json').send(JSON.stringify(found));
    },
  );

  for (const vocabulary of VOCABULARIES) {
    api.route(
      {
        method: 'get',
        path: `/epcis/${vocabulary.path}`,
        operationId: `epcisList_${vocabulary.path}`,
        tag: 'epcis',
        summary: `List the ${vocabulary.what} of the captured events`,
        query: pagingQuery,
        success: {
          status: 200,
          description: '`{@context, type: "Collection", member: [...], asOfBlock}`; next page in Link / GS1-Next-Page-Token',
        },
        errors: [400, 406],
      },
      async ({ req, res, query }) => {
        const size = pageSize(query.perPage);
        const after = listToken(query.nextPageToken);
        const page = await readModel().read(query.minBlock, (model) => model.epcisVocabulary(vocabulary.path, size, after), {
          latest: true,
        });
        if (page.next !== undefined) {
          const token = Buffer.from(page.next, 'utf8').toString('base64url');
          res.set('Link', `<${req.path}?perPage=${size}&nextPageToken=${token}>; rel="next"`);
          res.set('GS1-Next-Page-Token', token);
        }
        res
          .type('application/ld+json')
          .send(JSON.stringify({ '@context': EPCIS_CONTEXT, type: 'Collection', member: page.values, asOfBlock: page.asOfBlock }));
      },
    );
    api.route(
      {
        method: 'get',
        path: `/epcis/${vocabulary.path}/:value/events`,
        operationId: `epcisEventsOf_${vocabulary.path}`,
        tag: 'epcis',
        summary: `Query the events of one of the ${vocabulary.what}`,
        description: 'The same query parameters as GET /epcis/events, AND-ed with the path value.',
        params: z.object({ value: noNul(2048) }),
        query: eventsQuery,
        success: { status: 200, description: 'an EPCISQueryDocument', contentType: 'application/ld+json' },
        errors: [400, 406, 413],
      },
      async ({ req, res, params, query }) => {
        const { minBlock: block, ...raw } = query;
        const parsed = parseQuery(raw as RawQuery);
        const extra = vocabulary.filter(params.value);
        sendPage(
          req,
          res,
          await queryEvents(readModel(), parsed, {
            extra,
            ...(block !== undefined ? { minBlock: block } : {}),
          }),
        );
      },
    );
  }

  api.route(
    {
      method: 'post',
      path: '/epcis/queries',
      operationId: 'epcisCreateQuery',
      tag: 'epcis',
      summary: 'Create a named EPCIS query',
      description: "Stored in the organisation's read model (off-ledger). `{name, query: {<EPCIS parameter>: value or [values]}}`.",
      body: namedQueryBody,
      success: { status: 201, description: '`{name, query, createdBy, createdAt}` + Location' },
      errors: [400, 406, 409],
    },
    async ({ res, body, caller }) => {
      const params = storedParams(body.query);
      parseQuery(params);
      const created = { name: body.name, params, createdBy: `${caller.mspId}/${caller.user}`, createdAt: new Date().toISOString() };
      const stored = await readModel().read(undefined, (model) => createNamedQuery(model.store, created));
      if (!stored) {
        throw epcisError({
          status: 409,
          code: 'EPCIS_QUERY_EXISTS',
          title: 'Conflict',
          detail: `a query named ${body.name} exists; delete it first, or choose another name`,
        });
      }
      res
        .status(201)
        .location(`/epcis/queries/${encodeURIComponent(body.name)}`)
        .json({ name: created.name, query: params, createdBy: created.createdBy, createdAt: created.createdAt });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/epcis/queries',
      operationId: 'epcisListQueries',
      tag: 'epcis',
      summary: "List the organisation's named EPCIS queries",
      query: pagingQuery,
      success: { status: 200, description: '`{queries: [{name, query, createdBy, createdAt}], nextPageToken?}`' },
      errors: [400, 406],
    },
    async ({ res, query }) => {
      const page = await readModel().read(query.minBlock, (model) =>
        namedQueries(model.store, { perPage: pageSize(query.perPage), after: listToken(query.nextPageToken) }),
      );
      const token = page.next === undefined ? undefined : Buffer.from(page.next, 'utf8').toString('base64url');
      if (token !== undefined) res.set('GS1-Next-Page-Token', token);
      res.json({
        queries: page.queries.map((q) => ({ name: q.name, query: q.params, createdBy: q.createdBy, createdAt: q.createdAt })),
        ...(token !== undefined ? { nextPageToken: token } : {}),
      });
    },
  );

  const nameParams = z.object({ name: NAME });
  const loadQuery = async (name: string): Promise<{ params: Record<string, readonly string[]> }> => {
    const stored = await readModel().read(undefined, (model) => namedQuery(model.store, name));
    if (stored === undefined) throw notFound('EPCIS_QUERY_NOT_FOUND', `no named query ${name}; list them with GET /epcis/queries`);
    return { params: { ...stored.params } };
  };

  api.route(
    {
      method: 'get',
      path: '/epcis/queries/:name',
      operationId: 'epcisReadQuery',
      tag: 'epcis',
      summary: 'Read a named EPCIS query',
      params: nameParams,
      success: { status: 200, description: '`{name, query}`' },
      errors: [400, 404, 406],
    },
    async ({ res, params }) => {
      res.json({ name: params.name, query: (await loadQuery(params.name)).params });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/epcis/queries/:name',
      operationId: 'epcisDeleteQuery',
      tag: 'epcis',
      summary: 'Delete a named EPCIS query and its subscriptions',
      params: nameParams,
      success: { status: 204, description: 'deleted' },
      errors: [400, 404, 406],
    },
    async ({ res, params }) => {
      const deleted = await readModel().read(undefined, (model) => deleteNamedQuery(model.store, params.name));
      if (!deleted) throw notFound('EPCIS_QUERY_NOT_FOUND', `no named query ${params.name}; list them with GET /epcis/queries`);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/epcis/queries/:name/events',
      operationId: 'epcisQueryNamed',
      tag: 'epcis',
      summary: 'Run a named query, or subscribe to its new events (Accept: text/event-stream, or Upgrade: websocket)',
      description:
        'JSON: a page of the query, as GET /epcis/events. `Accept: text/event-stream`: from now on (or after `Last-Event-ID`, a block number), ' +
        'each batch of newly indexed matching events as an `epcisQueryDocument` event. `Upgrade: websocket` (EPCIS 2.0) with `stream=true` or ' +
        'a schedule (`second` … `dayOfWeek`, `reportIfEmpty`): 101, then one EPCISQueryDocument per message; subprotocol `lotline.epcis.v1`, ' +
        'and browsers may pass their token as the subprotocol `lotline.bearer.<token>`.',
      params: nameParams,
      query: namedEventsQuery,
      success: { status: 200, description: 'an EPCISQueryDocument, or an event stream', contentType: 'application/ld+json' },
      errors: [400, 404, 406, 413],
    },
    async ({ req, res, params, query }) => {
      const reads = readModel();
      const stored = await loadQuery(params.name);
      const raw = query as Record<string, string | undefined>;
      if (upgradeOf(req) !== undefined && req.get('Upgrade')?.toLowerCase() === 'websocket') {
        const mode = socketModeOf(raw);
        const options = { reads, queryName: params.name, query: parseQuery(stored.params), mode, heartbeatMs: deps.heartbeatMs ?? 15_000 };
        await serveSocket(req, res, options);
        return;
      }
      const subscribing = ['stream', 'reportIfEmpty', ...SCHEDULE_FIELDS].find((p) => raw[p] !== undefined);
      if (subscribing !== undefined) {
        const reason =
          'subscribes over a WebSocket only: send Upgrade: websocket, or use Accept: text/event-stream or POST …/subscriptions';
        throw epcisError({
          status: 400,
          code: 'EPCIS_QUERY_PARAMETER',
          title: 'Invalid query parameter',
          detail: `${subscribing}: ${reason}`,
          violations: [{ pointer: subscribing, reason }],
        });
      }
      if (req.accepts(['application/ld+json', 'application/json', 'text/event-stream']) === 'text/event-stream') {
        await streamEvents(req, res, reads, params.name, parseQuery(stored.params), deps.heartbeatMs ?? 15_000);
        return;
      }
      const page = {
        ...stored.params,
        ...(query.perPage !== undefined ? { perPage: query.perPage } : {}),
        ...(query.nextPageToken !== undefined ? { nextPageToken: query.nextPageToken } : {}),
      };
      sendPage(
        req,
        res,
        await queryEvents(reads, parseQuery(page), {
          queryName: params.name,
          ...(query.minBlock !== undefined ? { minBlock: query.minBlock } : {}),
        }),
      );
    },
  );

  api.route(
    {
      method: 'post',
      path: '/epcis/queries/:name/subscriptions',
      operationId: 'epcisSubscribe',
      tag: 'epcis',
      summary: 'Subscribe a webhook to a named query',
      description:
        'From now on, each batch of newly indexed matching events (`stream: true`, the default), or the matching events since the last delivery at each ' +
        'time a `schedule` matches, is posted to `dest` as an EPCISQueryDocument (at least once, retried until 2xx); signed with `GS1-Signature` ' +
        'when a `signatureToken` is given. ' +
        '`dest`: https to a host that resolves to public addresses only, or a host listed in LOTLINE_EPCIS_WEBHOOK_HOSTS; redirects are not followed.',
      params: nameParams,
      body: subscriptionBody,
      roles: ['admin', 'quality_manager'],
      success: {
        status: 201,
        description:
          '`{subscriptionID, queryName, dest, reportIfEmpty, signed, asOfBlock}` + Location (the signatureToken is never returned)',
      },
      errors: [400, 404, 406],
    },
    async ({ res, params, body, caller }) => {
      const reads = readModel();
      await loadQuery(params.name);
      const mode = subscriptionMode(body, new Date());
      const tokenProblem = body.signatureToken === undefined ? undefined : signatureTokenProblem(body.signatureToken);
      if (tokenProblem !== undefined)
        throw invalidField('EPCIS_SIGNATURE_TOKEN', 'Invalid signature token', '/signatureToken', tokenProblem);
      const problem = await destinationProblem(body.dest, hosts);
      if (problem !== undefined) throw invalidField('EPCIS_WEBHOOK_DESTINATION', 'Invalid webhook destination', '/dest', problem);
      const id = randomUUID();
      const asOfBlock = await reads.read(
        undefined,
        async (model) => {
          const afterBlock = Number(model.indexer.nextBlock) - 1;
          await createSubscription(model.store, {
            id,
            queryName: params.name,
            dest: body.dest,
            reportIfEmpty: body.reportIfEmpty ?? false,
            afterBlock,
            createdBy: `${caller.mspId}/${caller.user}`,
            createdAt: new Date().toISOString(),
            signatureToken: body.signatureToken ?? null,
            schedule: mode?.raw ?? null,
            nextRunAt: mode?.nextRunAt ?? null,
          });
          return afterBlock;
        },
        { latest: true },
      );
      res
        .status(201)
        .location(`/epcis/queries/${encodeURIComponent(params.name)}/subscriptions/${id}`)
        .json({
          subscriptionID: id,
          queryName: params.name,
          dest: body.dest,
          reportIfEmpty: body.reportIfEmpty ?? false,
          ...(mode !== undefined ? { schedule: mode.raw, nextRunAt: new Date(mode.nextRunAt).toISOString() } : { stream: true }),
          signed: body.signatureToken !== undefined,
          asOfBlock,
        });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/epcis/queries/:name/subscriptions',
      operationId: 'epcisListSubscriptions',
      tag: 'epcis',
      summary: "List a named query's webhook subscriptions",
      params: nameParams,
      success: {
        status: 200,
        description:
          '`{subscriptions: [{subscriptionID, dest, reportIfEmpty, stream: true | schedule + nextRunAt, signed, afterBlock, createdBy, createdAt, lastDeliveryAt, lastError}]}`; ' +
          '`signed`: whether deliveries carry GS1-Signature (the token itself is never returned)',
      },
      errors: [400, 404, 406],
    },
    async ({ res, params }) => {
      await loadQuery(params.name);
      const list = await readModel().read(undefined, (model) => subscriptions(model.store, params.name));
      res.json({
        subscriptions: list.map((s) => ({
          subscriptionID: s.id,
          dest: s.dest,
          reportIfEmpty: s.reportIfEmpty,
          ...(s.schedule !== null
            ? { schedule: s.schedule, nextRunAt: s.nextRunAt === null ? null : new Date(s.nextRunAt).toISOString() }
            : { stream: true }),
          signed: s.signatureToken !== null,
          afterBlock: s.afterBlock,
          createdBy: s.createdBy,
          createdAt: s.createdAt,
          lastDeliveryAt: s.lastDeliveryAt,
          lastError: s.lastError,
        })),
      });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/epcis/queries/:name/subscriptions/:id',
      operationId: 'epcisUnsubscribe',
      tag: 'epcis',
      summary: 'Delete a webhook subscription',
      params: z.object({ name: NAME, id: z.string().uuid() }),
      roles: ['admin', 'quality_manager'],
      success: { status: 204, description: 'deleted' },
      errors: [400, 404, 406],
    },
    async ({ res, params }) => {
      const deleted = await readModel().read(undefined, (model) => deleteSubscription(model.store, params.name, params.id));
      if (!deleted) throw notFound('EPCIS_SUBSCRIPTION_NOT_FOUND', `no subscription ${params.id} of query ${params.name}`);
      res.status(204).end();
    },
  );
}
