/**
 * `createServer(deps)`: the Express application of one organisation's API,
 * without listening. One router per resource, one problem+json error handler
 * last. `main.ts` builds the real dependencies and listens.
 */
import express, { type Express, type Request } from 'express';
import type { Gateway } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { TokenVerifier } from './auth/jwt';
import { epcisCaptureBody, epcisRoutes } from './epcis';
import { ApiError, notFound } from './errors';
import { createMetrics, type Metrics } from './http/metrics';
import { jsonBody } from './http/json';
import { problemHandler } from './http/problems';
import { CREDENTIAL_HEADERS, REDACTED, redactUrl } from './http/redact';
import { ApiRouter, type Authenticate, type Caller } from './http/route';
import type { WalletIdentity } from './identity/wallet';
import { LotLedger, retryPolicy } from '@lotline/ledger-client';
import { openApiDocument } from './openapi';
import type { ReadModelService } from './read-model';
import { eventRoutes } from './routes/events';
import { evidenceRoutes } from './routes/evidence';
import { exportRoutes } from './routes/exports';
import { importBody, importRoutes } from './routes/imports';
import { labelRoutes, type LabelOptions } from './routes/labels';
import { lotRoutes } from './routes/lots';
import { noticeRoutes } from './routes/notices';
import { participantRoutes } from './routes/participants';
import { qualityRoutes } from './routes/quality';
import { recallRoutes } from './routes/recalls';
import { transactionRoutes } from './routes/transactions';
import { userRoutes, type UserRegistrar } from './routes/users';

/** Everything the application needs; tests substitute any of it. */
export interface ServerDeps {
  /** This instance's organisation. */
  readonly org: { readonly name: string; readonly mspId: string };
  readonly channel: string;
  readonly chaincode: string;
  /** MSP IDs of the channel's member organisations (for explicit endorsement of private data writes). */
  readonly memberMsps: readonly string[];
  /** Verifies bearer tokens (org claim included). */
  readonly tokens: TokenVerifier;
  /** The enrolled identity of a user, or undefined. */
  readonly wallet: (user: string) => WalletIdentity | undefined;
  /** A (cached) Gateway for an identity. */
  readonly gateways: { get(identity: WalletIdentity): Gateway };
  /** Whether the peer is reachable now. */
  readonly ready: () => Promise<boolean>;
  /** The readiness rule (@lotline/ledger-client `checkEndorsers`): organisations without an endorser of the chaincode. */
  readonly endorsers?: () => Promise<{ readonly missing: readonly string[]; readonly satisfiable: boolean; readonly problem?: string }>;
  /** Registers users with the CA (absent: POST /users answers 501). */
  readonly registrar?: UserRegistrar;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Largest JSON body (default 256kb). */
  readonly bodyLimit?: string;
  /** Largest EPCIS capture body (default 4mb). */
  readonly epcisBodyLimit?: string;
  /** New transactions after a conflict or a divergent endorsement (default: @lotline/ledger-client `DEFAULT_RETRY_POLICY`). */
  readonly txRetries?: number;
  /** SSE keep-alive comment interval. */
  readonly sseHeartbeatMs?: number;
  /** Where people and scripts sign in (announced at `GET /auth/config`). */
  readonly signIn?: SignInInfo;
  /** Built web trace explorer (`clients/web/dist`), served at `/explorer/` when present. */
  readonly webDir?: string;
  /** Lot labels: the Digital Link resolver base in QR codes and the label font (default: this API's origin, built-in fonts). */
  readonly labels?: LabelOptions;
  /** The organisation's read model (absent: traces and recall reports come from the chaincode, lot search answers 503). */
  readonly readModel?: ReadModelService;
  /** Hosts EPCIS webhooks may reach although private or plain HTTP (`LOTLINE_EPCIS_WEBHOOK_HOSTS`). */
  readonly epcisWebhookHosts?: readonly string[];
}

