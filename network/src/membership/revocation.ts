/**
 * Revoking a user: the organisation's CA revokes the certificate and issues a
 * new CRL (`fabric-ca-client revoke --gencrl`); the organisation's own admin
 * puts the CRL into its MSP definition in the channel configuration (its MSP
 * group's mod_policy is its own Admins, so its signature alone applies it);
 * the API's wallet marks the user revoked. Peers then refuse every proposal
 * signed with that certificate.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bin } from '../binaries';
import { userDir, type NetworkConfig, type Org } from '../config';
import { caName, caTlsCert, caUrl, enrollRegistrar } from '../identities';
import { run } from '../processes';
import { ActionableError } from '../progress';
import { fetchConfig, type ConfigGroup } from './channel-config';
import { waitForPeersAt } from './admission';
import { createProposal, submitProposal } from './proposal';

/** RFC 5280 reasons, as `lotline users revoke --reason` spells them and as fabric-ca-client takes them. */
export const REVOCATION_REASONS = {
  unspecified: 'unspecified',
  keyCompromise: 'keycompromise',
  caCompromise: 'cacompromise',
  affiliationChanged: 'affiliationchange',
  superseded: 'superseded',
  cessationOfOperation: 'cessationofoperation',
  certificateHold: 'certificatehold',
  privilegeWithdrawn: 'privilegewithdrawn',
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

/** `<wallet>/<user>/revoked.json`: the API refuses tokens of a user whose wallet entry has it. */
export const REVOKED_MARKER = 'revoked.json';

/** What {@link revokeUser} reports. */
export interface Revoked {
  user: string;
  serials: string[];
  blockNumber: number;
  sequence: number;
}

/** The CRL that fabric-ca-client wrote for the registrar. */
function crlFile(org: Org): string {
  return path.join(org.paths.caClientHome, 'msp', 'crls', 'crl.pem');
}

/** Sets the CRL on an organisation's MSP value in a group (Application and, for orderer organisations, Orderer). */
function setCrl(group: ConfigGroup | undefined, mspId: string, crlPem: string): boolean {
  const msp = group?.groups[mspId]?.values.MSP?.value as { config?: { revocation_list?: string[] } } | undefined;
  if (!msp?.config) return false;
  msp.config.revocation_list = [Buffer.from(crlPem).toString('base64')];
  return true;
}

/**
 * Revokes `user` of `org` at its CA and applies the new CRL to the channel,
 * signed and submitted by `org`'s own admin. Returns the config block number.
 */
export async function revokeUser(config: NetworkConfig, org: Org, user: string, reason: RevocationReason): Promise<Revoked> {
  const fabricReason = REVOCATION_REASONS[reason];
  if (!fabricReason)
    throw new ActionableError(`unknown revocation reason ${reason}: use one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
  await enrollRegistrar(config, org);
  const out = await run(
    bin(config, 'fabric-ca-client'),
    [
      'revoke',
      '-H',
      org.paths.caClientHome,
      '-u',
      caUrl(org),
      '--caname',
      caName(org),
      '--tls.certfiles',
      caTlsCert(org),
      '-e',
      user,
      '-r',
      fabricReason,
      '--gencrl',
    ],
    {
      what: `revoking ${user} at the ${org.name} CA`,
      hint: `Check that ${user} is registered with the ${org.name} CA (and not revoked already).`,
    },
  );
  const serials = [...out.matchAll(/[Ss]erial[^:]*:\s*([0-9a-fA-F]+)/g)].map((m) => m[1] ?? '');
  const crl = crlFile(org);
  if (!existsSync(crl)) throw new ActionableError(`the ${org.name} CA revoked ${user} but wrote no CRL at ${crl}`);
  const crlPem = readFileSync(crl, 'utf8');

  const base = await fetchConfig(config, org);
  const updated = structuredClone(base.config);
  const inApplication = setCrl(updated.channel_group.groups.Application, org.mspId, crlPem);
  // An MSP defined in both groups must be defined identically, so an orderer organisation's CRL goes into both.
  setCrl(updated.channel_group.groups.Orderer, org.mspId, crlPem);
  if (!inApplication) throw new ActionableError(`${org.mspId} is not a member of ${config.channel}`);
  const dir = await createProposal(config, {
    kind: 'revocation',
    subject: { mspId: org.mspId, name: org.name },
    summary: `${org.name}'s MSP gets the CRL of its CA, which revokes ${user} (${reason})`,
    proposedBy: org,
    base,
    updated,
    policy: { path: `/Channel/Application/${org.mspId}/Admins`, rule: `${org.mspId} Admins`, members: [org.mspId], required: 1 },
  });
  const applied = await submitProposal(config, dir, org);
  // Report only once every local peer has committed the CRL block, so that "revoked" means refused everywhere from now on.
  await waitForPeersAt(config, applied.blockNumber);
  const wallet = userDir(org, user);
  if (existsSync(wallet)) {
    writeFileSync(
      path.join(wallet, REVOKED_MARKER),
      `${JSON.stringify({ user, reason, revokedAt: new Date().toISOString(), configBlock: applied.blockNumber, serials }, null, 2)}\n`,
    );
  }
  return { user, serials, blockNumber: applied.blockNumber, sequence: applied.sequence };
}
