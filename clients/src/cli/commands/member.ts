/**
 * `lotline member request|propose|remove|sign|status|submit|join` and
 * `lotline users revoke`: membership governance on the local network's
 * folders. Each organisation acts with its own admin identity, read from its
 * own folder only; proposals and signatures are files that can travel.
 */
import { type Command, Option } from 'commander';
import { findOrg, loadConfig, type NetworkConfig, type Org } from '../../../../network/src/config';
import {
  forgetMember,
  joinChannel,
  NotEnoughSignaturesError,
  prepareMembershipRequest,
  proposalDir,
  proposeAdmission,
  proposeRemoval,
  readProposal,
  recordMembership,
  REVOCATION_REASONS,
  revokeUser,
  signatureStatus,
  signProposal,
  submitProposal,
  type Proposal,
  type RevocationReason,
  type SignatureStatus,
} from '../../../../network/src/membership';
import { startApis } from '../../../../network/src/network';
import { ActionableError } from '../../../../network/src/progress';
import { CliContext, localConfig } from '../context';
import { EXIT, SetupError, UsageError } from '../exit-codes';

function acting(config: NetworkConfig, ref: string | undefined, what: string): Org {
  if (!ref) throw new UsageError(`which organisation's admin ${what}? add --as <org> (${config.orgs.map((o) => o.name).join(', ')})`);
  try {
    return findOrg(config, ref);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Runs a membership step; a refusal exits 5 (refused by the rules), another failure 1, each with its advice. */
async function governed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotEnoughSignaturesError) throw new SetupError(err.message, EXIT.conflict);
    if (err instanceof ActionableError) throw new SetupError(err.message, EXIT.usage);
    throw err;
  }
}

