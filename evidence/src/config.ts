/**
 * The channel configuration of a config block, read for verification: each
 * organisation's MSP (root and intermediate CAs, revocation lists, node OU
 * identifiers, admins) in the Orderer and Application groups, and the
 * policy tree. Identities are validated against an MSP as Fabric's X.509 MSP
 * does: the certificate chains to one of its roots (expiry is judged at the
 * time the identity signed, not today) and is on none of its CRLs.
 */
import { X509Certificate } from 'node:crypto';
import { common, msp } from '@hyperledger/fabric-protos';
import { parseRevocationList, type RevocationList } from './crl';

/** The roles an identity can hold in a signature policy. */
export type Role = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** One organisation's MSP as the configuration defines it. */
export interface MspInfo {
  readonly mspId: string;
  readonly roots: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
  readonly revocations: readonly RevocationList[];
  /** Node OU identifiers by role, or null when NodeOUs are off. */
  readonly nodeOUs: Partial<Record<Exclude<Role, 'member'>, string>> | null;
  readonly admins: readonly Buffer[];
}

/** A channel configuration. */
export interface ChannelConfig {
  /** The block that carried it. */
  readonly blockNumber: number;
  readonly sequence: number;
  readonly channelGroup: common.ConfigGroup;
  readonly ordererMsps: ReadonlyMap<string, MspInfo>;
  readonly applicationMsps: ReadonlyMap<string, MspInfo>;
}

/** An identity that validated against its MSP. */
export interface ValidIdentity {
  readonly mspId: string;
  readonly cert: X509Certificate;
  readonly roles: ReadonlySet<Role>;
}

/** The certificates that parse (one that does not cannot anchor a chain, so identities under it fail to validate). */
function certs(list: Uint8Array[]): X509Certificate[] {
  return list.flatMap((bytes) => {
    try {
      return [new X509Certificate(Buffer.from(bytes))];
    } catch {
      return [];
    }
  });
}

function mspOf(group: common.ConfigGroup): MspInfo | undefined {
  const value = group.getValuesMap().get('MSP');
  if (value === undefined) return undefined;
  const config = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
  if (config.getType() !== 0) return undefined; // only X.509 MSPs
  const fabric = msp.FabricMSPConfig.deserializeBinary(config.getConfig_asU8());
  const ous = fabric.getFabricNodeOus();
  const ou = (id: msp.FabricOUIdentifier | undefined) => id?.getOrganizationalUnitIdentifier();
  const nodeOUs =
    ous?.getEnable() === true
      ? Object.fromEntries(
          (
            [
              ['client', ou(ous.getClientOuIdentifier())],
              ['peer', ou(ous.getPeerOuIdentifier())],
              ['admin', ou(ous.getAdminOuIdentifier())],
              ['orderer', ou(ous.getOrdererOuIdentifier())],
            ] as const
          ).filter(([, v]) => v !== undefined && v !== ''),
        )
      : null;
  return {
    mspId: fabric.getName(),
    roots: certs(fabric.getRootCertsList_asU8()),
    intermediates: certs(fabric.getIntermediateCertsList_asU8()),
    revocations: fabric.getRevocationListList_asU8().map(parseRevocationList),
    nodeOUs,
    admins: certs(fabric.getAdminsList_asU8()).map((c) => c.raw),
  };
}

/** The sub-groups of a configuration group, by key (jspb maps wrap their messages only through get/forEach). */
export function subGroups(group: common.ConfigGroup): [string, common.ConfigGroup][] {
  const found: [string, common.ConfigGroup][] = [];
  group.getGroupsMap().forEach((value, key) => found.push([key, value]));
  return found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function mspsOf(group: common.ConfigGroup | undefined): Map<string, MspInfo> {
  const found = new Map<string, MspInfo>();
  if (group === undefined) return found;
  for (const [, org] of subGroups(group)) {
    const info = mspOf(org);
    if (info !== undefined) found.set(info.mspId, info);
  }
  return found;
}

/** The config envelope of a config block, or undefined when the block is not one. */
export function configEnvelopeOf(block: common.Block): common.ConfigEnvelope | undefined {
  const first = block.getData()?.getDataList_asU8()[0];
  if (first === undefined) return undefined;
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(first).getPayload_asU8());
  const header = payload.getHeader();
  if (header === undefined) return undefined;
  const type = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8()).getType();
  if (type !== common.HeaderType.CONFIG) return undefined;
  return common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
}

