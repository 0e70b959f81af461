/**
 * The steps of a consortium whose organisations run on hosts of their own, in
 * the order the README's "More than one machine" section gives them. Each
 * host runs them for its own organisations (`LOTLINE_LOCAL_ORGS`), with its
 * own data folder; what travels between hosts is public:
 *
 * 1. `init` (every host): the organisation's CA, its identities, and its
 *    public file `public/<org>.json` (CA and TLS CA certificates, and the
 *    orderer's TLS certificate when it runs one) — {@link initHost};
 * 2. `import-org` (every host, for every other organisation's public file) —
 *    {@link importPublicOrg};
 * 3. `create-channel` (one host, City): the genesis block from everyone's
 *    public material — {@link createChannel};
 * 4. `join --block` (every host): its orderer joins with osnadmin, its peer
 *    joins the channel — {@link joinChannel};
 * 5. `approve` (every host) and `commit` (one host): see ./chaincode.ts;
 * 6. `serve` (every host): its OpenID provider and API.
 *
 * `npm start` on one host runs all of them for every organisation (./network.ts).
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensureBinaries } from './binaries';
import { markDataDir } from './data-dir';
import { findOrg, type NetworkConfig, type Org } from './config';
import { issueIdentities, startCa, writeNodeOuConfig } from './identities';
import { channelBlock, createChannelBlock, joinOrderer, joinPeer, ordererOrgs, startOrderer, startPeer } from './nodes';
import { ActionableError, detail, step } from './progress';

/** The format tag of an organisation's public file. */
export const PUBLIC_ORG_FORMAT = 'lotline/org-public@1';

/** What an organisation publishes to the others: certificates only, never a key. */
const publicOrgSchema = z.object({
  format: z.literal(PUBLIC_ORG_FORMAT),
  key: z.string().min(1),
  name: z.string().min(1),
  mspId: z.string().min(1),
  runsOrderer: z.boolean(),
  certificates: z.object({
    /** Root of its MSP (signs its members' enrolment certificates). */
    ca: z.string(),
    /** Root of its TLS certificates. */
    tlsCa: z.string(),
    /** Its orderer's TLS certificate: the channel's Raft consenter entry names it. */
    ordererTls: z.string().optional(),
  }),
});
export type PublicOrg = z.infer<typeof publicOrgSchema>;

/** The organisations this host runs. */
export function localOrgs(config: NetworkConfig): Org[] {
  return config.orgs.filter((o) => config.localOrgs.has(o.key));
}

/** True when this host runs every organisation of the topology (the one-host `npm start`). */
export function runsWholeNetwork(config: NetworkConfig): boolean {
  return config.orgs.every((o) => config.localOrgs.has(o.key));
}

/** Where this host writes an organisation's public file. */
export function publicOrgFile(config: NetworkConfig, org: Org): string {
  return path.join(config.dataDir, 'public', `${org.key}.json`);
}

function ordererTlsCert(org: Org): string {
  return path.join(org.paths.ordererTls, 'server.crt');
}

