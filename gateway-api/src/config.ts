/**
 * The API's configuration, read once from its own environment. The API knows
 * nothing of the network's topology or data folder: whoever starts it (on the
 * local network, `startApis` of the @lotline/network workspace, which also writes the
 * same variables to `<dataDir>/orgs/<org>/api.env` for `node --env-file`)
 * passes every value. Every problem is listed at once. Every variable:
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `LOTLINE_API_ORG` | required | organisation name (`PartsCo`); tokens may name it in `org` |
 * | `LOTLINE_API_MSP_ID` | required | the organisation's MSP ID (`PartsCoMSP`) |
 * | `LOTLINE_API_HOST` | `127.0.0.1` | listen address; anything but loopback (127.0.0.0/8, ::1, localhost) needs TLS or a declared TLS proxy |
 * | `LOTLINE_API_PORT` | required | listen port |
 * | `LOTLINE_API_TLS_CERT` / `LOTLINE_API_TLS_KEY` | — (both or neither) | serve HTTPS with this certificate and private key (PEM files), e.g. from the organisation's CA with its `tls` profile |
 * | `LOTLINE_API_TLS_CA` | — | intermediate CA certificates (PEM) sent after the certificate, when it is not signed by the root directly |
 * | `LOTLINE_API_BEHIND_TLS_PROXY` | `0` | `1`: a TLS-terminating proxy sits in front, so plain HTTP on a non-loopback address is allowed (a warning is logged at start) |
 * | `LOTLINE_CHANNEL` / `LOTLINE_CHAINCODE` | required | channel and chaincode names |
 * | `LOTLINE_CHANNEL_MSPS` | required | MSP IDs of the channel's members, comma-separated (explicit endorsers of private data writes) |
 * | `LOTLINE_PEER_ENDPOINT` | required | Gateway peer `host:port` |
 * | `LOTLINE_PEER_TLS_CERT` | required | TLS root certificate of the peer (PEM file) |
 * | `LOTLINE_PEER_HOST_ALIAS` | `localhost` | TLS server name expected from the peer |
 * | `LOTLINE_WALLET_DIR` | required | one enrolled MSP folder per user: `<user>/msp` |
 * | `LOTLINE_OIDC_ISSUER` | required | the organisation's OpenID provider (issuer URL): the only issuer whose tokens this API accepts; keys by OpenID Connect discovery and its JWKS |
 * | `LOTLINE_OIDC_AUDIENCE` | required | the `aud` tokens must carry (this API's resource indicator or client id at the provider) |
 * | `LOTLINE_OIDC_ALGORITHMS` | `ES256,RS256,PS256` | accepted signature algorithms (asymmetric only) |
 * | `LOTLINE_OIDC_EXPLORER_CLIENT_ID` / `LOTLINE_OIDC_CLI_CLIENT_ID` | `lotline-explorer` / `lotline-cli` | public clients that `GET /auth/config` names for the explorer (code + PKCE) and the CLI (device flow) |
 * | `LOTLINE_CA_CLIENT`, `LOTLINE_CA_URL`, `LOTLINE_CA_NAME`, `LOTLINE_CA_TLS_CERT`, `LOTLINE_CA_REGISTRAR_HOME` | — (all or none) | Fabric CA registrar for `POST /users` (none: 501) |
 * | `LOTLINE_BODY_LIMIT` | `256kb` | largest JSON body (413 beyond) |
 * | `LOTLINE_EPCIS_BODY_LIMIT` | `4mb` | largest EPCIS capture body |
 * | `LOTLINE_MAX_HEADER_SIZE` | 16384 | largest request line + headers in bytes (431 beyond) |
 * | `LOTLINE_EVALUATE_TIMEOUT_MS` / `_ENDORSE_` / `_SUBMIT_` / `_COMMIT_TIMEOUT_MS` | 10000 / 30000 / 10000 / 60000 | gateway call deadlines |
 * | `LOTLINE_TX_RETRIES` | 9 | new transactions after an MVCC/phantom read conflict or a divergent endorsement (@lotline/ledger-client `DEFAULT_RETRY_POLICY`) |
 * | `LOTLINE_LOG_LEVEL` | `info` | pino level |
 * | `LOTLINE_WEB_DIR` | — | built web trace explorer, served at `/explorer/` |
 * | `LOTLINE_LABEL_RESOLVER_URL` | this API's origin | base URL of the GS1 Digital Link resolver in label QR codes |
 * | `LOTLINE_LABEL_FONT` | Debian's Noto Sans CJK, when installed | label font: a TTF/OTF file, or `<file.ttc>#<PostScript name>` |
 * | `LOTLINE_READ_DB_DIR` | — | the read model's embedded PGlite folder (the local network: `<dataDir>/orgs/<org>/read-model`) |
 * | `LOTLINE_READ_DB_URL` | — | `postgres://…`: the read model on a PostgreSQL server instead (same schema and SQL) |
 * | `LOTLINE_READ_DB_SCHEMA` | `read_model` | the PostgreSQL schema of this organisation's read model |
 * | `LOTLINE_READ_WAIT_MS` | 10000 | longest wait of a `?minBlock=` read for the index to reach the block |
 * | `LOTLINE_EPCIS_WEBHOOK_HOSTS` | — | comma-separated hosts (`host` or `host:port`) EPCIS webhook subscriptions may deliver to although they are not public HTTPS hosts (loopback, private networks, plain HTTP); see gateway-api/src/epcis/README.md |
 *
 * With neither `LOTLINE_READ_DB_DIR` nor `LOTLINE_READ_DB_URL`, there is no read model: traces and recall reports come from the chaincode.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_RETRY_POLICY } from '@lotline/ledger-client';
import { isLoopbackHost } from './http/loopback';
import type { FabricCaSettings } from './identity/registrar';
import { defaultLabelFont, type LabelFont } from './labels/render';

/** Deadlines of gateway calls, in milliseconds. */
export interface Timeouts {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitMs: number;
}

