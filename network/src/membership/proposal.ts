/**
 * Channel configuration proposals as files that travel between hosts:
 *
 *     <proposal>/proposal.json          what changes, on which config, under which policy
 *     <proposal>/update.pb              the common.ConfigUpdate (bytes from configtxlator)
 *     <proposal>/signatures/<MSP>.json  one admin's signature over it, per organisation
 *
 * Each organisation signs with its own admin identity, read from its own
 * folder only; any admin submits the collected signatures; the orderer applies
 * the update only when they satisfy the modified groups' `mod_policy`.
 */
import { createHash, createPrivateKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { hash, signers } from '@hyperledger/fabric-gateway';
import { common, msp } from '@hyperledger/fabric-protos';
import { bin } from '../binaries';
import type { NetworkConfig, Org } from '../config';
import { mspCert, mspKey } from '../identities';
import { peerAdminEnv } from '../nodes';
import { pollUntil } from '../processes';
import { ActionableError } from '../progress';
import {
  computeUpdate,
  fetchConfig,
  ordererFlags,
  updateEnvelope,
  withScratch,
  type ChannelConfig,
  type FetchedConfig,
} from './channel-config';

const execFileAsync = promisify(execFile);

/** What a proposal changes. */
export type ProposalKind = 'admit' | 'remove' | 'revocation';

/** The policy that must be satisfied: `required` admins of distinct `members` organisations. */
export interface ProposalPolicy {
  /** The policy's path in the channel configuration, e.g. `/Channel/Application/Admins`. */
  path: string;
  rule: string;
  members: string[];
  required: number;
}

/** `proposal.json`. */
export interface Proposal {
  format: 'lotline/config-proposal@1';
  id: string;
  kind: ProposalKind;
  channel: string;
  /** The organisation the update is about. */
  subject: { mspId: string; name: string };
  summary: string;
  proposedBy: string;
  proposedAt: string;
  /** The configuration sequence the update was computed against: it applies only to that one. */
  baseSequence: number;
  baseBlock: number;
  policy: ProposalPolicy;
  /** SHA-256 of update.pb: a signature names it, so it cannot be moved to another update. */
  updateSha256: string;
  /** Extra data for the step after the update is applied (e.g. the membership request of an admitted firm). */
  attachment?: Record<string, unknown>;
}

/** `signatures/<MSP>.json`: one organisation admin's `common.ConfigSignature`. */
export interface SignatureFile {
  format: 'lotline/config-signature@1';
  proposal: string;
  updateSha256: string;
  mspId: string;
  signer: string;
  signedAt: string;
  signatureHeader: string;
  signature: string;
}

/** Who has signed a proposal and how many more signatures its policy needs. */
export interface SignatureStatus {
  signed: string[];
  /** Signature files that do not count, and why. */
  rejected: { file: string; reason: string }[];
  missing: string[];
  required: number;
  /** How many more organisations must sign (0 when the policy is satisfied). */
  more: number;
}

/** A proposal's folder: `<dataDir>/membership/proposals/<id>`. */
export function proposalsDir(config: NetworkConfig): string {
  return path.join(config.dataDir, 'membership', 'proposals');
}

/** Resolves a proposal reference: a folder path, or an id under {@link proposalsDir}. */
export function proposalDir(config: NetworkConfig, ref: string): string {
  const candidates = [path.resolve(ref), path.join(proposalsDir(config), ref)];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'proposal.json')));
  if (!found) {
    throw new ActionableError(
      `no proposal at ${ref}: give the proposal's folder (it holds proposal.json), or its id under ${proposalsDir(config)}`,
    );
  }
  return found;
}

export function readProposal(dir: string): { proposal: Proposal; update: Uint8Array } {
  const proposal = JSON.parse(readFileSync(path.join(dir, 'proposal.json'), 'utf8')) as Proposal;
  const update = new Uint8Array(readFileSync(path.join(dir, 'update.pb')));
  const digest = createHash('sha256').update(update).digest('hex');
  if (digest !== proposal.updateSha256) {
    throw new ActionableError(
      `${dir}/update.pb does not match its proposal.json (sha256 ${digest}, expected ${proposal.updateSha256}): get the proposal again from its author`,
    );
  }
  return { proposal, update };
}

/** What {@link createProposal} needs. */
export interface ProposalDraft {
  kind: ProposalKind;
  subject: { mspId: string; name: string };
  summary: string;
  proposedBy: Org;
  base: FetchedConfig;
  updated: ChannelConfig;
  policy: ProposalPolicy;
  attachment?: Record<string, unknown>;
}

