/**
 * In-process API instances against the real test network, and real tokens.
 * `apiFor('PartsCo')` builds `createServer(deps)` with the same dependencies
 * `main.ts` uses (the org's peer, wallet, and its organisation's OpenID
 * provider as the only trusted issuer); tests may override the environment
 * (e.g. a dead peer). Tokens come from the organisations' real providers.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { pino } from 'pino';
import type request from 'supertest';
import { createServer } from '../../../gateway-api/src/app';
import { loadApiConfig } from '../../../gateway-api/src/config';
import { prepareApi } from '../../../network/src/api';
import { apiAudience, idpDir, issuerUrl, mintToken } from '../../../network/src/idp/local';
import { SIGNING_KEYS_FILE } from '../../../network/src/idp/files';
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

let privateStores = 0;

/**
 * A read model of an in-process API's own: a PGlite folder under the test data folder (or a schema of its own when
 * the network's read models are on PostgreSQL). Never the API process's: two PGlite instances must not open one folder.
 */
function privateReadModel(orgKey: string): Record<string, string> {
  privateStores += 1;
  const url = process.env.LOTLINE_READ_DB_URL;
  if (url !== undefined && url !== '')
    return { LOTLINE_READ_DB_URL: url, LOTLINE_READ_DB_SCHEMA: `read_model_${orgKey}_test_${privateStores}` };
  return { LOTLINE_READ_DB_DIR: path.join(config.dataDir, 'test', 'read-models', `${orgKey}-${process.pid}-${privateStores}`) };
}

/**
 * Build the API of an organisation (env overrides allowed). Its reads go to the chaincode, unless `readModel` gives
 * it a read model of its own, indexed from block 0 (the API processes of the network keep theirs).
 */
export async function apiFor(
  orgRef: string,
  env: Record<string, string> = {},
  options: { readyTimeoutMs?: number; readModel?: boolean } = {},
): Promise<TestApi> {
  const target = org(orgRef);
  // Not the API process's read model: its variables are left out.
  const network = Object.fromEntries(
    Object.entries(await prepareApi(config, target)).filter(([name]) => !name.startsWith('LOTLINE_READ_DB_')),
  );
  const apiConfig = loadApiConfig({ ...network, ...(options.readModel === true ? privateReadModel(target.key) : {}), ...env });
  const deps = buildDependencies(
    apiConfig,
    pino({ level: process.env.LOTLINE_TEST_LOG ?? 'silent' }),
    options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {},
  );
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

/**
 * Options for a crafted token. Without options a test gets a real token from
 * the organisation's provider; with any option the token is built here and
 * signed with that provider's own key (from the organisation's folder), so
 * that expired, not-yet-valid, wrong-audience or claim-less tokens can be
 * tested. Every claim can be overridden or removed.
 */
export interface TokenOptions {
  /** Craft the token even when no other option is given (e.g. for a user the provider does not know). */
  readonly craft?: boolean;
  /** Sign with this organisation's provider key (default: the token's own organisation). */
  readonly signedBy?: string;
  readonly claims?: JWTPayload;
  readonly omit?: readonly string[];
  readonly issuer?: string;
  readonly audience?: string;
  readonly expiresInSeconds?: number;
  readonly notBeforeOffsetSeconds?: number;
}

/** The private signing key of an organisation's provider (`orgs/<org>/idp/signing-keys.json`). */
export function providerSigningKey(orgRef: string): JWK & { kid: string } {
  const file = path.join(idpDir(org(orgRef)), SIGNING_KEYS_FILE);
  const [jwk] = (JSON.parse(readFileSync(file, 'utf8')) as { keys: (JWK & { kid: string })[] }).keys;
  if (!jwk) throw new Error(`${file} holds no key`);
  return jwk;
}

/** A token for `user` of `orgRef`: from its provider, or crafted (see {@link TokenOptions}). */
export async function token(orgRef: string, user: string, options: TokenOptions = {}): Promise<string> {
  if (Object.keys(options).length === 0) return mintToken(config, { org: orgRef, user });
  const signer = org(options.signedBy ?? orgRef);
  const jwk = providerSigningKey(signer.key);
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    org: org(orgRef).mspId,
    sub: user,
    iss: options.issuer ?? issuerUrl(signer),
    aud: options.audience ?? apiAudience(org(orgRef)),
    iat: now,
    nbf: now + (options.notBeforeOffsetSeconds ?? 0),
    exp: now + (options.expiresInSeconds ?? 600),
    ...options.claims,
  };
  for (const claim of options.omit ?? []) delete payload[claim];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' }).sign(key);
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
