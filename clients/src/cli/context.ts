/**
 * What every command needs: the global options resolved against the
 * environment (LOTLINE_API_URL, LOTLINE_TOKEN, LOTLINE_ORG, LOTLINE_CA_FILE),
 * the shared API client, and output in the chosen format (human text or `--json`).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { findOrg, loadConfig, port, tlsRootCert, type NetworkConfig, type Org } from '../../../network/src/config';
import { apiUrl } from '../../../network/src/network';
import { certificateErrorCode, fetchTrusting } from '../../../network/src/tls';
import { cliLanguage } from '../render/language';
import { ApiClient, ApiError } from '../api-client';
import { storedToken } from '../sign-in';
import { EXIT, SetupError, UsageError } from './exit-codes';

/** Options that every command accepts. */
export interface GlobalOptions {
  apiUrl?: string;
  org?: string;
  token?: string;
  json?: boolean;
  timeout?: string;
  caFile?: string;
}

/** The `org` claim of a JWT, read without verifying it (only to pick a default API URL). */
export function tokenOrg(token: string | undefined): string | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const org = claims.org ?? claims.msp ?? claims.mspId;
    return typeof org === 'string' ? org : undefined;
  } catch {
    return undefined;
  }
}

let networkConfig: NetworkConfig | undefined;

/** The local network configuration (topology, data folder), loaded once. */
export function localConfig(): NetworkConfig {
  networkConfig ??= loadConfig();
  return networkConfig;
}

/** The local network's organisation that --org / LOTLINE_ORG / the token's org / City names. */
function namedOrg(options: GlobalOptions, env: NodeJS.ProcessEnv): Org {
  const orgRef = options.org ?? env.LOTLINE_ORG ?? tokenOrg(options.token ?? env.LOTLINE_TOKEN) ?? 'City';
  try {
    return findOrg(localConfig(), orgRef);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The API base URL: --api-url, LOTLINE_API_URL, else the local network's API of --org / LOTLINE_ORG / the token's org / City. */
export function resolveApiUrl(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = options.apiUrl ?? env.LOTLINE_API_URL;
  if (explicit) return explicit;
  return `${apiUrl(namedOrg(options, env))}/`;
}

/**
 * The CA file that verifies the API's and its provider's HTTPS certificates:
 * --ca-file, LOTLINE_CA_FILE, else, for the local network's API (no explicit
 * URL) when it serves HTTPS, that organisation's TLS CA. Undefined: Node's default roots.
 */
export function resolveCaFile(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = options.caFile ?? env.LOTLINE_CA_FILE;
  if (explicit) return path.resolve(explicit);
  if (options.apiUrl ?? env.LOTLINE_API_URL) return undefined;
  const org = namedOrg(options, env);
  return org.apiTls ? tlsRootCert(org) : undefined;
}

/** The CA file to suggest for a server: the local organisation whose API or provider listens on its port, if any. */
function suggestedCaFile(url: string): string {
  const { port: p } = new URL(url);
  const config = localConfig();
  const org = config.orgs.find((o) => [String(port(o, 'api')), String(port(o, 'idp'))].includes(p));
  return org !== undefined ? tlsRootCert(org) : path.join(config.dataDir, 'orgs', '<org>', 'msp', 'tlscacerts', 'tlsca.pem');
}

/** Code of the {@link ApiError} for a server certificate that the CLI could not verify (exit code 4). */
export const TLS_CERTIFICATE_UNTRUSTED = 'TLS_CERTIFICATE_UNTRUSTED';

/**
 * The CLI's `fetch` for the API and the identity provider: HTTPS verified
 * against {@link resolveCaFile} (never unverified), and a certificate that
 * cannot be verified reported as an ApiError saying which CA file to pass.
 */
export function cliFetch(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): typeof fetch {
  const caFile = resolveCaFile(options, env);
  let base: typeof fetch;
  try {
    base = caFile === undefined ? fetch : fetchTrusting(caFile);
  } catch (err) {
    throw new UsageError(`--ca-file / LOTLINE_CA_FILE: ${err instanceof Error ? err.message : String(err)}`);
  }
  return async (input, init) => {
    try {
      return await base(input, init);
    } catch (cause) {
      const code = certificateErrorCode(cause);
      if (code === undefined) throw cause;
      const url = input instanceof Request ? input.url : String(input);
      throw new ApiError({
        status: 0,
        code: TLS_CERTIFICATE_UNTRUSTED,
        message:
          `${TLS_CERTIFICATE_UNTRUSTED}: the TLS certificate of ${new URL(url).origin} could not be verified (${code}) against ` +
          `${caFile ?? "Node's default roots"}: pass --ca-file with the organisation's TLS CA (or set LOTLINE_CA_FILE), e.g. ${suggestedCaFile(url)}`,
        cause,
      });
    }
  };
}

/** The certificate failure ({@link cliFetch}) behind an error, if that is what it is (searched through `cause`). */
export function certificateFailure(error: unknown): ApiError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof ApiError && current.code === TLS_CERTIFICATE_UNTRUSTED) return current;
    current = current.cause;
  }
  return undefined;
}

/** Context of one command run. */
export class CliContext {
  readonly options: GlobalOptions;
  private apiClient: ApiClient | undefined;

  constructor(command: Command) {
    this.options = command.optsWithGlobals<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  /** The API client for the chosen organisation, with the token (required unless `anonymous`). */
  api(anonymous = false): ApiClient {
    if (this.apiClient) return this.apiClient;
    const baseUrl = resolveApiUrl(this.options);
    const token = this.options.token || process.env.LOTLINE_TOKEN || storedToken(baseUrl);
    if (!token && !anonymous) {
      throw new SetupError(
        `no token: sign in with lotline login${this.options.org ? ` --org ${this.options.org}` : ''}, or set LOTLINE_TOKEN / pass --token (scripts on the local network: export LOTLINE_TOKEN=$(npm run --silent lotline -- token mint --org PartsCo --user qm1))`,
        EXIT.auth,
      );
    }
    const timeout = this.options.timeout ? Number(this.options.timeout) : undefined;
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0))
      throw new UsageError(`--timeout ${this.options.timeout}: give milliseconds, e.g. 30000`);
    this.apiClient = new ApiClient({
      baseUrl,
      fetch: cliFetch(this.options),
      ...(token ? { token } : {}),
      ...(timeout ? { timeoutMs: timeout } : {}),
      // Problem details come back in the language of the human output (--json keeps them as the API sends them in English).
      ...(this.json ? {} : { language: () => cliLanguage() }),
    });
    return this.apiClient;
  }

  /** Prints `value` as JSON with --json, else the human-readable lines. */
  print(value: unknown, human: () => string[] | string): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const out = human();
    process.stdout.write(`${Array.isArray(out) ? out.join('\n') : out}\n`);
  }
}