/** Computes the update and writes the proposal folder. Returns the folder. */
export async function createProposal(config: NetworkConfig, draft: ProposalDraft): Promise<string> {
  const update = await computeUpdate(config, draft.base.config, draft.updated);
  const now = new Date();
  const id = `${draft.kind}-${draft.subject.mspId}-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(2).toString('hex')}`;
  const proposal: Proposal = {
    format: 'lotline/config-proposal@1',
    id,
    kind: draft.kind,
    channel: config.channel,
    subject: draft.subject,
    summary: draft.summary,
    proposedBy: draft.proposedBy.mspId,
    proposedAt: now.toISOString(),
    baseSequence: Number(draft.base.config.sequence),
    baseBlock: draft.base.blockNumber,
    policy: draft.policy,
    updateSha256: createHash('sha256').update(update).digest('hex'),
    ...(draft.attachment ? { attachment: draft.attachment } : {}),
  };
  const dir = path.join(proposalsDir(config), id);
  mkdirSync(path.join(dir, 'signatures'), { recursive: true });
  writeFileSync(path.join(dir, 'update.pb'), update);
  writeFileSync(path.join(dir, 'proposal.json'), `${JSON.stringify(proposal, null, 2)}\n`);
  return dir;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Signs the proposal's update as `org`'s admin (from `org`'s own admin MSP
 * folder) and writes `signatures/<MSP>.json` (or `out`). Returns the file.
 */
export async function signProposal(dir: string, org: Org, out?: string): Promise<string> {
  const { proposal, update } = readProposal(dir);
  const certPem = readFileSync(mspCert(org.paths.adminMsp));
  const identity = new msp.SerializedIdentity();
  identity.setMspid(org.mspId);
  identity.setIdBytes(certPem);
  const header = new common.SignatureHeader();
  header.setCreator(identity.serializeBinary());
  header.setNonce(randomBytes(24));
  const headerBytes = header.serializeBinary();
  const sign = signers.newPrivateKeySigner(createPrivateKey(readFileSync(mspKey(org.paths.adminMsp))));
  const signature = await sign(hash.sha256(concat(headerBytes, update)));
  const file: SignatureFile = {
    format: 'lotline/config-signature@1',
    proposal: proposal.id,
    updateSha256: proposal.updateSha256,
    mspId: org.mspId,
    signer: new X509Certificate(certPem).subject.split('\n').join(', '),
    signedAt: new Date().toISOString(),
    signatureHeader: Buffer.from(headerBytes).toString('base64'),
    signature: Buffer.from(signature).toString('base64'),
  };
  const target = out ?? path.join(dir, 'signatures', `${org.mspId}.json`);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
  return target;
}

/** Checks one signature file against the update: the digest it names, the signer's MSP and admin role, and the signature. */
function checkSignature(file: SignatureFile, proposal: Proposal, update: Uint8Array): string | undefined {
  if (file.updateSha256 !== proposal.updateSha256) return `it signs another update (${file.updateSha256.slice(0, 12)}…)`;
  const headerBytes = Buffer.from(file.signatureHeader, 'base64');
  const creator = msp.SerializedIdentity.deserializeBinary(common.SignatureHeader.deserializeBinary(headerBytes).getCreator_asU8());
  if (creator.getMspid() !== file.mspId) return `its signer is of ${creator.getMspid()}, not ${file.mspId}`;
  const cert = new X509Certificate(Buffer.from(creator.getIdBytes_asU8()));
  if (!/OU=admin/.test(cert.subject)) return `its signer (${cert.subject.split('\n').join(', ')}) is not an admin of ${file.mspId}`;
  const ok = verify('sha256', concat(headerBytes, update), cert.publicKey, Buffer.from(file.signature, 'base64'));
  return ok ? undefined : 'the signature does not verify against the update';
}

function signatureFiles(dir: string): { name: string; file: SignatureFile }[] {
  const sigDir = path.join(dir, 'signatures');
  if (!existsSync(sigDir)) return [];
  return readdirSync(sigDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, file: JSON.parse(readFileSync(path.join(sigDir, name), 'utf8')) as SignatureFile }));
}

