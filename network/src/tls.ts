/**
 * HTTPS to the organisations' APIs and OpenID providers, verified against an
 * organisation's own TLS CA: a `fetch` over undici's `Agent` whose trusted
 * roots are Node's default ones plus the CA file's certificates (Node's
 * global fetch cannot be given a CA per call, and NODE_EXTRA_CA_CERTS is read
 * only when a process starts). Certificates are always verified: there is no
 * way here to turn verification off.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { tlsRootCert, type Org } from './config';

const agents = new Map<string, Agent>();

/** The PEM text of a CA file, or an error saying which file to give instead. */
export function readCaFile(caFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new Error(
      `the CA file ${caFile} cannot be read (${(error as Error).message}): name the PEM file of the organisation's TLS CA, ` +
        'on the local network <dataDir>/orgs/<org>/msp/tlscacerts/tlsca.pem',
      { cause: error },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`${caFile} holds no PEM certificate: name the PEM file of the organisation's TLS CA (-----BEGIN CERTIFICATE-----)`);
  return pem;
}

/**
 * A `fetch` that trusts the certificates of `caFile` (PEM, one or more) on top
 * of Node's default roots. One connection pool per file, for the process's life.
 */
export function fetchTrusting(caFile: string): typeof fetch {
  let agent = agents.get(caFile);
  if (agent === undefined) {
    agent = new Agent({ connect: { ca: [...rootCertificates, readCaFile(caFile)] } });
    agents.set(caFile, agent);
  }
  const dispatcher = agent;
  // undici's own fetch (the global one is Node's bundled copy, which must not be handed another copy's Agent).
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })) as unknown as typeof fetch;
}

/**
 * The `fetch` for an organisation's API and OpenID provider: verifying them
 * against the organisation's TLS CA when they serve HTTPS, the global one when
 * they serve plain HTTP on loopback.
 */
export function orgFetch(org: Org): typeof fetch {
  return org.apiTls ? fetchTrusting(tlsRootCert(org)) : fetch;
}

/** OpenSSL's and Node's codes for a server certificate that could not be verified. */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The certificate verification code of a failed request (searched through its `cause` chain), or undefined. */
export function certificateErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && CERTIFICATE_ERRORS.has(code)) return code;
    current = current.cause;
  }
  return undefined;
}
