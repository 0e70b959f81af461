import type { Gs1PrefixOwner } from '../access';
import { fail, type ParticipantInput } from '@lotline/domain';
import { KEYS } from '../keys';
import type { Ledger } from '../ledger';

/** A member organisation in the registry kept by City. */
export interface Participant extends ParticipantInput {
  readonly docType: 'participant';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** The largest number of participants a list or search returns. */
export const MAX_PARTICIPANTS = 1000;

/** Read a participant, or undefined. */
export async function findParticipant(ledger: Ledger, msp: string): Promise<Participant | undefined> {
  return ledger.get<Participant>(ledger.key(KEYS.participant, [msp]));
}

/** Read a participant, or throw NOT_FOUND. */
export async function requireParticipant(ledger: Ledger, msp: string): Promise<Participant> {
  const participant = await findParticipant(ledger, msp);
  if (participant === undefined) throw fail('NOT_FOUND', `participant ${msp} is not registered`);
  return participant;
}

/** Shortest and longest GS1 company prefix. */
const PREFIX_DIGITS = { min: 6, max: 12 } as const;

/**
 * The organisation that owns the company prefix at the start of `digits` (a
 * GS1 key after its indicator or extension digit). Company prefixes vary in
 * length and never overlap, so each length from 6 to 12 digits is looked up
 * (one GetState each, until found).
 */
export async function gs1PrefixOwner(ledger: Ledger, digits: string): Promise<Gs1PrefixOwner | undefined> {
  let known = prefixCache.get(ledger);
  if (known === undefined) prefixCache.set(ledger, (known = new Map<string, string | null>()));
  for (let length = PREFIX_DIGITS.min; length <= Math.min(PREFIX_DIGITS.max, digits.length); length++) {
    const prefix = digits.slice(0, length);
    let msp = known.get(prefix);
    if (msp === undefined) {
      msp = (await ledger.get<{ msp: string }>(ledger.key(KEYS.gs1Prefix, [prefix])))?.msp ?? null;
      known.set(prefix, msp);
    }
    if (msp !== null) return { prefix, msp };
  }
  return undefined;
}

/**
 * Prefix owners already read by a transaction (a batch import of many lots of one
 * company reads each prefix once). Registry writes go through saveParticipant,
 * which clears its transaction's entry.
 */
const prefixCache = new WeakMap<Ledger, Map<string, string | null>>();

/** Refuse (CONFLICT) a company prefix that another organisation owns, or that overlaps one it owns. */
async function assertPrefixesFree(ledger: Ledger, participant: Participant): Promise<void> {
  for (const prefix of participant.gs1CompanyPrefixes) {
    const owner = await gs1PrefixOwner(ledger, prefix);
    if (owner !== undefined && owner.msp !== participant.msp) {
      throw fail(
        'CONFLICT',
        `GS1 company prefix ${prefix} overlaps ${owner.prefix}, registered to ${owner.msp}; remove it from ${owner.msp}'s participant record first`,
      );
    }
  }
}

/** Write a participant and bring its capability and GS1 prefix index entries in line with `previous`. */
export async function saveParticipant(ledger: Ledger, participant: Participant, previous: Participant | undefined): Promise<void> {
  await assertPrefixesFree(ledger, participant);
  prefixCache.delete(ledger);
  await ledger.put(ledger.key(KEYS.participant, [participant.msp]), participant);
  const prefixes = new Set(participant.gs1CompanyPrefixes);
  for (const prefix of previous?.gs1CompanyPrefixes ?? []) {
    if (!prefixes.has(prefix)) await ledger.delete(ledger.key(KEYS.gs1Prefix, [prefix]));
  }
  for (const prefix of [...prefixes].sort()) await ledger.put(ledger.key(KEYS.gs1Prefix, [prefix]), { msp: participant.msp });
  const next = new Set(participant.capabilities);
  for (const capability of previous?.capabilities ?? []) {
    if (!next.has(capability)) await ledger.delete(ledger.key(KEYS.participantCapability, [capability, participant.msp]));
  }
  for (const capability of [...next].sort()) {
    await ledger.put(ledger.key(KEYS.participantCapability, [capability, participant.msp]), { msp: participant.msp });
  }
}

/** Participants offering a capability, ordered by MSP ID. */
export async function searchByCapability(ledger: Ledger, capability: string): Promise<Participant[]> {
  const index = await ledger.scan<{ msp: string }>(KEYS.participantCapability, [capability], MAX_PARTICIPANTS);
  const found: Participant[] = [];
  for (const entry of index) {
    const participant = await findParticipant(ledger, entry.value.msp);
    if (participant !== undefined) found.push(participant);
  }
  return found;
}

/** All participants, ordered by MSP ID. */
export async function listParticipants(ledger: Ledger): Promise<Participant[]> {
  const entries = await ledger.scan<Participant>(KEYS.participant, [], MAX_PARTICIPANTS);
  return entries.map((e) => e.value);
}
