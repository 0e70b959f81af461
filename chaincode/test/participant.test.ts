import { EVENTS } from '@lotline/domain';
import { expect } from 'chai';
import { expectCode, world, type World } from './support/fixtures';

function participant(msp: string, capabilities: string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    msp,
    name: `${msp} Ltd`,
    kind: 'supplier',
    location: { city: 'Rivertown', country: 'DE', lat: 50.1, lon: 8.6 },
    capabilities,
    certifications: [{ name: 'ISO 9001', issuer: 'TÜV', validUntil: '2027-06-30' }],
    ...extra,
  });
}

describe('Participant registry', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  it('lets a City admin register a participant and emits ParticipantUpserted', async () => {
    const stored = await w.cityAdmin.submit('Participant:UpsertParticipant', participant('PartsCoMSP', ['machining', 'casting']));
    expect(stored).to.include({ msp: 'PartsCoMSP', kind: 'supplier', createdAt: '2026-01-01T00:00:01.500Z' });
    expect(stored.capabilities).to.deep.equal(['casting', 'machining']);
    expect(w.net.events.at(-1)?.payload).to.include({ type: EVENTS.ParticipantUpserted, msp: 'PartsCoMSP', created: true });
    expect(await w.bankAuditor.evaluate('Participant:ReadParticipant', 'PartsCoMSP')).to.deep.equal(stored);
  });

  it('refuses other City roles and other orgs’ admins with FORBIDDEN', async () => {
    for (const client of [w.cityInspector, w.cityQm, w.partsAdmin, w.bankAdmin, w.partsAuditor]) {
      await expectCode(client.submit('Participant:UpsertParticipant', participant('PartsCoMSP', [])), 'FORBIDDEN');
    }
  });

  it('refuses an unknown kind, a bad country code and a capability with capitals', async () => {
    await expectCode(w.cityAdmin.submit('Participant:UpsertParticipant', participant('A', [], { kind: 'pirate' })), 'INVALID_ARGUMENT');
    await expectCode(
      w.cityAdmin.submit('Participant:UpsertParticipant', participant('A', [], { location: { city: 'X', country: 'Germany' } })),
      'INVALID_ARGUMENT',
    );
    await expectCode(w.cityAdmin.submit('Participant:UpsertParticipant', participant('A', ['Casting'])), 'INVALID_ARGUMENT');
  });

  it('finds participants by capability, and an update moves them between capabilities', async () => {
    await w.cityAdmin.submit('Participant:UpsertParticipant', participant('PartsCoMSP', ['machining', 'casting']));
    await w.cityAdmin.submit('Participant:UpsertParticipant', participant('AssemblyCoMSP', ['assembly', 'machining']));
    const machining = await w.partsAuditor.evaluate('Participant:SearchParticipants', 'machining');
    expect(machining.map((p: { msp: string }) => p.msp)).to.deep.equal(['AssemblyCoMSP', 'PartsCoMSP']);

    const updated = await w.cityAdmin.submit('Participant:UpsertParticipant', participant('PartsCoMSP', ['casting']));
    expect(updated.createdAt).to.equal('2026-01-01T00:00:01.500Z');
    expect(w.net.events.at(-1)?.payload).to.include({ created: false });
    const after = await w.partsAuditor.evaluate('Participant:SearchParticipants', 'machining');
    expect(after.map((p: { msp: string }) => p.msp)).to.deep.equal(['AssemblyCoMSP']);
    expect(await w.partsAuditor.evaluate('Participant:SearchParticipants', 'welding')).to.deep.equal([]);
  });

  it('lists all participants ordered by MSP ID', async () => {
    await w.cityAdmin.submit('Participant:UpsertParticipant', participant('PartsCoMSP', []));
    await w.cityAdmin.submit('Participant:UpsertParticipant', participant('BankMSP', [], { kind: 'bank' }));
    const list = await w.partsNoRole.evaluate('Participant:ListParticipants');
    expect(list.map((p: { msp: string }) => p.msp)).to.deep.equal(['BankMSP', 'PartsCoMSP']);
  });

  it('answers NOT_FOUND for an unregistered MSP', async () => {
    await expectCode(w.bankAuditor.evaluate('Participant:ReadParticipant', 'NobodyMSP'), 'NOT_FOUND');
  });
});