/** How bearer tokens are verified, and which clients sign in where. */
export interface AuthConfig {
  /** The organisation's OpenID provider: the only accepted `iss`. */
  readonly issuer: string;
  readonly audience: string;
  /** Public client ids for the explorer and the CLI (announced by `GET /auth/config`). */
  readonly explorerClientId: string;
  readonly cliClientId: string;
  /** Pinned algorithms. */
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

/** The PEM files of the API's HTTPS certificate. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Intermediate CA certificates sent with the certificate. */
  readonly caFile: string | undefined;
}

/** Where and how the API listens. */
export interface ListenConfig {
  readonly host: string;
  readonly port: number;
  /** HTTPS with these files; undefined: plain HTTP (loopback only, or behind a declared TLS proxy). */
  readonly tls: TlsFiles | undefined;
  /** `LOTLINE_API_BEHIND_TLS_PROXY=1`: a TLS-terminating proxy sits in front (logged as a warning at start). */
  readonly behindTlsProxy: boolean;
}

export interface ApiConfig {
  /** The organisation this instance serves. */
  readonly org: { readonly name: string; readonly mspId: string };
  readonly listen: ListenConfig;
  readonly peer: { readonly endpoint: string; readonly tlsRootCertFile: string; readonly hostAlias: string };
  readonly channel: string;
  readonly chaincode: string;
  /** MSP IDs of the channel's member organisations. */
  readonly memberMsps: readonly string[];
  readonly walletDir: string;
  readonly auth: AuthConfig;
  /** The Fabric CA registrar (undefined: user registration is not offered). */
  readonly ca: FabricCaSettings | undefined;
  readonly timeouts: Timeouts;
  readonly txRetries: number;
  readonly bodyLimit: string;
  readonly epcisBodyLimit: string;
  readonly maxHeaderSize: number;
  readonly logLevel: string;
  readonly webDir: string | undefined;
  /** Lot labels: the resolver base URL in QR codes (undefined: the API's own origin) and the font. */
  readonly labels: { readonly resolverBase: string | undefined; readonly font: LabelFont | undefined };
  /** The read model's store (undefined: none, reads go to the chaincode) and the longest `?minBlock=` wait. */
  readonly readModel: ReadModelConfig | undefined;
  /** Hosts EPCIS webhooks may reach although private or plain HTTP (`LOTLINE_EPCIS_WEBHOOK_HOSTS`). */
  readonly epcisWebhookHosts: readonly string[];
}

