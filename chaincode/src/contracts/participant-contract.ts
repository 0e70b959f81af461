import { canonicalJson, EVENTS, schemas } from '@lotline/domain';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertCanManageParticipants, assertCanRead, callerOf } from '../access';
import { emitEvent } from '../events';
import { Ledger } from '../ledger';
import {
  findParticipant,
  listParticipants,
  type Participant,
  requireParticipant,
  saveParticipant,
  searchByCapability,
} from '../models/participant';
import { parseJson, validate } from '../validation';

/** The registry of member organisations, kept by City for emergency re-sourcing. */
@Info({ title: 'Participant', description: 'Registry of member organisations, searchable by capability' })
export class ParticipantContract extends Contract {
  constructor() {
    super('Participant');
  }

  /**
   * Create or replace a participant (City `admin` only). `gs1CompanyPrefixes`
   * are the GS1 company prefixes the organisation owns: only it may create
   * lots and containers identified by them. A prefix that overlaps another
   * organisation's is refused with CONFLICT. Returns the stored participant.
   */
  @Transaction()
  @Returns('string')
  async UpsertParticipant(ctx: Context, participantJson: string): Promise<string> {
    const caller = callerOf(ctx);
    assertCanManageParticipants(caller);
    const input = parseJson(schemas.participant, participantJson, 'participant');
    const ledger = new Ledger(ctx.stub);
    const previous = await findParticipant(ledger, input.msp);
    const participant: Participant = {
      ...input,
      capabilities: [...new Set(input.capabilities)].sort(),
      gs1CompanyPrefixes: [...new Set(input.gs1CompanyPrefixes)].sort(),
      docType: 'participant',
      createdAt: previous?.createdAt ?? ledger.now,
      updatedAt: ledger.now,
      updatedBy: caller.certId,
    };
    await saveParticipant(ledger, participant, previous);
    emitEvent(ctx, EVENTS.ParticipantUpserted, { msp: participant.msp, created: previous === undefined });
    return canonicalJson(participant);
  }

  /** Read one participant by MSP ID. */
  @Transaction(false)
  @Returns('string')
  async ReadParticipant(ctx: Context, msp: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(schemas.mspId, msp, 'msp');
    return canonicalJson(await requireParticipant(new Ledger(ctx.stub), id));
  }

  /** Participants offering a capability, ordered by MSP ID (an array). */
  @Transaction(false)
  @Returns('string')
  async SearchParticipants(ctx: Context, capability: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const token = validate(schemas.capability, capability, 'capability');
    return canonicalJson(await searchByCapability(new Ledger(ctx.stub), token));
  }

  /** All participants, ordered by MSP ID (an array, at most 1000). */
  @Transaction(false)
  @Returns('string')
  async ListParticipants(ctx: Context): Promise<string> {
    assertCanRead(callerOf(ctx));
    return canonicalJson(await listParticipants(new Ledger(ctx.stub)));
  }
}
