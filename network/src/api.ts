/**
 * What an organisation's API process gets from the local network: its whole
 * configuration as environment variables (the API reads nothing of the
 * network's own files, see gateway-api/src/config.ts), also written to
 * `<dataDir>/orgs/<org>/api.env` for `node --env-file`. Each API trusts only
 * its own organisation's OpenID provider (`LOTLINE_OIDC_ISSUER`, see ./idp/local.ts).
 * With the network's `apiTls`, it serves HTTPS with a certificate from its
 * organisation's CA (`orgs/<org>/api/tls`).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bin } from './binaries';
import { endpoint, port, tlsRootCert, type NetworkConfig, type Org } from './config';
import { caName, caTlsCert, caUrl, enrollRegistrar, issueApiTls } from './identities';
import { apiAudience, CLI_CLIENT_ID, EXPLORER_CLIENT_ID, issuerUrl } from './idp/local';

/** The environment file of an organisation's API. */
export function apiEnvFile(org: Org): string {
  return path.join(path.dirname(org.paths.users), 'api.env');
}

/**
 * Where an organisation's read model lives: PGlite under its folder
 * (`<dataDir>/orgs/<org>/read-model`), or, when LOTLINE_READ_DB_URL is set for
 * the network, that PostgreSQL server with one schema per organisation.
 */
export function readModelEnvironment(org: Org, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const url = env.LOTLINE_READ_DB_URL;
  if (url !== undefined && url !== '')
    return { LOTLINE_READ_DB_URL: url, LOTLINE_READ_DB_SCHEMA: `read_model_${org.key.replace(/[^a-z0-9_]/g, '_')}` };
  return { LOTLINE_READ_DB_DIR: path.join(path.dirname(org.paths.users), 'read-model') };
}

/** The HTTPS certificate and key of an organisation's API (issued by `issueApiTls`), as gateway-api's variables. */
export function apiTlsEnvironment(org: Org): Record<string, string> {
  return {
    LOTLINE_API_TLS_CERT: path.join(org.paths.apiTls, 'server.crt'),
    LOTLINE_API_TLS_KEY: path.join(org.paths.apiTls, 'server.key'),
  };
}

/**
 * What the API process needs beyond its configuration when its organisation's
 * provider serves HTTPS: NODE_EXTRA_CA_CERTS, so that discovery and the JWKS
 * are verified against the organisation's TLS CA. Node reads it only from the
 * environment it starts with (not from `--env-file`), so it is not in `api.env`.
 */
export function apiProcessEnvironment(org: Org): Record<string, string> {
  return org.apiTls ? { NODE_EXTRA_CA_CERTS: tlsRootCert(org) } : {};
}

/** Every variable gateway-api needs to serve `org` on this network (HTTPS when the network's `apiTls`). */
export function apiEnvironment(config: NetworkConfig, org: Org): Record<string, string> {
  return {
    LOTLINE_API_ORG: org.name,
    LOTLINE_API_MSP_ID: org.mspId,
    LOTLINE_API_HOST: config.listenHost,
    LOTLINE_API_PORT: String(port(org, 'api')),
    LOTLINE_CHANNEL: config.channel,
    LOTLINE_CHAINCODE: config.chaincode,
    LOTLINE_CHANNEL_MSPS: config.orgs.map((o) => o.mspId).join(','),
    LOTLINE_PEER_ENDPOINT: endpoint(org, 'peer'),
    LOTLINE_PEER_TLS_CERT: tlsRootCert(org),
    LOTLINE_WALLET_DIR: org.paths.users,
    LOTLINE_OIDC_ISSUER: issuerUrl(org),
    LOTLINE_OIDC_AUDIENCE: apiAudience(org),
    LOTLINE_OIDC_EXPLORER_CLIENT_ID: EXPLORER_CLIENT_ID,
    LOTLINE_OIDC_CLI_CLIENT_ID: CLI_CLIENT_ID,
    LOTLINE_CA_CLIENT: bin(config, 'fabric-ca-client'),
    LOTLINE_CA_URL: caUrl(org),
    LOTLINE_CA_NAME: caName(org),
    LOTLINE_CA_TLS_CERT: caTlsCert(org),
    LOTLINE_CA_REGISTRAR_HOME: org.paths.caClientHome,
    LOTLINE_WEB_DIR: path.join(config.repoRoot, 'clients', 'web', 'dist'),
    ...readModelEnvironment(org),
    ...(org.apiTls ? apiTlsEnvironment(org) : {}),
  };
}

function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
    .join('');
}

/**
 * Prepares what an organisation's API needs before it starts: the CA
 * registrar's enrolment, its HTTPS certificate when the network's `apiTls`,
 * and the environment file. Returns the environment.
 */
export async function prepareApi(config: NetworkConfig, org: Org): Promise<Record<string, string>> {
  await enrollRegistrar(config, org);
  if (org.apiTls) await issueApiTls(config, org);
  const env = apiEnvironment(config, org);
  const file = apiEnvFile(org);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, envFileText(env), { mode: 0o600 });
  chmodSync(file, 0o600);
  return env;
}
