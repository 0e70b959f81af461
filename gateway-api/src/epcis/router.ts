import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { captureDocument, type CaptureErrorBehaviour } from './capture';
import { EpcisError, fromLedgerError } from './errors';
import { exportTrace } from './export';
import type { EpcisLedger } from './ledger';
import { queryEvents } from './query';

/** What the EPCIS router needs from the application. */
export interface EpcisRouterDeps {
  /**
   * The ledger for this request, bound to the caller's own Fabric identity
   * (from the auth middleware). A fabric-gateway `Contract` satisfies it.
   */
  ledgerFor(req: Request, res: Response): EpcisLedger | Promise<EpcisLedger>;
  /** Party URIs (PGLN, GLN, ...) of partner organisations → their MSP IDs, for custody transfers on shipping. */
  readonly parties?: Readonly<Record<string, string>>;
  /** Largest capture body (express size string), default `4mb`. */
  readonly bodyLimit?: string;
}

const EPCIS_MEDIA_TYPES = ['application/json', 'application/ld+json'];

type Handler = (req: Request, res: Response) => Promise<void>;

function route(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new EpcisError({
      status: 400,
      code: 'INVALID_ARGUMENT',
      title: 'Invalid parameter',
      detail: `${name} must be an integer from ${min} to ${max}`,
    });
  }
  return n;
}

function errorBehaviour(req: Request): CaptureErrorBehaviour {
  const value = (req.get('GS1-Capture-Error-Behaviour') ?? 'rollback').toLowerCase();
  if (value !== 'rollback' && value !== 'proceed') {
    throw new EpcisError({
      status: 400,
      code: 'INVALID_ARGUMENT',
      title: 'Invalid header',
      detail: 'GS1-Capture-Error-Behaviour must be rollback or proceed',
    });
  }
  return value;
}

/** RFC 9457 problem+json for EPCIS errors (and malformed JSON bodies); anything else goes on to the app's handler. */
function problems(error: unknown, req: Request, res: Response, next: NextFunction): void {
  const parseError = error as { type?: string; status?: number; message?: string };
  const problem =
    error instanceof EpcisError
      ? error
      : parseError.type === 'entity.parse.failed' || parseError.type === 'entity.too.large'
        ? new EpcisError({
            status: parseError.status ?? 400,
            code: parseError.type === 'entity.too.large' ? 'EPCIS_TOO_LARGE' : 'EPCIS_VALIDATION',
            title: 'Unreadable body',
            detail: parseError.message ?? 'the body is not valid JSON',
            violations: [{ pointer: '', reason: parseError.message ?? 'not valid JSON' }],
          })
        : undefined;
  if (problem === undefined) {
    next(error);
    return;
  }
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(problem.toProblem(req.originalUrl)));
}

/**
 * The EPCIS 2.0 resources, to mount under `/epcis` after authentication:
 * - `POST /capture`: capture an EPCISDocument (JSON or JSON-LD) in one transaction → 201 with what each event did;
 *   400 with every schema violation; 409 on duplicates (`GS1-Capture-Error-Behaviour: proceed` skips them).
 * - `GET /events`: EPCIS simple event query → EPCISQueryDocument, paged with `perPage` / `nextPageToken` (Link rel="next").
 * - `GET /events/:hashId`: one captured event with its error declarations.
 * - `GET /lots/:lotId/trace?direction=backward|forward&maxDepth=&maxNodes=`: the trace as an EPCISDocument.
 */
export function createEpcisRouter(deps: EpcisRouterDeps): Router {
  const router = Router();
  const parties = deps.parties ?? {};

  router.post(
    '/capture',
    express.json({ limit: deps.bodyLimit ?? '4mb', type: EPCIS_MEDIA_TYPES }),
    route(async (req, res) => {
      if (!req.is(EPCIS_MEDIA_TYPES)) {
        throw new EpcisError({
          status: 415,
          code: 'EPCIS_MEDIA_TYPE',
          title: 'Unsupported media type',
          detail: 'send application/json or application/ld+json',
        });
      }
      const result = await captureDocument(await deps.ledgerFor(req, res), req.body, { errorBehaviour: errorBehaviour(req), parties });
      res.status(201).location(`${req.baseUrl}/capture/${result.captureId}`).json(result);
    }),
  );

  router.get(
    '/events',
    route(async (req, res) => {
      const result = await queryEvents(await deps.ledgerFor(req, res), req.query as Record<string, string | string[] | undefined>);
      if (result.nextPageToken !== undefined) {
        const next = new URLSearchParams(req.query as Record<string, string>);
        next.set('nextPageToken', result.nextPageToken);
        res.set('Link', `<${req.baseUrl}/events?${next.toString()}>; rel="next"`);
        res.set('GS1-Next-Page-Token', result.nextPageToken);
      }
      res.type('application/ld+json').send(JSON.stringify(result.document));
    }),
  );

  router.get(
    '/events/:hashId',
    route(async (req, res) => {
      const ledger = await deps.ledgerFor(req, res);
      try {
        res.type('application/json').send(JSON.stringify(await ledger.evaluate<unknown>('Epcis', 'GetEvent', String(req.params.hashId))));
      } catch (error) {
        throw fromLedgerError(error);
      }
    }),
  );

  router.get(
    '/lots/:lotId/trace',
    route(async (req, res) => {
      const direction = (typeof req.query.direction === 'string' ? req.query.direction : 'backward') as 'backward' | 'forward';
      const result = await exportTrace(await deps.ledgerFor(req, res), String(req.params.lotId), {
        direction,
        maxDepth: intParam(req, 'maxDepth', 50, 0, 50),
        maxNodes: intParam(req, 'maxNodes', 5000, 1, 5000),
      });
      res.set('Lotline-Trace-Truncated', String(result.truncated));
      res.type('application/ld+json').send(JSON.stringify(result.document));
    }),
  );

  router.use(problems);
  return router;
}
