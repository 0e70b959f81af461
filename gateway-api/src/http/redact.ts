/**
 * Credentials never reach a log or a response: the query parameters that
 * carry them (`?access_token=`, `?code=`, `?client_secret=` ...) are replaced
 * by `[redacted]` in every URL that is logged or echoed in a problem's
 * `instance`, and credential headers are logged as `[redacted]`.
 */

/** What replaces a credential. */
export const REDACTED = '[redacted]';

/** Query parameter names that carry credentials (compared in lower case). */
export const CREDENTIAL_PARAMETERS: ReadonlySet<string> = new Set([
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'jwt',
  'assertion',
  'code',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'api_key',
  'apikey',
  'key',
  'signature',
  'sig',
  'authorization',
  'auth',
  'session',
  'sessionid',
]);

/** Names that look like a credential even when not listed (`x_api_token`, `dbPassword`...). */
const CREDENTIAL_LIKE = /token|secret|passw|api[-_]?key|credential|signature/i;

/** A compact JWS (a bearer token), wherever it appears in a query. */
const JWT_SHAPED = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Request headers that carry credentials (logged as `[redacted]`). */
export const CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'last-event-id',
  // May carry a browser's bearer token (http/upgrade.ts).
  'sec-websocket-protocol',
];

function parameterName(raw: string): string {
  const name = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/** Whether a query parameter name carries a credential. */
export function isCredentialParameter(name: string): boolean {
  const lower = parameterName(name);
  return CREDENTIAL_PARAMETERS.has(lower) || CREDENTIAL_LIKE.test(lower);
}

/**
 * A request URL (path and query, as Express's `originalUrl`) with the value
 * of every credential query parameter replaced by `[redacted]`; the rest is
 * kept byte for byte, malformed encodings included.
 */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const hash = url.indexOf('#', question);
  const query = url.slice(question + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? name : pair.slice(equals + 1);
      if (JWT_SHAPED.test(value)) return equals < 0 ? REDACTED : `${name}=${REDACTED}`;
      return equals >= 0 && isCredentialParameter(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, question)}?${redacted}`;
}
