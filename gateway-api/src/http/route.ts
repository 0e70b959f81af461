/**
 * Declarative routes: each route states its path, schemas, roles and success
 * status once; the same declaration validates requests (zod) and feeds the
 * OpenAPI document. Handlers stay thin: they get validated input and the
 * authenticated caller, and call the ledger.
 */
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { LotLedger } from '@lotline/ledger-client';
import { ApiError, forbidden, invalidRequest } from '../errors';
import type { WalletIdentity } from '../identity/wallet';
import type { Committed, Role } from '@lotline/domain';

/** The authenticated caller of a request. */
export interface Caller {
  readonly user: string;
  readonly mspId: string;
  /** The certificate's role attribute (undefined: read-only). */
  readonly role: Role | undefined;
  readonly identity: WalletIdentity;
  /** The ledger, as this caller's own Fabric identity. */
  readonly ledger: LotLedger;
}

/** Resolves the caller of a request (verifies the token, loads the identity) or throws an ApiError. */
export type Authenticate = (req: Request) => Promise<Caller>;

type AnySchema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route declares. */
export interface RouteSpec<
  P extends AnySchema | undefined = AnySchema | undefined,
  Q extends AnySchema | undefined = AnySchema | undefined,
  B extends AnySchema | undefined = AnySchema | undefined,
> {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, e.g. `/lots/:id/holds`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /**
   * A body that the handler validates itself (the EPCIS capture, against the
   * GS1 JSON schema): its media types and JSON schema, for the OpenAPI document.
   */
  readonly rawBody?: { readonly contentTypes: readonly string[]; readonly schema: Readonly<Record<string, unknown>> };
  /** Success status and what it returns. */
  readonly success: { readonly status: number; readonly description: string; readonly contentType?: string };
  /** Error statuses this route can answer with (besides 401/503, which every authenticated route can). */
  readonly errors?: readonly number[];
  /** No token needed. */
  readonly public?: boolean;
  /** Roles allowed (mirrors the chaincode's rule; the chaincode decides again). */
  readonly roles?: readonly Role[];
  /** Extra checks on the raw body before validation (e.g. a claimed producer). */
  readonly guard?: (raw: unknown, caller: Caller, req: Request) => void;
}

/** What a handler receives. */
export interface RouteContext<P, Q, B> {
  readonly req: Request;
  readonly res: Response;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The caller (absent only on public routes). */
  readonly caller: Caller;
}

function issuesOf(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
    message: issue.message,
  }));
}

function parse<S extends AnySchema | undefined>(schema: S, value: unknown, what: 'path' | 'query' | 'body'): Out<S> {
  if (schema === undefined) return undefined as Out<S>;
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = issuesOf(result.error, what);
    const listed = issues.map((i) => `${i.path || what}: ${i.message}`).join('; ');
    throw invalidRequest({ key: `detail.invalid_request.${what}`, params: { issues: listed } }, issues);
  }
  return result.data as Out<S>;
}

/** Send a committed write: `{result, txId, blockNumber}`, with the ids also in headers. */
export function sendCommitted(res: Response, status: number, committed: Committed<unknown>, location?: string): void {
  res.set('X-Transaction-Id', committed.txId).set('X-Block-Number', String(committed.blockNumber));
  if (location !== undefined) res.location(location);
  res.status(status).json({ result: committed.result, txId: committed.txId, blockNumber: committed.blockNumber });
}

/** Collects routes into an Express router and keeps their specs for the OpenAPI document. */
export class ApiRouter {
  readonly router = Router();
  readonly specs: RouteSpec[] = [];
  readonly #authenticate: Authenticate;

  constructor(authenticate: Authenticate) {
    this.#authenticate = authenticate;
  }

  route<P extends AnySchema | undefined, Q extends AnySchema | undefined, B extends AnySchema | undefined>(
    spec: RouteSpec<P, Q, B>,
    handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<B>>) => Promise<void> | void,
  ): void {
    this.specs.push(spec as RouteSpec);
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      res.locals.route = spec.path;
      const caller = spec.public ? (undefined as unknown as Caller) : await this.#authenticate(req);
      if (spec.roles !== undefined && (caller.role === undefined || !spec.roles.includes(caller.role))) {
        throw forbidden({
          key: 'detail.forbidden_role',
          params: {
            msp: caller.mspId,
            role: caller.role ?? '(no role)',
            action: spec.summary.toLowerCase(),
            roles: spec.roles.join(' or '),
          },
        });
      }
      const params = parse(spec.params as P, req.params, 'path');
      const query = parse(spec.query as Q, req.query ?? {}, 'query');
      let raw: unknown = req.body;
      if (spec.body !== undefined && raw === undefined) {
        if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0' && !req.is('json')) {
          throw new ApiError({
            status: 415,
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: { key: 'detail.json_media_type' },
          });
        }
        raw = {};
      }
      spec.guard?.(raw, caller, req);
      const body = parse(spec.body as B, raw, 'body');
      await handler({ req, res, params, query, body, caller });
    });
  }
}
