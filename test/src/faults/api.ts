/**
 * The organisations' HTTP APIs for the fault, load and bad-input tests:
 * whether they run, and requests with a real signed token.
 * Tokens are minted with gateway-api's own local-key scheme.
 */
import { apiProcessName, apiUrl } from '../../../network/src/network';
import { runningPid } from '../../../network/src/processes';
import { mintToken as mintIdpToken } from '../../../network/src/idp/local';
import { acknowledgeApiAnswer } from '../support/acknowledged';
import { config, org } from '../support/network';

/**
 * Throws unless the runner started one API process per organisation (a live
 * process behind each `run/api-<org>.pid`). A suite that needs the APIs fails
 * with this message rather than skipping: a skipped suite would hide a crashed API.
 */
export function assertApisRunning(): void {
  const down = config.orgs.filter((o) => runningPid(config, apiProcessName(o)) === undefined).map(apiProcessName);
  if (down.length === 0) return;
  throw new Error(
    `${down.join(', ')} not running in ${config.dataDir} (see its logs/ folder for why). ` +
      'Run the spec through `npx tsx test/src/run-integration.ts <spec>`, which starts one API per organisation, ' +
      'or start them on that network with `LOTLINE_DATA_DIR=<dir> npm start`.',
  );
}

/** A response reduced to what the tests assert on. */
export interface ApiResponse {
  status: number;
  contentType: string;
  /** The Retry-After header, when present. */
  retryAfter?: string;
  body: Record<string, unknown> & { code?: string };
}

/** A real token for `user` of an organisation from its own OpenID provider (cached until shortly before it expires). */
export function mintToken(orgRef: string, user: string): Promise<string> {
  return mintIdpToken(config, { org: orgRef, user });
}

/** One request to an organisation's API as `user`, with a JSON body (or none), bounded in time. */
export async function apiFetch(orgRef: string, user: string, method: string, urlPath: string, body?: unknown): Promise<ApiResponse> {
  return apiRaw(orgRef, user, method, urlPath, body === undefined ? undefined : JSON.stringify(body));
}

/** One request with a raw body text (for malformed, deep or oversized bodies). */
export async function apiRaw(
  orgRef: string,
  user: string,
  method: string,
  urlPath: string,
  rawBody?: string,
  contentType = 'application/json',
): Promise<ApiResponse> {
  return apiRequest(orgRef, user, method, urlPath, {
    ...(rawBody === undefined ? {} : { body: rawBody, headers: { 'content-type': contentType } }),
  });
}

/**
 * One request with any headers and body bytes (compressed bodies, huge headers), as `user`, or with no
 * token at all when `user` is undefined. `text` is the raw response body.
 */
export async function apiRequest(
  orgRef: string,
  user: string | undefined,
  method: string,
  urlPath: string,
  init: { headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<ApiResponse & { text: string }> {
  const authorization: Record<string, string> = user === undefined ? {} : { authorization: `Bearer ${await mintToken(orgRef, user)}` };
  const res = await fetch(`${apiUrl(org(orgRef))}${urlPath}`, {
    method,
    headers: { ...authorization, ...init.headers },
    body: init.body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text.slice(0, 500) };
  }
  acknowledgeApiAnswer(method, urlPath.split('?')[0] ?? urlPath, res.status, parsed);
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    retryAfter: res.headers.get('retry-after') ?? undefined,
    body: parsed,
    text,
  };
}