/** Where the read model lives. */
export interface ReadModelConfig {
  readonly location:
    | { readonly kind: 'pglite'; readonly dir: string }
    | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };
  readonly waitMs: number;
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

const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']);

/** Reads variables and collects every problem. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string, what: string): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is missing: set it to ${what}`);
    return value ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}=${raw} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  size(name: string, fallback: string): string {
    const value = this.optional(name) ?? fallback;
    if (!/^\d+(b|kb|mb)?$/i.test(value)) this.problems.push(`${name}=${value} must be a size such as 256kb`);
    return value;
  }

  file(name: string, what: string): string {
    const value = this.required(name, what);
    return value === '' ? '' : path.resolve(value);
  }
}

/** The flag `name`: `1` (or `true`) on, `0` (or `false`, unset) off. */
function flag(read: Reader, name: string): boolean {
  const raw = read.optional(name);
  if (raw === undefined || raw === '0' || raw.toLowerCase() === 'false') return false;
  if (raw === '1' || raw.toLowerCase() === 'true') return true;
  read.problems.push(`${name}=${raw} must be 1 or 0`);
  return false;
}

function pemFile(read: Reader, name: string, what: string): string | undefined {
  const value = read.optional(name);
  if (value === undefined) return undefined;
  if (!existsSync(value)) read.problems.push(`${name}=${value} does not exist: name ${what} (a PEM file)`);
  return path.resolve(value);
}

function listenSettings(read: Reader): ListenConfig {
  const host = read.optional('LOTLINE_API_HOST') ?? '127.0.0.1';
  const port = read.integer('LOTLINE_API_PORT', 0, 0, 65535);
  if (read.optional('LOTLINE_API_PORT') === undefined) read.problems.push('LOTLINE_API_PORT is missing: set the port to listen on');
  const certFile = pemFile(read, 'LOTLINE_API_TLS_CERT', "the API's HTTPS certificate");
  const keyFile = pemFile(read, 'LOTLINE_API_TLS_KEY', 'its private key');
  const caFile = pemFile(read, 'LOTLINE_API_TLS_CA', 'the intermediate CA certificates to send with it');
  if ((certFile === undefined) !== (keyFile === undefined))
    read.problems.push('LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY go together: set both (HTTPS) or neither (HTTP)');
  if (caFile !== undefined && certFile === undefined)
    read.problems.push('LOTLINE_API_TLS_CA is set without LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY: set them too, or unset it');
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile, caFile } : undefined;
  const behindTlsProxy = flag(read, 'LOTLINE_API_BEHIND_TLS_PROXY');
  if (tls === undefined && !behindTlsProxy && !isLoopbackHost(host))
    read.problems.push(
      `LOTLINE_API_HOST=${host} is not a loopback address, and plain HTTP would carry tokens and ledger data to other hosts in clear: ` +
        "set LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY (PEM files, e.g. from your organisation's CA with its tls profile) to serve HTTPS, " +
        'or LOTLINE_API_BEHIND_TLS_PROXY=1 if a TLS-terminating proxy sits in front of this API, or listen on 127.0.0.1',
    );
  return { host, port, tls, behindTlsProxy };
}

/**
 * What the API warns about at start-up (pino `warn`): plain HTTP behind a
 * declared TLS-terminating proxy, which the API cannot check.
 */
