/**
 * The API's configuration, read once from the environment.
 *
 * Defaults come from the network's own configuration (`network/src/config.ts`:
 * topology file, data folder, port offset), so that on the local network only
 * `LOTLINE_API_ORG` is needed. Every variable:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `LOTLINE_API_ORG` | — (required) | organisation this instance serves: key, name or MSP ID (`PartsCo`) |
 * | `LOTLINE_API_HOST` | `LOTLINE_LISTEN_HOST` or 127.0.0.1 | listen address |
 * | `LOTLINE_API_PORT` | topology `api` port (+ `LOTLINE_PORT_OFFSET`) | listen port |
 * | `LOTLINE_PEER_ENDPOINT` | the org's peer `host:port` | Gateway peer |
 * | `LOTLINE_PEER_TLS_CERT` | `<dataDir>/orgs/<org>/msp/tlscacerts/tlsca.pem` | TLS root of the peer |
 * | `LOTLINE_PEER_HOST_ALIAS` | `localhost` | TLS server name expected from the peer |
 * | `LOTLINE_WALLET_DIR` | `<dataDir>/orgs/<org>/users` | one enrolled MSP folder per user: `<user>/msp` |
 * | `LOTLINE_JWKS_URL` | — | JWKS of a real identity provider (then ISSUER and AUDIENCE are required) |
 * | `LOTLINE_JWKS_FILE` | `<dataDir>/jwt/jwks.json` | local JWKS; at the default path a key pair is generated on first start |
 * | `LOTLINE_JWT_ISSUER` | `lotline-local` (local JWKS only) | required `iss` |
 * | `LOTLINE_JWT_AUDIENCE` | `lotline-api` (local JWKS only) | required `aud` |
 * | `LOTLINE_BODY_LIMIT` | `256kb` | largest JSON body (413 beyond) |
 * | `LOTLINE_EVALUATE_TIMEOUT_MS` / `_ENDORSE_` / `_SUBMIT_` / `_COMMIT_TIMEOUT_MS` | 10000 / 30000 / 10000 / 60000 | gateway call deadlines |
 * | `LOTLINE_TX_RETRIES` | 9 | new transactions after an MVCC/phantom read conflict or a divergent endorsement (@lotline/ledger-client `DEFAULT_RETRY_POLICY`) |
 * | `LOTLINE_LOG_LEVEL` | `info` | pino level |
 * | `LOTLINE_DATA_DIR`, `LOTLINE_PORT_OFFSET`, `LOTLINE_TOPOLOGY`, ... | see network/README.md | the network's own settings |
 */
import { DEFAULT_RETRY_POLICY } from '@lotline/ledger-client';
import path from 'node:path';
import { findOrg, loadConfig, port, tlsRootCert, type NetworkConfig, type Org } from '../../network/src/config';

/** Deadlines of gateway calls, in milliseconds. */
export interface Timeouts {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitMs: number;
}

/** How bearer tokens are verified. */
export interface AuthConfig {
  /** Remote JWKS (a real identity provider). */
  readonly jwksUrl: string | undefined;
  /** Local JWKS file (used when no URL is set). */
  readonly jwksFile: string;
  /** Generate a key pair at `jwksFile` when it is absent (only at the default location). */
  readonly generateLocalKeys: boolean;
  readonly issuer: string;
  readonly audience: string;
  /** Pinned algorithms. */
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

export interface ApiConfig {
  /** The organisation this instance serves. */
  readonly org: { readonly key: string; readonly name: string; readonly mspId: string };
  readonly listen: { readonly host: string; readonly port: number };
  readonly peer: { readonly endpoint: string; readonly tlsRootCertFile: string; readonly hostAlias: string };
  readonly channel: string;
  readonly chaincode: string;
  readonly walletDir: string;
  readonly auth: AuthConfig;
  readonly timeouts: Timeouts;
  readonly txRetries: number;
  readonly bodyLimit: string;
  readonly logLevel: string;
  /** The network configuration, for registering users with the org's Fabric CA. */
  readonly network: NetworkConfig;
  /** The network's view of the organisation (CA endpoint, folders). */
  readonly networkOrg: Org;
}

/** Thrown when the environment is incomplete or invalid; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`gateway-api configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The default local issuer and audience (also used by the token script). */
export const LOCAL_ISSUER = 'lotline-local';
export const LOCAL_AUDIENCE = 'lotline-api';

/** Where the local JWKS and signing key live by default. */
export function defaultJwtDir(network: NetworkConfig): string {
  return path.join(network.dataDir, 'jwt');
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    problems.push(`${name}=${raw} must be a non-negative integer`);
    return fallback;
  }
  return value;
}

