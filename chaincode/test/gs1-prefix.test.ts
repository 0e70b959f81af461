import { expect } from 'chai';
import { expectCode, lotJson, registerPrefixes, world, type World } from './support/fixtures';

/*
 * GS1 identifiers have owners: the participant registry maps GS1 company
 * prefixes to organisations, and a lot identified by an LGTIN can be created
 * only by the organisation that owns its prefix.
 */

const LGTIN = 'urn:epc:class:lgtin:4012345.012345.998877';

describe('GS1 company prefixes', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  it('stores the prefixes on the participant, sorted and without repeats', async () => {
    await registerPrefixes(w, 'PartsCoMSP', '4012345', '0860009', '4012345');
    const stored = await w.bankAuditor.evaluate('Participant:ReadParticipant', 'PartsCoMSP');
    expect(stored.gs1CompanyPrefixes).to.deep.equal(['0860009', '4012345']);
  });

  it('when the prefix is registered to another organisation, creating the lot is refused with FORBIDDEN naming the owner', async () => {
    await registerPrefixes(w, 'AssemblyCoMSP', '4012345');
    const message = await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(LGTIN)), 'FORBIDDEN');
    expect(message).to.contain('4012345 belongs to AssemblyCoMSP');
    expect(w.net.read('lot', [LGTIN])).to.equal(undefined);
  });

  it('when the prefix is registered to no organisation, creating the lot is refused with FORBIDDEN saying it must be registered', async () => {
    const message = await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(LGTIN)), 'FORBIDDEN');
    expect(message).to.contain('registered to no organisation');
    expect(message).to.contain('gs1CompanyPrefixes');
  });

  it('finds the owner whatever the prefix length: a 9-digit prefix owns the GTINs that start with it', async () => {
    await registerPrefixes(w, 'PartsCoMSP', '401234501');
    await registerPrefixes(w, 'AssemblyCoMSP', '401234502');
    await w.partsQm.submit('Lot:CreateLot', lotJson('urn:epc:class:lgtin:4012345.001234.L1'));
    await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('urn:epc:class:lgtin:4012345.002234.L1')), 'FORBIDDEN');
  });

  it('refuses registering a prefix that another organisation owns, or that overlaps one, with CONFLICT', async () => {
    await registerPrefixes(w, 'AssemblyCoMSP', '4012345');
    await expectCode(registerPrefixes(w, 'PartsCoMSP', '4012345'), 'CONFLICT');
    await expectCode(registerPrefixes(w, 'PartsCoMSP', '40123456'), 'CONFLICT');
  });

  it('removing a prefix from a participant frees it for another', async () => {
    await registerPrefixes(w, 'AssemblyCoMSP', '4012345');
    await registerPrefixes(w, 'AssemblyCoMSP');
    await registerPrefixes(w, 'PartsCoMSP', '4012345');
    expect((await w.partsQm.submit('Lot:CreateLot', lotJson(LGTIN))).producer).to.equal('PartsCoMSP');
  });

  it('refuses a prefix that is not 6 to 12 digits with INVALID_ARGUMENT', async () => {
    await expectCode(registerPrefixes(w, 'PartsCoMSP', '12345'), 'INVALID_ARGUMENT');
    await expectCode(registerPrefixes(w, 'PartsCoMSP', '40123A5'), 'INVALID_ARGUMENT');
  });
});
