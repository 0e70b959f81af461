import { expect } from 'chai';
import { expectCode, input, lotInput, lotJson, world, type World } from './support/fixtures';

/**
 * Quantities are exact on the ledger: any amount with at most 6 decimals up
 * to 1e9 is accepted and consumed to the millionth, through the real
 * transactions on the stubbed ledger (the JSON goes through JSON.stringify and
 * JSON.parse as on the wire).
 */

const id = (n: string): string => `PartsCoMSP:${n}`;
const kg = (amount: number) => ({ amount, unit: 'KGM' });

async function read(w: World, lotId: string): Promise<{ quantity: { amount: number }; remaining: { amount: number }; status: string }> {
  return w.bankAuditor.evaluate('Lot:ReadLot', lotId);
}

async function split(w: World, parentId: string, childId: string, amount: number): Promise<unknown> {
  return w.partsQm.submit('Lot:SplitLot', parentId, JSON.stringify({ ...lotInput(childId, { quantity: kg(amount) }), inputs: undefined }));
}

describe('exact quantities', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  describe('amounts near powers of two and at the bounds', () => {
    for (const amount of [16384.005, 16384.004, 16383.999999, 1048576.000001, 536870912.999999, 999999999.999999, 1e9, 0.000001]) {
      it(`creates a lot of ${amount} KGM and reads back exactly ${amount} remaining`, async () => {
        const created = await w.partsQm.submit('Lot:CreateLot', lotJson(id('A'), { quantity: kg(amount) }));
        expect(created.quantity.amount).to.equal(amount);
        const lot = await read(w, id('A'));
        expect(lot.remaining.amount).to.equal(amount);
        expect(lot.status).to.equal('active');
      });
    }
  });

  it('consumes 16384.005 as an input, leaving the exact difference', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: kg(20000) }));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C'), { quantity: kg(16384.005), inputs: [input(id('P'), 16384.005)] }));
    expect((await read(w, id('P'))).remaining.amount).to.equal(3615.995);
  });

  it('consumes a remainder of 16384.005 in full after partial draws, and then nothing more', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: kg(20000) }));
    await split(w, id('P'), id('S1'), 3000.5);
    await split(w, id('P'), id('S2'), 615.495);
    expect((await read(w, id('P'))).remaining.amount).to.equal(16384.005);
    await split(w, id('P'), id('S3'), 16384.005);
    const parent = await read(w, id('P'));
    expect(parent.remaining.amount).to.equal(0);
    expect(parent.status).to.equal('consumed');
    const message = await expectCode(split(w, id('P'), id('S4'), 0.000001), 'INSUFFICIENT_QUANTITY');
    expect(message).to.contain('has 0 KGM remaining, 0.000001 KGM requested');
  });

  it('1000 draws of 0.001 exhaust a lot of 1 exactly: 0.001 is left after 999, 0 after 1000', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: kg(1) }));
    const draws = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => lotInput(id(`D${from + i}`), { quantity: kg(0.001), inputs: [input(id('P'), 0.001)] }));
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots: draws(0, 500) }));
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots: draws(500, 499) }));
    expect((await read(w, id('P'))).remaining.amount).to.equal(0.001);
    await split(w, id('P'), id('LAST'), 0.001);
    const parent = await read(w, id('P'));
    expect(parent.remaining.amount).to.equal(0);
    expect(parent.status).to.equal('consumed');
    await expectCode(split(w, id('P'), id('MORE'), 0.000001), 'INSUFFICIENT_QUANTITY');
  });

  describe('refusals', () => {
    for (const amount of [16384.0000001, 0.0000001]) {
      it(`refuses a lot of ${amount} (7 decimals) with INVALID_ARGUMENT naming the 6-decimal limit`, async () => {
        const message = await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(id('A'), { quantity: kg(amount) })), 'INVALID_ARGUMENT');
        expect(message).to.contain('more than 6 decimals');
        await expectCode(read(w, id('A')), 'LOT_NOT_FOUND');
      });
    }

    it('refuses to consume an input amount with 7 decimals, and consumes nothing', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: kg(20000) }));
      const child = lotJson(id('C'), { quantity: kg(1), inputs: [input(id('P'), 16384.0050001)] });
      expect(await expectCode(w.partsQm.submit('Lot:CreateLot', child), 'INVALID_ARGUMENT')).to.contain('more than 6 decimals');
      expect((await read(w, id('P'))).remaining.amount).to.equal(20000);
    });

    for (const amount of [1000000000.000001, 2 ** 53]) {
      it(`refuses a lot of ${amount}, above the 1e9 limit, with INVALID_ARGUMENT naming it`, async () => {
        const message = await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(id('A'), { quantity: kg(amount) })), 'INVALID_ARGUMENT');
        expect(message).to.contain('1000000000');
      });
    }
  });
});