function resolveOrg(env: NodeJS.ProcessEnv, network: NetworkConfig, problems: string[]): Org | undefined {
  const orgRef = env.LOTLINE_API_ORG;
  if (orgRef === undefined || orgRef === '') {
    problems.push(`LOTLINE_API_ORG is missing: set it to one of ${network.orgs.map((o) => o.name).join(', ')}`);
    return undefined;
  }
  try {
    return findOrg(network, orgRef);
  } catch (error) {
    problems.push(`LOTLINE_API_ORG: ${(error as Error).message}`);
    return undefined;
  }
}

function authSettings(env: NodeJS.ProcessEnv, network: NetworkConfig, problems: string[]): AuthConfig | undefined {
  const jwksUrl = env.LOTLINE_JWKS_URL || undefined;
  if (jwksUrl !== undefined && !/^https?:\/\//.test(jwksUrl)) problems.push(`LOTLINE_JWKS_URL=${jwksUrl} must be an http(s) URL`);
  const defaultJwks = path.join(defaultJwtDir(network), 'jwks.json');
  const jwksFile = env.LOTLINE_JWKS_FILE ? path.resolve(env.LOTLINE_JWKS_FILE) : defaultJwks;
  const local = jwksUrl === undefined;
  const issuer = env.LOTLINE_JWT_ISSUER || (local ? LOCAL_ISSUER : undefined);
  const audience = env.LOTLINE_JWT_AUDIENCE || (local ? LOCAL_AUDIENCE : undefined);
  if (issuer === undefined)
    problems.push('LOTLINE_JWT_ISSUER is missing: with LOTLINE_JWKS_URL, set the issuer your identity provider puts in iss');
  if (audience === undefined) problems.push('LOTLINE_JWT_AUDIENCE is missing: with LOTLINE_JWKS_URL, set the audience of this API');
  if (issuer === undefined || audience === undefined) return undefined;
  return {
    jwksUrl,
    jwksFile,
    generateLocalKeys: local && jwksFile === defaultJwks,
    issuer,
    audience,
    algorithms: ['ES256'],
    clockToleranceSeconds: 30,
  };
}

function timeoutsFrom(env: NodeJS.ProcessEnv, problems: string[]): Timeouts {
  return {
    evaluateMs: positiveInt(env, 'LOTLINE_EVALUATE_TIMEOUT_MS', 10_000, problems),
    endorseMs: positiveInt(env, 'LOTLINE_ENDORSE_TIMEOUT_MS', 30_000, problems),
    submitMs: positiveInt(env, 'LOTLINE_SUBMIT_TIMEOUT_MS', 10_000, problems),
    commitMs: positiveInt(env, 'LOTLINE_COMMIT_TIMEOUT_MS', 60_000, problems),
  };
}

function apiPort(env: NodeJS.ProcessEnv, org: Org, problems: string[]): number {
  try {
    const value = env.LOTLINE_API_PORT ? Number(env.LOTLINE_API_PORT) : port(org, 'api');
    if (!Number.isInteger(value) || value < 0 || value > 65535) problems.push(`LOTLINE_API_PORT=${env.LOTLINE_API_PORT} is not a port`);
    return value;
  } catch (error) {
    problems.push(`LOTLINE_API_PORT is missing and ${(error as Error).message}`);
    return 0;
  }
}

/** Read and check the configuration; throws ConfigError listing every missing or invalid variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const problems: string[] = [];
  const network = loadConfig(env);
  const networkOrg = resolveOrg(env, network, problems);
  const auth = authSettings(env, network, problems);
  const timeouts = timeoutsFrom(env, problems);
  const txRetries = positiveInt(env, 'LOTLINE_TX_RETRIES', DEFAULT_RETRY_POLICY.maxAttempts - 1, problems);
  const bodyLimit = env.LOTLINE_BODY_LIMIT || '256kb';
  if (!/^\d+(b|kb|mb)?$/i.test(bodyLimit)) problems.push(`LOTLINE_BODY_LIMIT=${bodyLimit} must look like 256kb`);
  const listenPort = networkOrg === undefined ? 0 : apiPort(env, networkOrg, problems);
  if (problems.length > 0 || networkOrg === undefined || auth === undefined) throw new ConfigError(problems);

  return {
    org: { key: networkOrg.key, name: networkOrg.name, mspId: networkOrg.mspId },
    listen: { host: env.LOTLINE_API_HOST || network.listenHost, port: listenPort },
    peer: {
      endpoint: env.LOTLINE_PEER_ENDPOINT || `${networkOrg.host}:${port(networkOrg, 'peer')}`,
      tlsRootCertFile: env.LOTLINE_PEER_TLS_CERT || tlsRootCert(networkOrg),
      hostAlias: env.LOTLINE_PEER_HOST_ALIAS || 'localhost',
    },
    channel: network.channel,
    chaincode: network.chaincode,
    walletDir: env.LOTLINE_WALLET_DIR ? path.resolve(env.LOTLINE_WALLET_DIR) : networkOrg.paths.users,
    auth,
    timeouts,
    txRetries,
    bodyLimit,
    logLevel: env.LOTLINE_LOG_LEVEL || 'info',
    network,
    networkOrg,
  };
}
