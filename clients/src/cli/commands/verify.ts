/**
 * `lotline verify <txId>`: the auditor's check. It fetches the API's proof of
 * a transaction, then reads the same transaction from the auditor's OWN peer
 * (qscc) and checks it there: validation code, block, endorsement signatures,
 * creator and endorsing organisations, and (with --lot) that the records the
 * API shows equal what the transaction wrote; then it runs the evidence
 * verifier (@lotline/evidence, as `lotline evidence verify` and the proof
 * endpoint do) on the own peer's block, configuration blocks and genesis
 * block: orderer signatures, MSP chains, the Endorsement policy and the rest.
 * Trusting the API operator is not required: every verdict comes from the
 * auditor's own copy of the ledger.
 */
import { compositeKey } from '@lotline/domain';
import type { Command } from 'commander';
import { ApiError } from '../../api-client';
import type { TransactionProof } from '../../api-types';
import { table } from '../../render/text';
import { type ClaimedRecord, compareProof, ownPeerChecks, recordChecks } from '../../verify/compare';
import { fetchOwnTransaction } from '../../verify/own-peer';
import { CliContext, localConfig } from '../context';
import { EXIT } from '../exit-codes';

interface VerifyOptions {
  lot?: string;
  peerOrg: string;
  peerUser: string;
  skipApi?: boolean;
}

/** The records the API shows for `lotId` that this transaction wrote: the lot version and/or the quality event. */
async function claimedRecords(ctx: CliContext, lotId: string, txId: string): Promise<ClaimedRecord[]> {
  const [history, events] = await Promise.all([ctx.api().lotHistory(lotId), ctx.api().qualityEvents(lotId)]);
  const claimed: ClaimedRecord[] = [];
  const version = history.find((h) => h.txId === txId);
  if (version && !version.isDelete)
    claimed.push({ what: `the API's version of lot ${lotId}`, key: compositeKey('lot', [lotId]), value: version.value });
  const event = events.find((e) => e.eventId === txId);
  if (event) claimed.push({ what: `the API's ${event.type} event`, key: compositeKey('qe', [lotId, txId]), value: event });
  return claimed;
}

/** Registers `verify`. */
export function registerVerify(program: Command): void {
  program
    .command('verify <txId>')
    .description("check a transaction's proof against your own peer (auditor): exit 0 when every check passes, 2 on any mismatch")
    .option('--lot <lotId>', 'also check that the lot version / quality event the API shows for this transaction equals its write set')
    .option('--peer-org <org>', 'organisation whose peer you trust (your own)', 'Bank')
    .option('--peer-user <user>', 'your enrolled user in that organisation', 'auditor1')
    .option('--skip-api', 'check only on your own peer (no API proof to compare)')
    .action(async (txId: string, o: VerifyOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      // The record checks are done here, on the own peer's write set (--lot), not delegated to the API.
      const proof: TransactionProof | undefined = o.skipApi ? undefined : await ctx.api().proof(txId);
      const apiProof = proof !== undefined;
      const own = await fetchOwnTransaction(localConfig(), { org: o.peerOrg, user: o.peerUser }, txId);
      const claimed = o.lot ? await claimedRecords(ctx, o.lot, txId) : [];
      if (o.lot && claimed.length === 0) {
        throw new ApiError({
          status: 404,
          code: 'NOT_FOUND',
          message: `NOT_FOUND: the API shows no version or event of ${o.lot} written by ${txId}`,
        });
      }
      const checks = proof !== undefined ? compareProof(proof, own, claimed) : [...ownPeerChecks(own), ...recordChecks(own, claimed)];
      const ok = checks.every((c) => c.ok);
      ctx.print({ txId, verified: ok, peer: `${o.peerOrg}/${o.peerUser}`, checks, own, apiProof: proof }, () => [
        `transaction ${txId}`,
        `  on ${o.peerOrg}'s own peer: block ${own.blockNumber}, ${own.validationCode}, ${own.timestamp}`,
        `  created by ${own.creator.mspId} (${own.creator.subject})`,
        `  endorsed by ${own.endorsements.map((e) => e.mspId).join(', ')}`,
        `  wrote ${own.writes.length} keys${own.event ? `, event ${own.event.name}` : ''}`,
        table(
          ['check', 'result', 'API says', 'own peer says'],
          checks.map((c) => [c.name, c.ok ? 'ok' : 'MISMATCH', c.claimed ?? '', c.own ?? '']),
        ),
        ok
          ? apiProof
            ? 'VERIFIED: the API proof agrees with your own peer.'
            : 'VERIFIED on your own peer (no API proof compared).'
          : 'NOT VERIFIED: see the MISMATCH rows; do not rely on this record.',
      ]);
      if (!ok) process.exitCode = EXIT.mismatch;
    });
}