export function startupWarnings(listen: ListenConfig): string[] {
  if (!listen.behindTlsProxy) return [];
  if (listen.tls !== undefined)
    return ['LOTLINE_API_BEHIND_TLS_PROXY=1 is set and this API also serves HTTPS itself: check that the proxy verifies this certificate'];
  return [
    `LOTLINE_API_BEHIND_TLS_PROXY=1: serving plain HTTP on ${listen.host}:${listen.port} on the word that a TLS-terminating proxy sits in front. ` +
      'Nothing checks that: make sure only that proxy can reach this port, or set LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY',
  ];
}

function labelSettings(read: Reader): ApiConfig['labels'] {
  const resolverBase = read.optional('LOTLINE_LABEL_RESOLVER_URL');
  if (resolverBase !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(resolverBase))
    read.problems.push(`LOTLINE_LABEL_RESOLVER_URL=${resolverBase} must be an http(s) base URL without query, e.g. https://id.example.com`);
  const fontSetting = read.optional('LOTLINE_LABEL_FONT');
  let font = defaultLabelFont();
  if (fontSetting !== undefined) {
    const [file = '', family] = fontSetting.split('#');
    if (!existsSync(file))
      read.problems.push(
        `LOTLINE_LABEL_FONT=${fontSetting}: ${file} does not exist; name a TTF/OTF font file, or <file.ttc>#<PostScript name>`,
      );
    font = { file: path.resolve(file), ...(family ? { family } : {}) };
  }
  return { resolverBase, font };
}

function authSettings(read: Reader): AuthConfig {
  const issuer = read.required(
    'LOTLINE_OIDC_ISSUER',
    "the issuer URL of your organisation's OpenID provider (npm start prints the local one)",
  );
  if (issuer !== '' && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(issuer))
    read.problems.push(`LOTLINE_OIDC_ISSUER=${issuer} must be the provider's issuer URL, e.g. https://login.example.com/realms/partsco`);
  const algorithms = (read.optional('LOTLINE_OIDC_ALGORITHMS') ?? 'ES256,RS256,PS256').split(',').map((a) => a.trim());
  for (const alg of algorithms)
    if (!ASYMMETRIC.has(alg)) read.problems.push(`LOTLINE_OIDC_ALGORITHMS: ${alg} is not an asymmetric JWS algorithm (e.g. ES256, RS256)`);
  return {
    issuer,
    audience: read.required('LOTLINE_OIDC_AUDIENCE', 'the aud that your provider puts in access tokens for this API'),
    explorerClientId: read.optional('LOTLINE_OIDC_EXPLORER_CLIENT_ID') ?? 'lotline-explorer',
    cliClientId: read.optional('LOTLINE_OIDC_CLI_CLIENT_ID') ?? 'lotline-cli',
    algorithms,
    clockToleranceSeconds: 30,
  };
}

const CA_VARIABLES = {
  LOTLINE_CA_CLIENT: 'the fabric-ca-client program',
  LOTLINE_CA_URL: 'https://host:port of the CA',
  LOTLINE_CA_NAME: 'the CA name (--caname)',
  LOTLINE_CA_TLS_CERT: "the CA's TLS certificate",
  LOTLINE_CA_REGISTRAR_HOME: 'the fabric-ca-client home where the registrar is enrolled',
} as const;

function caSettings(read: Reader): FabricCaSettings | undefined {
  const names = Object.keys(CA_VARIABLES) as (keyof typeof CA_VARIABLES)[];
  if (names.every((name) => read.optional(name) === undefined)) return undefined;
  const [clientBinary, url, caName, tlsCertFile, registrarHome] = names.map((name) =>
    read.required(name, `${CA_VARIABLES[name]} (the LOTLINE_CA_* variables go together)`),
  ) as [string, string, string, string, string];
  if (url !== '' && !/^https:\/\/[^/@]+$/.test(url)) read.problems.push(`LOTLINE_CA_URL=${url} must look like https://host:port`);
  return {
    clientBinary: path.resolve(clientBinary),
    url,
    caName,
    tlsCertFile: path.resolve(tlsCertFile),
    registrarHome: path.resolve(registrarHome),
  };
}

