import { EVENTS } from '@lotline/domain';
import { expect } from 'chai';
import { expectCode, lotJson, world, type World } from './support/fixtures';

const P1 = 'PartsCoMSP:P1';

describe('custody transfer', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
  });

  describe('Lot:ProposeTransfer', () => {
    it('lets the custodian propose, without changing the custodian yet', async () => {
      const proposal = await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
      expect(proposal).to.include({ lotId: P1, from: 'PartsCoMSP', to: 'AssemblyCoMSP' });
      expect(w.net.events.at(-1)?.name).to.equal(EVENTS.CustodyTransferProposed);
      const lot = await w.bankAuditor.evaluate('Lot:ReadLot', P1);
      expect(lot.custodian).to.equal('PartsCoMSP');
      expect(lot.pendingTransfer.to).to.equal('AssemblyCoMSP');
    });

    it('refuses a proposal from an org that is not the custodian', async () => {
      await expectCode(w.assemblyQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP'), 'FORBIDDEN');
    });

    it('refuses the custodian’s auditor and inspector', async () => {
      await expectCode(w.partsAuditor.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP'), 'FORBIDDEN');
      await expectCode(w.partsInspector.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP'), 'FORBIDDEN');
    });

    it('refuses a second proposal while one is pending with CONFLICT', async () => {
      await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
      await expectCode(w.partsQm.submit('Lot:ProposeTransfer', P1, 'CityMSP'), 'CONFLICT');
    });

    it('refuses a transfer to the current custodian or to a malformed MSP ID', async () => {
      await expectCode(w.partsQm.submit('Lot:ProposeTransfer', P1, 'PartsCoMSP'), 'INVALID_ARGUMENT');
      await expectCode(w.partsQm.submit('Lot:ProposeTransfer', P1, 'bad msp!'), 'INVALID_ARGUMENT');
    });

    it('refuses a lot on hold with LOT_ON_HOLD', async () => {
      await w.partsQm.submit('Quality:PlaceHold', P1, JSON.stringify({ reason: 'check', includeDescendants: false }));
      await expectCode(w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP'), 'LOT_ON_HOLD');
    });

    it('refuses a recalled lot with LOT_RECALLED', async () => {
      await w.partsQm.submit('Quality:StartRecall', P1, JSON.stringify({ reason: 'defect' }));
      await expectCode(w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP'), 'LOT_RECALLED');
    });
  });

  describe('Lot:AcceptTransfer', () => {
    beforeEach(async () => {
      await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
    });

    it('lets the receiving org accept, making it custodian, and emits CustodyTransferred', async () => {
      const lot = await w.assemblyAdmin.submit('Lot:AcceptTransfer', P1);
      expect(lot.custodian).to.equal('AssemblyCoMSP');
      expect(lot.producer).to.equal('PartsCoMSP');
      expect(w.net.events.at(-1)).to.deep.include({ name: EVENTS.CustodyTransferred });
      expect(w.net.events.at(-1)?.payload).to.include({ lotId: P1, from: 'PartsCoMSP', to: 'AssemblyCoMSP' });
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', P1)).pendingTransfer).to.equal(null);
    });

    it('refuses acceptance by the proposing org or a third org', async () => {
      await expectCode(w.partsQm.submit('Lot:AcceptTransfer', P1), 'FORBIDDEN');
      await expectCode(w.cityAdmin.submit('Lot:AcceptTransfer', P1), 'FORBIDDEN');
    });

    it('refuses acceptance by the receiving org’s auditor', async () => {
      await expectCode(w.net.as('AssemblyCoMSP', 'auditor').submit('Lot:AcceptTransfer', P1), 'FORBIDDEN');
    });

    it('refuses acceptance when the lot went on hold after the proposal', async () => {
      await w.partsQm.submit('Quality:PlaceHold', P1, JSON.stringify({ reason: 'late finding', includeDescendants: false }));
      await expectCode(w.assemblyQm.submit('Lot:AcceptTransfer', P1), 'LOT_ON_HOLD');
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', P1)).custodian).to.equal('PartsCoMSP');
    });

    it('refuses acceptance when an ancestor was recalled after the proposal', async () => {
      const w2 = world();
      await w2.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:R'));
      await w2.partsQm.submit(
        'Lot:CreateLot',
        lotJson('PartsCoMSP:C', { inputs: [{ lotId: 'PartsCoMSP:R', quantity: { amount: 1, unit: 'KGM' } }] }),
      );
      await w2.partsQm.submit('Lot:ProposeTransfer', 'PartsCoMSP:C', 'AssemblyCoMSP');
      await w2.partsQm.submit('Quality:StartRecall', 'PartsCoMSP:R', JSON.stringify({ reason: 'contamination' }));
      await expectCode(w2.assemblyQm.submit('Lot:AcceptTransfer', 'PartsCoMSP:C'), 'LOT_RECALLED');
    });

    it('answers TRANSFER_NOT_FOUND when nothing is pending', async () => {
      await w.assemblyQm.submit('Lot:AcceptTransfer', P1);
      await expectCode(w.assemblyQm.submit('Lot:AcceptTransfer', P1), 'TRANSFER_NOT_FOUND');
    });
  });

  describe('Lot:RejectTransfer and Lot:CancelTransfer', () => {
    beforeEach(async () => {
      await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
    });

    it('lets the receiving org reject with a reason; the lot stays put', async () => {
      const result = await w.assemblyQm.submit('Lot:RejectTransfer', P1, 'not ordered');
      expect(result).to.include({ reason: 'not ordered', to: 'AssemblyCoMSP' });
      expect(w.net.events.at(-1)?.name).to.equal(EVENTS.CustodyTransferRejected);
      const lot = await w.bankAuditor.evaluate('Lot:ReadLot', P1);
      expect(lot).to.include({ custodian: 'PartsCoMSP', pendingTransfer: null });
    });

    it('refuses a rejection by the proposing org', async () => {
      await expectCode(w.partsQm.submit('Lot:RejectTransfer', P1, 'changed my mind'), 'FORBIDDEN');
    });

    it('refuses a rejection without a reason', async () => {
      await expectCode(w.assemblyQm.submit('Lot:RejectTransfer', P1, '  '), 'INVALID_ARGUMENT');
    });

    it('lets the custodian cancel its proposal but not the receiver', async () => {
      await expectCode(w.assemblyQm.submit('Lot:CancelTransfer', P1), 'FORBIDDEN');
      await w.partsQm.submit('Lot:CancelTransfer', P1);
      expect(w.net.events.at(-1)?.name).to.equal(EVENTS.CustodyTransferCancelled);
      await expectCode(w.assemblyQm.submit('Lot:AcceptTransfer', P1), 'TRANSFER_NOT_FOUND');
    });
  });
});