/** A proposal's folder, or a usage error saying where proposals are. */
function located(config: NetworkConfig, ref: string): string {
  try {
    return proposalDir(config, ref);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function statusLines(proposal: Proposal, status: SignatureStatus): string[] {
  return [
    `policy ${proposal.policy.path} (${proposal.policy.rule}): ${status.required} of ${proposal.policy.members.length} organisations' admins must sign`,
    `signed (${status.signed.length}): ${status.signed.join(', ') || 'nobody yet'}`,
    ...status.rejected.map((r) => `not counted: ${r.file}: ${r.reason}`),
    status.more > 0
      ? `needs ${status.more} more signature${status.more === 1 ? '' : 's'} (not signed yet: ${status.missing.join(', ')}); the submitter's own admin signature counts`
      : 'enough signatures: any member admin can submit it now',
  ];
}

/** Registers `member ...`. */
export function registerMember(program: Command): void {
  const member = program
    .command('member')
    .description("admit or remove member firms by majority vote of the members' admins (channel configuration updates)");

  member
    .command('request')
    .description(
      'a firm prepares on its own: its CA, identities and peer in its own folder, and a membership request (public material only)',
    )
    .requiredOption('--firm <name>', 'a firm of network/candidates.json, e.g. GalvaTech')
    .action(async (o: { firm: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { file, request } = await governed(() => prepareMembershipRequest(localConfig(), o.firm));
      ctx.print({ file, mspId: request.mspId, peer: request.peer }, () => [
        `${request.name} (${request.mspId}) is ready to apply: its CA, peer and identities run from its own folder.`,
        `membership request: ${file}`,
        '  (its MSP root and TLS CA certificates, its admin certificate and its anchor peer: no private key)',
        `next: send the file to a City admin, who runs  lotline member propose ${file} --as City`,
      ]);
    });

  member
    .command('propose <request>')
    .description('turn a membership request into a channel configuration update (City admin)')
    .option('--as <org>', 'the proposing organisation', 'City')
    .action(async (requestFile: string, o: { as: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const config = localConfig();
      const proposer = acting(config, o.as, 'proposes');
      if (proposer.mspId !== 'CityMSP') throw new UsageError('admitting a firm is proposed by the municipality: use --as City');
      const { dir, proposal } = await governed(() => proposeAdmission(config, proposer, requestFile));
      ctx.print({ dir, proposal }, () => [
        `proposal ${proposal.id}: ${proposal.summary}`,
        `computed against channel config sequence ${proposal.baseSequence} (block ${proposal.baseBlock}); folder: ${dir}`,
        ...statusLines(proposal, signatureStatus(dir)),
        `next: each member's admin signs, on their own host:  lotline member sign ${dir} --as <org>`,
      ]);
    });

  member
    .command('remove <msp>')
    .description('propose removing a member from the channel (City admin); signed and submitted like an admission')
    .option('--as <org>', 'the proposing organisation', 'City')
    .action(async (mspId: string, o: { as: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const config = localConfig();
      const { dir, proposal } = await governed(() => proposeRemoval(config, acting(config, o.as, 'proposes'), mspId));
      ctx.print({ dir, proposal }, () => [
        `proposal ${proposal.id}: ${proposal.summary}`,
        ...statusLines(proposal, signatureStatus(dir)),
        `next: each member's admin signs:  lotline member sign ${dir} --as <org>`,
      ]);
    });

  member
    .command('sign <proposal>')
    .description("sign a proposal with your organisation's admin identity; writes a signature file that can travel")
    .requiredOption('--as <org>', 'your organisation')
    .option('--out <file>', 'where to write the signature (default: the proposal folder)')
    .action(async (ref: string, o: { as: string; out?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const config = localConfig();
      const signer = acting(config, o.as, 'signs');
      const dir = located(config, ref);
      const file = await governed(() => signProposal(dir, signer, o.out));
      const { proposal } = readProposal(dir);
      const status = signatureStatus(dir);
      ctx.print({ file, status }, () => [
        `${signer.name}'s admin signed ${proposal.id}: ${file}`,
        ...statusLines(proposal, status),
        status.more > 0
          ? `next: the other admins sign; then any admin runs  lotline member submit ${dir} --as <org>`
          : `next: any member admin runs  lotline member submit ${dir} --as <org>`,
      ]);
    });

  member
    .command('status <proposal>')
    .description('who has signed a proposal, and how many more signatures its policy needs')
    .action((ref: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const dir = located(localConfig(), ref);
      const { proposal } = readProposal(dir);
      const status = signatureStatus(dir);
      ctx.print({ proposal, status }, () => [`proposal ${proposal.id}: ${proposal.summary}`, ...statusLines(proposal, status)]);
    });

  member
    .command('submit <proposal>')
    .description('send a signed proposal to the orderer; refused, with how many more signatures are needed, until a majority signed')
    .requiredOption('--as <org>', 'the submitting organisation (its admin signs too)')
    .action(async (ref: string, o: { as: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const config = localConfig();
      const submitter = acting(config, o.as, 'submits');
      const dir = located(config, ref);
      const { proposal } = readProposal(dir);
      const applied = await governed(() => submitProposal(config, dir, submitter));
      const lines = [
        `applied: ${proposal.summary}`,
        `channel config block ${applied.blockNumber} (sequence ${applied.sequence}), signed by ${applied.signed.join(', ')}`,
      ];
      const membership = proposal.kind === 'admit' ? 'member' : proposal.kind === 'remove' ? 'former_member' : undefined;
      if (proposal.kind === 'remove') forgetMember(config, proposal.subject.mspId);
      if (membership && submitter.mspId === 'CityMSP') {
        const txId = await recordMembership(config, proposal.subject.mspId, membership);
        lines.push(
          txId
            ? `participant registry: ${proposal.subject.mspId} is now "${membership}" (tx ${txId})`
            : `participant registry: no record of ${proposal.subject.mspId} to update (add one with lotline participants upsert)`,
        );
      } else if (membership) {
        lines.push(
          `next: a City admin records the registry state:  lotline member submit is done; run  lotline participants upsert  with "membership": "${membership}"`,
        );
      }
      if (proposal.kind === 'admit')
        lines.push(`next: ${proposal.subject.name} joins its peer:  lotline member join --firm ${proposal.subject.name}`);
      if (proposal.kind === 'remove') {
        lines.push(
          `${proposal.subject.mspId}'s peers no longer receive blocks or count as endorsers, and its users' proposals are refused; everything it wrote stays on the ledger.`,
          'lots in its custody stay with it (nobody else can ship or transfer them); City can still put them on hold or recall them: see the README, Membership',
        );
      }
      ctx.print({ proposal: proposal.id, ...applied }, () => lines);
    });

  member
    .command('join')
    .description("the admitted firm's peer joins the channel, installs the chaincode package and approves the committed definition")
    .requiredOption('--firm <name>', 'the admitted firm, e.g. GalvaTech')
    .option('--no-api', "do not start the firm's API")
    .action(async (o: { firm: string; api: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const joined = await governed(() => joinChannel(localConfig(), o.firm));
      if (o.api) await startApis(loadConfig());
      const { required, of } = joined.endorsement;
      ctx.print({ ...joined, org: joined.org.mspId }, () => [
        `${joined.org.name}'s peer joined ${localConfig().channel} and caught up (height ${joined.height})`,
        `installed ${joined.packageId.split(':')[0] ?? ''} and approved the committed definition (sequence ${joined.sequence}) for ${joined.org.mspId}`,
        `members: ${joined.members.join(', ')}`,
        `MAJORITY Endorsement now counts ${of} organisations: a transaction needs ${required} of ${of} endorsements (the chaincode was not redeployed)`,
        `MAJORITY LifecycleEndorsement: the next chaincode upgrade needs ${required} of ${of} approvals`,
        o.api
          ? `${joined.org.name}'s API runs; its users write under the same rules:  lotline token mint --org ${joined.org.name} --user inspector1`
          : `next: start its API with npm start`,
      ]);
    });
}

/** Registers `users revoke` under the existing `users` command. */
export function registerUserRevoke(program: Command): void {
  const users = program.commands.find((c) => c.name() === 'users');
  if (!users) throw new Error('register the users command first');
  users
    .command('revoke <user>')
    .description("revoke a user's certificate at your CA and put the new CRL into your MSP in the channel configuration (org admin)")
    .addOption(new Option('--reason <reason>', 'RFC 5280 reason').choices(Object.keys(REVOCATION_REASONS)).default('unspecified'))
    .action(async (user: string, o: { reason: RevocationReason }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const config = localConfig();
      const org = acting(config, ctx.options.org ?? process.env.LOTLINE_ORG, 'revokes (global --org)');
      const revoked = await governed(() => revokeUser(config, org, user, o.reason));
      ctx.print(revoked, () => [
        `revoked ${user} of ${org.name} (${o.reason}) at the ${org.name} CA; serial ${revoked.serials.join(', ') || '(see the CA log)'}`,
        `the new CRL is in ${org.mspId}'s MSP from channel config block ${revoked.blockNumber} (sequence ${revoked.sequence}), signed by ${org.name}'s own admin`,
        `every peer now refuses proposals signed with that certificate, and the ${org.name} API answers 403 IDENTITY_REVOKED for ${user}'s tokens`,
      ]);
    });
}
