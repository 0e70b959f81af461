/**
 * In-process API instances against the real test network, and real tokens.
 * `apiFor('PartsCo')` builds `createServer(deps)` with the same dependencies
 * `main.ts` uses (the org's peer, wallet and the local JWKS of the network's
 * data folder); tests may override the environment (e.g. a dead peer).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { pino } from 'pino';
import type request from 'supertest';
import { createServer } from '../../../gateway-api/src/app';
import { readLocalSigningKey } from '../../../gateway-api/src/auth/keys';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadApiConfig } from '../../../gateway-api/src/config';
import { localJwtDir, prepareApi } from '../../../network/src/api';
import { buildDependencies, type Dependencies } from '../../../gateway-api/src/dependencies';
import { acknowledgeApiWrites } from '../support/acknowledged';
import { config, org, uniqueId } from '../support/network';

export { uniqueId };

const opened: Dependencies[] = [];
const servers: Server[] = [];

/** One organisation's API app, in process. */
export interface TestApi {
  readonly app: Express;
  readonly mspId: string;
  readonly deps: Dependencies;
}

/** Build the API of an organisation (env overrides allowed). */
export async function apiFor(
  orgRef: string,
  env: Record<string, string> = {},
  options: { readyTimeoutMs?: number } = {},
): Promise<TestApi> {
  const apiConfig = loadApiConfig({ ...(await prepareApi(config, org(orgRef))), ...env });
  const deps = buildDependencies(apiConfig, pino({ level: process.env.LOTLINE_TEST_LOG ?? 'silent' }), options);
  opened.push(deps);
  // Every 2xx answer to a write is recorded as acknowledged, for the durability spec.
  const app = express()
    .disable('x-powered-by')
    .use(acknowledgeApiWrites, createServer({ ...deps.deps, sseHeartbeatMs: 1000 }));
  return { app, mspId: apiConfig.org.mspId, deps };
}

/** Listen on an ephemeral port (for streaming tests); returns the base URL. */
export async function listen(app: Express): Promise<string> {
  const server = createHttpServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Close every API and server built here. */
export async function closeApis(): Promise<void> {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const deps of opened.splice(0)) deps.close();
}

/** Options for a test token; every claim can be overridden or removed (undefined). */
export interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly omit?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly expiresInSeconds?: number;
  readonly notBeforeOffsetSeconds?: number;
}

/** A real ES256 token signed with the network's local key for `user` of `orgRef`. */
export async function token(orgRef: string, user: string, options: TokenOptions = {}): Promise<string> {
  const { jwk } = readLocalSigningKey(localJwtDir(config));
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    org: org(orgRef).mspId,
    sub: user,
    iss: options.issuer ?? LOCAL_ISSUER,
    aud: options.audience ?? LOCAL_AUDIENCE,
    iat: now,
    nbf: now + (options.notBeforeOffsetSeconds ?? 0),
    exp: now + (options.expiresInSeconds ?? 600),
    ...options.claims,
  };
  for (const claim of options.omit ?? []) delete payload[claim];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' }).sign(key);
}

/** `Authorization` header value for a user. */
export async function bearer(orgRef: string, user: string, options?: TokenOptions): Promise<string> {
  return `Bearer ${await token(orgRef, user, options)}`;
}

/** A lot body owned by `mspId`. */
export function newLot(mspId: string, extra: Record<string, unknown> = {}): { id: string } & Record<string, unknown> {
  return {
    id: `${mspId}:${uniqueId('api')}`,
    product: { code: 'BOLT-M8', name: 'M8 bolt' },
    quantity: { amount: 100, unit: 'EA' },
    process: { site: 'Plant 1', line: 'L1' },
    ...extra,
  };
}

/** Assert-friendly view of a problem+json response. */
export function problemOf(res: { status: number; headers: Record<string, string>; body: unknown }): {
  status: number;
  contentType: string;
  code: string;
  body: Record<string, unknown>;
} {
  const body = res.body as Record<string, unknown>;
  return { status: res.status, contentType: res.headers['content-type'] ?? '', code: String(body.code), body };
}

/** A supertest parser that collects a binary answer (zip, PDF, PNG) into a Buffer. */
export const binary = ((res: NodeJS.ReadableStream, done: (error: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}) as unknown as Parameters<request.Test['parse']>[0];