/** Writes a local organisation's public file from its own folder and returns its path. */
export function writePublicOrg(config: NetworkConfig, org: Org): string {
  const pem = (file: string) => readFileSync(file, 'utf8');
  const body: PublicOrg = {
    format: PUBLIC_ORG_FORMAT,
    key: org.key,
    name: org.name,
    mspId: org.mspId,
    runsOrderer: org.runsOrderer,
    certificates: {
      ca: pem(path.join(org.paths.msp, 'cacerts', 'ca.pem')),
      tlsCa: pem(path.join(org.paths.msp, 'tlscacerts', 'tlsca.pem')),
      ...(org.runsOrderer ? { ordererTls: pem(ordererTlsCert(org)) } : {}),
    },
  };
  const file = publicOrgFile(config, org);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/**
 * Step 1 on a host: marks the data folder, finds the binaries, starts the local
 * organisations' CAs, issues their identities and writes their public files.
 * @returns how many processes it started, and the public files to send to the others.
 */
export async function initHost(config: NetworkConfig): Promise<{ started: number; files: string[] }> {
  markDataDir(config.dataDir);
  step('checking the Fabric binaries');
  await ensureBinaries(config);
  const orgs = localOrgs(config);
  step(`starting the Fabric CAs of ${orgs.map((o) => o.name).join(', ')}`);
  const started = (await Promise.all(orgs.map((o) => startCa(config, o)))).filter(Boolean).length;
  step('issuing node, admin and user identities from the CAs');
  await Promise.all(orgs.map((o) => issueIdentities(config, o)));
  return { started, files: orgs.map((o) => writePublicOrg(config, o)) };
}

/** One PEM certificate, parsed; refuses anything else (above all a private key). */
function certificate(pem: unknown, what: string, file: string): X509Certificate {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----') || /PRIVATE KEY/.test(pem)) {
    throw new ActionableError(`${file}: ${what} is not a PEM certificate; ask its organisation for the file that \`init\` wrote`);
  }
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new ActionableError(`${file}: ${what} does not parse as a certificate (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Step 2: stores another organisation's public file in its folder of this
 * host (`orgs/<org>/msp` and, for an orderer organisation, its orderer's TLS
 * certificate), where the channel, chaincode and client code look for it.
 * Refuses a file for an organisation this host runs: its own material is never overwritten.
 */
export function importPublicOrg(config: NetworkConfig, file: string): Org {
  if (!existsSync(file)) throw new ActionableError(`${file} does not exist: pass the public file that the organisation's \`init\` wrote`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ActionableError(`${file} is not JSON: pass the public file that the organisation's \`init\` wrote`, { cause: error });
  }
  const result = publicOrgSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ActionableError(`${file} is not a Lotline public organisation file (${PUBLIC_ORG_FORMAT}): ${problems}`);
  }
  const body = result.data;
  const org = findOrg(config, body.key);
  if (org.mspId !== body.mspId) {
    throw new ActionableError(`${file} is for ${body.mspId}, but the topology says ${org.name} is ${org.mspId}: check LOTLINE_TOPOLOGY`);
  }
  if (config.localOrgs.has(org.key)) {
    throw new ActionableError(`${org.name} runs on this host (LOTLINE_LOCAL_ORGS): its own folder is never overwritten by an import`);
  }
  const ca = certificate(body.certificates.ca, 'certificates.ca', file);
  const tlsCa = certificate(body.certificates.tlsCa, 'certificates.tlsCa', file);
  if (!ca.ca || !tlsCa.ca) throw new ActionableError(`${file}: the CA certificates must be CA certificates (basicConstraints CA:TRUE)`);
  mkdirSync(path.join(org.paths.msp, 'cacerts'), { recursive: true });
  mkdirSync(path.join(org.paths.msp, 'tlscacerts'), { recursive: true });
  writeFileSync(path.join(org.paths.msp, 'cacerts', 'ca.pem'), body.certificates.ca);
  writeFileSync(path.join(org.paths.msp, 'tlscacerts', 'tlsca.pem'), body.certificates.tlsCa);
  writeNodeOuConfig(org.paths.msp);
  if (org.runsOrderer) {
    const tls = certificate(body.certificates.ordererTls, 'certificates.ordererTls', file);
    if (!tls.checkIssued(tlsCa)) throw new ActionableError(`${file}: the orderer's TLS certificate is not issued by its TLS CA`);
    mkdirSync(org.paths.ordererTls, { recursive: true });
    writeFileSync(ordererTlsCert(org), body.certificates.ordererTls ?? '');
  }
  detail(`imported the public material of ${org.name} (${org.mspId})`);
  return org;
}

/** The organisations whose public material this host lacks (to create the channel, or to reach them). */
export function missingPublicMaterial(config: NetworkConfig): Org[] {
  return config.orgs.filter(
    (o) => !existsSync(path.join(o.paths.msp, 'cacerts', 'ca.pem')) || (o.runsOrderer && !existsSync(ordererTlsCert(o))),
  );
}

/** Step 3 (one host): the channel's genesis block from every organisation's public material. */
export async function createChannel(config: NetworkConfig): Promise<string> {
  const missing = missingPublicMaterial(config);
  if (missing.length > 0) {
    throw new ActionableError(
      `the public material of ${missing.map((o) => o.name).join(', ')} is missing: run \`init\` on their hosts and ` +
        '`import-org <their public file>` here first',
    );
  }
  await createChannelBlock(config);
  return channelBlock(config);
}

/**
 * Step 4: starts this host's orderers and joins them to the channel
 * (osnadmin), then its peers (`peer channel join`). With `block`, the genesis
 * block received from the host that created the channel is stored first.
 * @returns how many processes it started.
 */
export async function joinChannel(config: NetworkConfig, block?: string): Promise<number> {
  const target = channelBlock(config);
  if (block !== undefined && path.resolve(block) !== target) {
    if (!existsSync(block)) throw new ActionableError(`${block} does not exist: pass the channel block that create-channel wrote`);
    if (existsSync(target) && !readFileSync(target).equals(readFileSync(block))) {
      throw new ActionableError(
        `${target} already holds a different channel block: this host joined another channel; use a new data folder`,
      );
    }
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(block, target);
  }
  if (!existsSync(target)) {
    throw new ActionableError(
      `no channel block at ${target}: get ${config.channel}.block from the organisation that created the channel and run \`join --block <file>\``,
    );
  }
  let started = 0;
  const orderers = ordererOrgs(config).filter((o) => config.localOrgs.has(o.key));
  if (orderers.length > 0) step(`starting ${orderers.length} Raft orderer${orderers.length === 1 ? '' : 's'}`);
  started += (await Promise.all(orderers.map((o) => startOrderer(config, o)))).filter(Boolean).length;
  for (const o of orderers) await joinOrderer(config, o);
  const orgs = localOrgs(config);
  step(`starting ${orgs.length} peer${orgs.length === 1 ? '' : 's'}`);
  started += (await Promise.all(orgs.map((o) => startPeer(config, o)))).filter(Boolean).length;
  for (const o of orgs) await joinPeer(config, o);
  return started;
}