/** The organisation's identity provider and its public clients, for the explorer and the CLI. */
export interface SignInInfo {
  readonly issuer: string;
  readonly audience: string;
  readonly explorerClientId: string;
  readonly cliClientId: string;
}

const API_VERSION = '1.0.0';

/** 2xx/3xx info, 4xx warn, 5xx error. */
function logLevelOf(_req: unknown, res: { statusCode: number }, error: unknown): 'info' | 'warn' | 'error' {
  return error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
}

/** What a request log line shows: method, URL with credential parameters redacted, user agent; credential headers only as `[redacted]`. */
function serializeRequest(req: { method: string; url: string; headers: Record<string, unknown> }): Record<string, unknown> {
  const headers: Record<string, unknown> = { 'user-agent': req.headers['user-agent'] };
  for (const name of CREDENTIAL_HEADERS) if (req.headers[name] !== undefined) headers[name] = REDACTED;
  return { method: req.method, url: redactUrl(req.url), headers };
}

/** Build the application. */
export function createServer(deps: ServerDeps): Express {
  const app = express();
  const metrics = deps.metrics ?? createMetrics();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // No ETag on API answers: no client revalidates them (each carries asOfBlock or a fresh ledger read), and hashing a
  // 400 KB trace on every request was a measurable part of its cost. The explorer's static files keep theirs.
  app.set('etag', false);

  app.use(pinoHttp({ logger: deps.logger, customLogLevel: logLevelOf, serializers: { req: serializeRequest } }));
  app.use((req, res, next) => metrics.middleware(req, res, next));

  const authenticate: Authenticate = async (req) => {
    const cached = (req as Request & { caller?: Caller }).caller;
    if (cached !== undefined) return cached;
    const subject = await deps.tokens.verify(req.get('authorization'));
    const identity = deps.wallet(subject.user);
    if (identity === undefined) {
      throw new ApiError({
        status: 403,
        code: 'USER_NOT_ENROLLED',
        message: { key: 'detail.user_not_enrolled', params: { user: subject.user, org: deps.org.name } },
      });
    }
    if (identity.revoked !== undefined) {
      throw new ApiError({
        status: 403,
        code: 'IDENTITY_REVOKED',
        title: 'Identity revoked',
        detail: `${subject.user}'s certificate was revoked by ${deps.org.name} (${identity.revoked.reason}, ${identity.revoked.revokedAt}; CRL in channel config block ${identity.revoked.configBlock}): every peer refuses it. An org admin registers a new identity for this person (lotline users register)`,
      });
    }
    const caller: Caller = {
      user: subject.user,
      mspId: deps.org.mspId,
      role: identity.role,
      identity,
      ledger: new LotLedger({
        gateway: deps.gateways.get(identity),
        channel: deps.channel,
        chaincode: deps.chaincode,
        ...(deps.txRetries !== undefined ? { retry: retryPolicy({ maxAttempts: deps.txRetries + 1 }) } : {}),
      }),
    };
    (req as Request & { caller?: Caller }).caller = caller;
    return caller;
  };

  // Service endpoints (no token).
  app.get('/healthz', (_req, res) => {
    res.locals.route = '/healthz';
    res.json({ status: 'ok', org: deps.org.name, mspId: deps.org.mspId });
  });
  // Where to sign in: the only issuer this API trusts, and the public clients registered there.
  app.get('/auth/config', (_req, res) => {
    res.locals.route = '/auth/config';
    if (deps.signIn === undefined) throw notFound('ROUTE_NOT_FOUND', 'this API announces no sign-in configuration');
    res.json({ ...deps.signIn, org: deps.org.name, mspId: deps.org.mspId });
  });
  app.get('/readyz', async (_req, res) => {
    res.locals.route = '/readyz';
    const ready = await deps.ready();
    metrics.peerReady.set(ready ? 1 : 0);
    if (!ready)
      throw new ApiError({
        status: 503,
        code: 'PEER_UNAVAILABLE',
        title: 'Service unavailable',
        detail: `the ${deps.org.name} peer is unreachable`,
        retryAfterSeconds: 5,
      });
    const endorsers = await deps.endorsers?.();
    if (endorsers !== undefined && !endorsers.satisfiable)
      throw new ApiError({
        status: 503,
        code: 'ENDORSERS_UNAVAILABLE',
        title: 'Service unavailable',
        detail: `service discovery on the ${deps.org.name} peer finds no set of endorsers that satisfies the endorsement policy (no endorser for ${endorsers.missing.join(', ')})${endorsers.problem !== undefined ? ` (${endorsers.problem})` : ''}`,
        retryAfterSeconds: 5,
      });
    // Ready while the policy can be met; an organisation without an endorser (its peer down) is reported, not fatal.
    const missing = endorsers?.missing ?? [];
    const readModel = await deps.readModel?.status();
    res.json({
      status: missing.length > 0 ? 'degraded' : 'ready',
      peer: 'reachable',
      endorsers: endorsers === undefined ? 'unchecked' : missing.length > 0 ? { missing } : 'every organisation',
      ...(readModel !== undefined ? { readModel } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.locals.route = '/metrics';
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // The web trace explorer, same origin as the API (it signs in at the organisation's provider, code flow + PKCE).
  // Mounted even before the explorer is built: express.static serves what exists when asked.
  if (deps.webDir !== undefined) {
    app.use('/explorer', express.static(deps.webDir, { index: 'index.html', fallthrough: true }));
    app.get('/', (_req, res) => res.redirect('/explorer/'));
  }

  // The EPCIS capture has its own size limit and media types; every other body goes through the API's limit.
  app.use('/epcis/capture', epcisCaptureBody(deps.epcisBodyLimit));
  app.use('/imports', importBody());
  app.use(jsonBody({ limit: deps.bodyLimit ?? '256kb', type: ['application/json', 'application/*+json'] }));

  const api = new ApiRouter(authenticate);
  lotRoutes(api, deps.readModel);
  labelRoutes(api, authenticate, deps.labels);
  qualityRoutes(api, deps.memberMsps);
  recallRoutes(api, deps.readModel);
  noticeRoutes(api, {
    ...(deps.labels?.font !== undefined ? { font: deps.labels.font } : {}),
    ...(deps.readModel !== undefined ? { reads: deps.readModel } : {}),
  });
  participantRoutes(api);
  const evidence = { channel: deps.channel, org: deps.org };
  transactionRoutes(api, evidence);
  evidenceRoutes(api, evidence);
  eventRoutes(api, { ready: deps.ready, ...(deps.sseHeartbeatMs !== undefined ? { heartbeatMs: deps.sseHeartbeatMs } : {}) });
  userRoutes(api, deps.registrar);
  importRoutes(api);
  exportRoutes(api, deps.readModel);
  epcisRoutes(api, {
    ledgerFor: (caller) => caller.ledger,
    ...(deps.readModel !== undefined ? { reads: deps.readModel } : {}),
    webhookHosts: deps.epcisWebhookHosts ?? [],
    ...(deps.sseHeartbeatMs !== undefined ? { heartbeatMs: deps.sseHeartbeatMs } : {}),
  });
  app.use(api.router);

  const document = openApiDocument(api.specs, {
    title: `Lotline API (${deps.org.name})`,
    version: API_VERSION,
    description:
      "One organisation's API over its own peer. Writes answer 2xx only after the transaction committed VALID, with txId and blockNumber. Errors are RFC 9457 problem+json with a stable code.",
  });
  app.get('/openapi.json', (_req, res) => {
    res.locals.route = '/openapi.json';
    res.json(document);
  });

  app.use((req: Request) => {
    throw notFound('ROUTE_NOT_FOUND', { key: 'detail.route_not_found', params: { method: req.method, path: req.path } });
  });
  app.use(problemHandler);
  return app;
}
