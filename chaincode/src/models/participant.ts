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

/** Write a participant and bring its capability index entries in line with `previous`. */
export async function saveParticipant(ledger: Ledger, participant: Participant, previous: Participant | undefined): Promise<void> {
  await ledger.put(ledger.key(KEYS.participant, [participant.msp]), participant);
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
