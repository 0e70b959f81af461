/**
 * Compares what the API claims about a transaction with what the auditor's
 * own peer holds (pure: no I/O). Every check is listed, passed or not, so the
 * auditor sees exactly what was verified.
 */
import { canonicalJson, splitCompositeKey } from '@lotline/domain';
import { CHECKS, type CheckName, type VerificationReport } from '@lotline/evidence';
import type { TransactionProof } from '../api-types';
import type { LedgerTransaction } from './decode';

/** One verification check. */
export interface Check {
  name: string;
  ok: boolean;
  /** What the API (or the record shown to the user) says. */
  claimed?: string;
  /** What the auditor's own peer says. */
  own?: string;
}

/** A record that the API showed, and the world-state key it must have been written under. */
export interface ClaimedRecord {
  what: string;
  key: string;
  value: unknown;
}

/** A composite key made printable (`lot/PartsCoMSP:LOT-1`). */
export function printableKey(key: string): string {
  const { objectType, attributes } = splitCompositeKey(key);
  return objectType === '' ? key : [objectType, ...attributes].join('/');
}

/** A field of the API's answer as text, or undefined when the API left it out (or sent another type). */
function text(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** The endorsing MSPs that the API names, sorted and unique, or undefined when it named none. */
function claimedEndorsers(proof: TransactionProof): string[] | undefined {
  const list = proof.endorsers as unknown;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const msps = list.map((e: unknown) => text((e as { mspId?: unknown } | null)?.mspId));
  if (msps.some((m) => m === undefined)) return undefined;
  return [...new Set(msps as string[])].sort();
}

/**
 * A check that the API's claim equals what the own peer says. A claim the API
 * left out fails: an answer without the fields that `verify` checks proves nothing.
 */
function agrees(name: string, claimed: string | undefined, own: string): Check {
  return claimed === undefined ? { name: `${name} (the API left it out)`, ok: false, own } : { name, ok: claimed === own, claimed, own };
}

/** The checks made on the own peer alone: valid, in its block, every endorsement signature verifies. */
export function ownPeerChecks(own: LedgerTransaction): Check[] {
  return [
    { name: 'validated as VALID by the own peer', ok: own.validationCode === 'VALID', own: own.validationCode },
    { name: 'in the block that the own peer returned', ok: own.inBlock, own: `block ${own.blockNumber}` },
    {
      name: 'endorsement signatures verify',
      ok: own.endorsements.length > 0 && own.endorsements.every((e) => e.signatureValid),
      own: own.endorsements.map((e) => `${e.mspId}:${e.signatureValid ? 'ok' : 'BAD'}`).join(' '),
    },
  ];
}

/** The API's write set against the own peer's: the same keys, and each value the API shows equals what was written. */
function writeChecks(proof: TransactionProof, own: LedgerTransaction): Check[] {
  const writes = proof.writes as unknown;
  if (!Array.isArray(writes)) return [{ name: 'write set (the API left it out)', ok: false, own: `${own.writes.length} keys` }];
  const claimedKeys = (writes as { key?: unknown }[]).map((w) => text(w.key) ?? '(no key)').sort();
  const ownKeys = own.writes.map((w) => w.key).sort();
  const checks: Check[] = [
    {
      name: 'write set keys',
      ok: canonicalJson(claimedKeys) === canonicalJson(ownKeys),
      claimed: claimedKeys.map(printableKey).join(' '),
      own: ownKeys.map(printableKey).join(' '),
    },
  ];
  for (const write of writes as { key?: unknown; value?: unknown }[]) {
    const mine = own.writes.find((w) => w.key === write.key);
    if (mine === undefined || !('value' in write)) continue;
    checks.push({
      name: `API's write ${printableKey(mine.key).slice(0, 60)}`,
      ok: canonicalJson(write.value) === canonicalJson(mine.value),
    });
  }
  return checks;
}

/** Each record shown to the user equals what the transaction wrote under its key. */
export function recordChecks(own: LedgerTransaction, claimed: readonly ClaimedRecord[]): Check[] {
  return claimed.map((record) => {
    const mine = own.writes.find((w) => w.key === record.key);
    return {
      name: `${record.what} equals the write set`,
      ok: mine !== undefined && !mine.isDelete && canonicalJson(mine.value) === canonicalJson(record.value),
      own: mine ? `written under ${printableKey(record.key)}` : `${printableKey(record.key)} not in the write set`,
    };
  });
}

/**
 * Every check of `verify`: the own peer's checks, then the API's transaction
 * id, block, validation code, creator, endorsers and write set against the
 * own peer (each one fails if the API left it out), the API's own record
 * check when it made one, and each claimed record against the write set.
 */
export function compareProof(proof: TransactionProof, own: LedgerTransaction, claimed: readonly ClaimedRecord[] = []): Check[] {
  const checks: Check[] = [
    ...ownPeerChecks(own),
    agrees('transaction id', text(proof.txId), own.txId),
    agrees('block number', text(proof.blockNumber), own.blockNumber),
    agrees('validation code', text(proof.validationCode), own.validationCode),
    agrees('creator MSP', text((proof.creator as { mspId?: unknown } | undefined)?.mspId), own.creator.mspId),
    agrees('endorsing MSPs', claimedEndorsers(proof)?.join(','), [...new Set(own.endorsements.map((e) => e.mspId))].sort().join(',')),
    ...writeChecks(proof, own),
  ];
  const record = proof.record as TransactionProof['record'] | undefined;
  if (record !== null && record !== undefined) {
    checks.push({ name: "API's own record check", ok: record.found && record.matches !== false, claimed: String(record.matches) });
  }
  return [...checks, ...recordChecks(own, claimed)];
}

/**
 * The evidence verifier's checks on the own peer's block (one row per check
 * that ran; a row fails when any of its findings failed, and says why).
 */
export function verifierChecks(report: VerificationReport): Check[] {
  const names = [...new Set(report.findings.map((f) => f.check))];
  return names.map((check: CheckName) => {
    const failures = report.failures.filter((f) => f.check === check);
    return {
      name: `verifier ${check}: ${CHECKS[check]}`,
      ok: failures.length === 0,
      own: failures.length === 0 ? 'ok' : failures.map((f) => `${f.block !== undefined ? `block ${f.block}: ` : ''}${f.detail}`).join('; '),
    };
  });
}