/** Read the configuration a config block carries. @throws Error when the block is not a config block. */
export function readConfig(block: common.Block): ChannelConfig {
  const config = configEnvelopeOf(block)?.getConfig();
  const channelGroup = config?.getChannelGroup();
  if (config === undefined || channelGroup === undefined) {
    throw new Error(`block ${block.getHeader()?.getNumber() ?? '?'} is not a config block`);
  }
  const groups = channelGroup.getGroupsMap();
  return {
    blockNumber: block.getHeader()?.getNumber() ?? -1,
    sequence: config.getSequence(),
    channelGroup,
    ordererMsps: mspsOf(groups.get('Orderer')),
    applicationMsps: mspsOf(groups.get('Application')),
  };
}

function subjectOUs(cert: X509Certificate): string[] {
  return cert.subject
    .split(/\n|\+/)
    .filter((part) => part.startsWith('OU='))
    .map((part) => part.slice(3));
}

function issuerOf(cert: X509Certificate, candidates: readonly X509Certificate[]): X509Certificate | undefined {
  return candidates.find((c) => cert.checkIssued(c) && cert.verify(c.publicKey));
}

function validAt(cert: X509Certificate, at: Date | undefined): boolean {
  return at === undefined || (new Date(cert.validFrom) <= at && at <= new Date(cert.validTo));
}

/**
 * Validate a serialized identity (msp.SerializedIdentity) against the MSPs of
 * a configuration group: `{identity}` or `{reason}` saying what failed.
 * @param at when the identity signed; its certificate must have been valid then.
 */
export function validateIdentity(serialized: Uint8Array, msps: ReadonlyMap<string, MspInfo>, at?: Date): Validation {
  let known = validated.get(msps);
  if (known === undefined) {
    known = new Map();
    validated.set(msps, known);
  }
  const key = Buffer.from(serialized).toString('base64');
  let result = known.get(key);
  if (result === undefined) {
    result = validateChain(serialized, msps);
    known.set(key, result);
  }
  const cert = result.identity?.cert;
  if (cert !== undefined && !validAt(cert, at)) {
    return { reason: `the certificate was not valid at ${at?.toISOString() ?? ''} (valid ${cert.validFrom} to ${cert.validTo})` };
  }
  return result;
}

/** The outcome of validating an identity. */
export type Validation = { identity: ValidIdentity; reason?: undefined } | { identity?: undefined; reason: string };

/** Chains and revocation checks already done, per configuration group (identities repeat across transactions). */
const validated = new WeakMap<ReadonlyMap<string, MspInfo>, Map<string, Validation>>();

function validateChain(serialized: Uint8Array, msps: ReadonlyMap<string, MspInfo>): Validation {
  let mspId: string;
  let cert: X509Certificate;
  try {
    const id = msp.SerializedIdentity.deserializeBinary(serialized);
    mspId = id.getMspid();
    cert = new X509Certificate(Buffer.from(id.getIdBytes_asU8()));
  } catch {
    return { reason: 'the identity is not a serialized X.509 identity' };
  }
  const info = msps.get(mspId);
  if (info === undefined) return { reason: `${mspId} is not an organisation of this configuration group (${[...msps.keys()].join(', ')})` };
  const chain = [cert];
  for (let current = cert; !info.roots.some((r) => r.raw.equals(current.raw)); ) {
    const issuer = issuerOf(current, [...info.intermediates, ...info.roots]);
    if (issuer === undefined || chain.length > 8) {
      return {
        reason: `the certificate (${cert.subject.split('\n').join(', ')}) does not chain to a root CA of ${mspId} in the channel configuration`,
      };
    }
    if (issuer.raw.equals(current.raw)) break;
    chain.push(issuer);
    current = issuer;
  }
  for (const crl of info.revocations) {
    if (crl.serials.has(cert.serialNumber.toUpperCase().replace(/^0+/, '')) && chain.slice(1).some((ca) => crl.signedBy(ca))) {
      return { reason: `the certificate (serial ${cert.serialNumber}) is on ${mspId}'s revocation list` };
    }
  }
  const ous = subjectOUs(cert);
  const roles = new Set<Role>(['member']);
  if (info.nodeOUs !== null) {
    for (const [role, ou] of Object.entries(info.nodeOUs) as [Exclude<Role, 'member'>, string][]) if (ous.includes(ou)) roles.add(role);
  }
  if (info.admins.some((a) => a.equals(cert.raw))) roles.add('admin');
  return { identity: { mspId, cert, roles } };
}