function readModelSettings(read: Reader): ReadModelConfig | undefined {
  const url = read.optional('LOTLINE_READ_DB_URL');
  const dir = read.optional('LOTLINE_READ_DB_DIR');
  const waitMs = read.integer('LOTLINE_READ_WAIT_MS', 10_000, 0, 600_000);
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) read.problems.push('LOTLINE_READ_DB_URL must be a postgres:// URL');
    const schema = read.optional('LOTLINE_READ_DB_SCHEMA') ?? 'read_model';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      read.problems.push(`LOTLINE_READ_DB_SCHEMA=${schema} must be a lowercase SQL identifier (letters, digits, _)`);
    return { location: { kind: 'postgres', url, schema }, waitMs };
  }
  if (dir !== undefined) return { location: { kind: 'pglite', dir: path.resolve(dir) }, waitMs };
  return undefined;
}

/** Read and check the configuration; throws ConfigError listing every missing or invalid variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const read = new Reader(env);
  const org = {
    name: read.required('LOTLINE_API_ORG', 'the organisation name, e.g. PartsCo'),
    mspId: read.required('LOTLINE_API_MSP_ID', 'its MSP ID, e.g. PartsCoMSP'),
  };
  const listen = listenSettings(read);
  const peer = {
    endpoint: read.required('LOTLINE_PEER_ENDPOINT', "the organisation's Gateway peer as host:port"),
    tlsRootCertFile: read.file('LOTLINE_PEER_TLS_CERT', "the peer's TLS root certificate file"),
    hostAlias: read.optional('LOTLINE_PEER_HOST_ALIAS') ?? 'localhost',
  };
  const channel = read.required('LOTLINE_CHANNEL', 'the channel name, e.g. lotline');
  const chaincode = read.required('LOTLINE_CHAINCODE', 'the chaincode name, e.g. lotline');
  const memberMsps = read
    .required('LOTLINE_CHANNEL_MSPS', "the channel members' MSP IDs, comma-separated")
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const walletDir = read.file('LOTLINE_WALLET_DIR', 'the folder of enrolled users (<user>/msp)');
  const auth = authSettings(read);
  const ca = caSettings(read);
  const timeouts: Timeouts = {
    evaluateMs: read.integer('LOTLINE_EVALUATE_TIMEOUT_MS', 10_000, 1, 3_600_000),
    endorseMs: read.integer('LOTLINE_ENDORSE_TIMEOUT_MS', 30_000, 1, 3_600_000),
    submitMs: read.integer('LOTLINE_SUBMIT_TIMEOUT_MS', 10_000, 1, 3_600_000),
    commitMs: read.integer('LOTLINE_COMMIT_TIMEOUT_MS', 60_000, 1, 3_600_000),
  };
  const config: ApiConfig = {
    org,
    listen,
    peer,
    channel,
    chaincode,
    memberMsps,
    walletDir,
    auth,
    ca,
    timeouts,
    txRetries: read.integer('LOTLINE_TX_RETRIES', DEFAULT_RETRY_POLICY.maxAttempts - 1, 0, 100),
    bodyLimit: read.size('LOTLINE_BODY_LIMIT', '256kb'),
    epcisBodyLimit: read.size('LOTLINE_EPCIS_BODY_LIMIT', '4mb'),
    maxHeaderSize: read.integer('LOTLINE_MAX_HEADER_SIZE', 16 * 1024, 1024, 1024 * 1024),
    logLevel: read.optional('LOTLINE_LOG_LEVEL') ?? 'info',
    webDir: read.optional('LOTLINE_WEB_DIR'),
    labels: labelSettings(read),
    readModel: readModelSettings(read),
    epcisWebhookHosts: (read.optional('LOTLINE_EPCIS_WEBHOOK_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