/** Who has signed (valid signatures of the policy's organisations) and how many more are needed. */
export function signatureStatus(dir: string, extraSigner?: string): SignatureStatus {
  const { proposal, update } = readProposal(dir);
  const signed = new Set<string>();
  const rejected: SignatureStatus['rejected'] = [];
  for (const { name, file } of signatureFiles(dir)) {
    const reason = proposal.policy.members.includes(file.mspId)
      ? checkSignature(file, proposal, update)
      : `${file.mspId} is not one of the organisations whose admins this policy counts`;
    if (reason) rejected.push({ file: name, reason });
    else signed.add(file.mspId);
  }
  if (extraSigner && proposal.policy.members.includes(extraSigner)) signed.add(extraSigner);
  const list = [...signed].sort();
  return {
    signed: list,
    rejected,
    missing: proposal.policy.members.filter((m) => !signed.has(m)),
    required: proposal.policy.required,
    more: Math.max(0, proposal.policy.required - list.length),
  };
}

/** Refused by the orderer because too few organisations' admins signed. */
export class NotEnoughSignaturesError extends ActionableError {
  constructor(
    readonly satisfied: number,
    readonly required: number,
    readonly missing: readonly string[],
    cause: unknown,
  ) {
    super(
      `the orderer refused the update: ${satisfied} of the ${required} organisation admins' signatures that the policy needs are present, ` +
        `so ${required - satisfied} more ${required - satisfied === 1 ? 'is' : 'are'} needed (not signed yet: ${missing.join(', ') || 'none'}).\n` +
        '  Ask their admins to run `lotline member sign <proposal> --org <their org>` and send back the signature file, then submit again.',
      { cause },
    );
    this.name = 'NotEnoughSignaturesError';
  }
}

/** The result of an applied update. */
export interface Applied {
  blockNumber: number;
  sequence: number;
  signed: string[];
}

/**
 * Submits the proposal with every valid signature as `submitter`'s admin
 * (`peer channel update`, which adds the submitter's own signature), then
 * waits until the new configuration is in a block. Refusals by the orderer
 * say how many more signatures are needed, or that the proposal is stale.
 */
export async function submitProposal(config: NetworkConfig, dir: string, submitter: Org): Promise<Applied> {
  const { proposal, update } = readProposal(dir);
  const status = signatureStatus(dir, submitter.mspId);
  const signatures = signatureFiles(dir)
    .filter(({ file }) => file.mspId !== submitter.mspId && status.signed.includes(file.mspId))
    .map(({ file }) => {
      const s = new common.ConfigSignature();
      s.setSignatureHeader(Buffer.from(file.signatureHeader, 'base64'));
      s.setSignature(Buffer.from(file.signature, 'base64'));
      return s;
    });
  await withScratch(async (scratch) => {
    const envelope = path.join(scratch, 'update-envelope.pb');
    writeFileSync(envelope, updateEnvelope(proposal.channel, update, signatures));
    try {
      await execFileAsync(
        bin(config, 'peer'),
        ['channel', 'update', '-f', envelope, '-c', proposal.channel, ...(await ordererFlags(config))],
        {
          env: peerAdminEnv(config, submitter),
        },
      );
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      const counted = /(\d+) sub-policies were satisfied, but this policy requires (\d+)/.exec(text);
      if (counted?.[1] !== undefined && counted[2] !== undefined) {
        throw new NotEnoughSignaturesError(Number(counted[1]), Number(counted[2]), status.missing, err);
      }
      if (/signature set did not satisfy policy/.test(text)) {
        throw new NotEnoughSignaturesError(status.signed.length, proposal.policy.required, status.missing, err);
      }
      if (/error validating ReadSet|but it is currently at version/.test(text)) {
        throw new ActionableError(
          `the channel configuration changed since this proposal was made (it was computed against sequence ${proposal.baseSequence}): propose it again and collect the signatures anew`,
          { cause: err },
        );
      }
      throw new ActionableError(`the orderer refused the update:\n${text.trim().split('\n').slice(-3).join('\n')}`, { cause: err });
    }
  });
  let applied: FetchedConfig | undefined;
  const appliedInTime = await pollUntil(
    async () => {
      applied = await fetchConfig(config, submitter);
      return Number(applied.config.sequence) > proposal.baseSequence;
    },
    60,
    250,
  );
  if (!appliedInTime || !applied)
    throw new ActionableError(
      'the orderer accepted the update but no new configuration block appeared within 60 s: check the orderer logs',
    );
  return { blockNumber: applied.blockNumber, sequence: Number(applied.config.sequence), signed: status.signed };
}
