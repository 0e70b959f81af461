/**
 * Compares what the API claims about a transaction with what the auditor's
 * own peer holds (pure: no I/O). Every check is listed, passed or not, so the
 * auditor sees exactly what was verified.
 */
import { canonicalJson, splitCompositeKey } from '@lotline/domain';
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

function str(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** The creator MSP in an API proof, whichever of the documented spellings it uses. */
export function proofCreatorMsp(proof: TransactionProof): string | undefined {
  const creator = proof.creator as unknown;
  if (typeof creator === 'string') return creator;
  if (creator && typeof creator === 'object')
    return str((creator as Record<string, unknown>).mspId ?? (creator as Record<string, unknown>).msp);
  return str(proof.creatorMsp ?? proof.creatorMspId);
}

/** The endorsing MSPs in an API proof, sorted. */
export function proofEndorserMsps(proof: TransactionProof): string[] | undefined {
  const list: unknown = proof.endorsers ?? proof.endorsements ?? proof.endorserMsps ?? proof.endorsingMsps;
  if (!Array.isArray(list)) return undefined;
  return list
    .map((e: unknown) =>
      typeof e === 'string'
        ? e
        : e && typeof e === 'object'
          ? str((e as Record<string, unknown>).mspId ?? (e as Record<string, unknown>).msp)
          : undefined,
    )
    .filter((m): m is string => m !== undefined)
    .sort();
}

function sameOrMissing(name: string, claimed: string | undefined, own: string): Check {
  return claimed === undefined ? { name: `${name} (API did not say)`, ok: true, own } : { name, ok: claimed === own, claimed, own };
}

/**
 * Every check of `verify`: the transaction is valid and in its block on the
 * auditor's own peer, the endorsement signatures verify, the API's block,
 * validation code, creator and endorsers agree with the peer, and each
 * claimed record equals what the transaction wrote under its key.
 */
export function compareProof(proof: TransactionProof, own: LedgerTransaction, claimed: readonly ClaimedRecord[] = []): Check[] {
  const ownEndorsers = [...new Set(own.endorsements.map((e) => e.mspId))].sort();
  const claimedEndorsers = proofEndorserMsps(proof);
  const checks: Check[] = [
    { name: 'validated as VALID by the own peer', ok: own.validationCode === 'VALID', own: own.validationCode },
    { name: 'in the block that the own peer returned', ok: own.inBlock, own: `block ${own.blockNumber}` },
    {
      name: 'endorsement signatures verify',
      ok: own.endorsements.length > 0 && own.endorsements.every((e) => e.signatureValid),
      own: own.endorsements.map((e) => `${e.mspId}:${e.signatureValid ? 'ok' : 'BAD'}`).join(' '),
    },
    { name: 'transaction id', ok: str(proof.txId) === undefined || proof.txId === own.txId, claimed: str(proof.txId), own: own.txId },
    sameOrMissing('block number', str(proof.blockNumber), own.blockNumber),
    sameOrMissing('validation code', str(proof.validationCode), own.validationCode),
    sameOrMissing('creator MSP', proofCreatorMsp(proof), own.creator.mspId),
    sameOrMissing('endorsing MSPs', claimedEndorsers?.join(','), ownEndorsers.join(',')),
  ];
  if (typeof proof.record?.matches === 'boolean' && proof.record.found !== false) {
    checks.push({ name: "API's own content check", ok: proof.record.matches, claimed: String(proof.record.matches) });
  }
  for (const write of proof.writes ?? []) {
    const mine = own.writes.find((w) => w.key === write.key);
    const label = `API's write ${printableKey(write.key).slice(0, 60)}`;
    if (!mine) checks.push({ name: label, ok: false, claimed: 'written', own: 'not in the write set' });
    else if (write.value !== undefined) checks.push({ name: label, ok: canonicalJson(write.value) === canonicalJson(mine.value) });
  }
  for (const record of claimed) {
    const mine = own.writes.find((w) => w.key === record.key);
    checks.push({
      name: `${record.what} equals the write set`,
      ok: mine !== undefined && !mine.isDelete && canonicalJson(mine.value) === canonicalJson(record.value),
      own: mine ? `written under ${printableKey(record.key)}` : `${printableKey(record.key)} not in the write set`,
    });
  }
  return checks;
}
