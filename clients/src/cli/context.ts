/**
 * What every command needs: the global options resolved against the
 * environment (LOTLINE_API_URL, LOTLINE_TOKEN, LOTLINE_ORG), the shared API
 * client, and output in the chosen format (human text or `--json`).
 */
import type { Command } from 'commander';
import { findOrg, loadConfig, port, type NetworkConfig } from '../../../network/src/config';
import { cliLanguage } from '../render/language';
import { ApiClient } from '../api-client';
import { storedToken } from '../sign-in';
import { EXIT, SetupError, UsageError } from './exit-codes';

/** Options that every command accepts. */
export interface GlobalOptions {
  apiUrl?: string;
  org?: string;
  token?: string;
  json?: boolean;
  timeout?: string;
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

/** The API base URL: --api-url, LOTLINE_API_URL, else the topology's port of --org / LOTLINE_ORG / the token's org / City. */
export function resolveApiUrl(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = options.apiUrl ?? env.LOTLINE_API_URL;
  if (explicit) return explicit;
  const orgRef = options.org ?? env.LOTLINE_ORG ?? tokenOrg(options.token ?? env.LOTLINE_TOKEN) ?? 'City';
  let org;
  try {
    org = findOrg(localConfig(), orgRef);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  return `http://${org.host}:${port(org, 'api')}/`;
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
