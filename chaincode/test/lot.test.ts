import { expect } from 'chai';
import { EVENTS } from '@lotline/domain';
import { expectCode, input, lotInput, lotJson, registerPrefixes, world, type World } from './support/fixtures';

const P1 = 'PartsCoMSP:P1';

describe('Lot:CreateLot', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  describe('when a PartsCo quality manager creates a source lot', () => {
    it('records PartsCo as producer and custodian, status active, and the tx time', async () => {
      const lot = await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
      expect(lot).to.include({ id: P1, producer: 'PartsCoMSP', custodian: 'PartsCoMSP', status: 'active' });
      expect(lot.createdAt).to.equal('2026-01-01T00:00:01.500Z');
      expect(lot.attributes).to.deep.equal({});
    });

    it('emits one LotCreated event carrying lotId, type and txId', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
      const event = w.net.events.at(-1);
      expect(event?.name).to.equal(EVENTS.LotCreated);
      expect(event?.payload).to.include({ lotId: P1, type: 'LotCreated', txId: w.net.last?.txId });
    });

    it('stores the lot as JSON with sorted keys', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson(P1, { attributes: { z: '1', a: '2' } }));
      const raw = [...(w.net.last?.writes.values() ?? [])].map((b) => b?.toString() ?? '');
      const doc = raw.find((s) => s.includes('"docType":"lot"')) as string;
      expect(doc.indexOf('"attributes"')).to.be.lessThan(doc.indexOf('"createdAt"'));
      expect(doc).to.contain('{"a":"2","z":"1"}');
    });

    it('accepts admin and inspector too', async () => {
      await w.partsAdmin.submit('Lot:CreateLot', lotJson('PartsCoMSP:A'));
      await w.partsInspector.submit('Lot:CreateLot', lotJson('PartsCoMSP:B'));
      expect(w.net.read('lot', ['PartsCoMSP:B']).producer).to.equal('PartsCoMSP');
    });
  });

  describe('when the input claims a producer or custodian', () => {
    it('refuses a producer field naming another org with FORBIDDEN and writes nothing', async () => {
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(P1, { producer: 'AssemblyCoMSP' })), 'FORBIDDEN');
      expect(w.net.read('lot', [P1])).to.equal(undefined);
    });

    it('refuses a custodian field even when it names the caller', async () => {
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(P1, { custodian: 'PartsCoMSP' })), 'FORBIDDEN');
    });
  });

  describe('when the caller may not create lots', () => {
    it('refuses an auditor with FORBIDDEN', async () => {
      await expectCode(w.partsAuditor.submit('Lot:CreateLot', lotJson(P1)), 'FORBIDDEN');
    });

    it('refuses an identity without a role attribute', async () => {
      await expectCode(w.partsNoRole.submit('Lot:CreateLot', lotJson(P1)), 'FORBIDDEN');
    });

    it('refuses an unknown role value as if there were none', async () => {
      await expectCode(w.net.as('PartsCoMSP', 'superuser').submit('Lot:CreateLot', lotJson(P1)), 'FORBIDDEN');
    });

    it('refuses an id qualified by another organisation', async () => {
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('AssemblyCoMSP:X')), 'FORBIDDEN');
    });
  });

  describe('input validation', () => {
    it('accepts a GS1 LGTIN id from the owner of its company prefix', async () => {
      await registerPrefixes(w, 'PartsCoMSP', '4012345');
      const lot = await w.partsQm.submit('Lot:CreateLot', lotJson('urn:epc:class:lgtin:4012345.012345.998877'));
      expect(lot.id).to.equal('urn:epc:class:lgtin:4012345.012345.998877');
    });

    const invalid: [string, string][] = [
      ['an LGTIN whose prefix and item reference are not 13 digits', lotJson('urn:epc:class:lgtin:4012345.0123.1')],
      ['an id with spaces', lotJson('PartsCoMSP:bad id')],
      ['an unqualified id', lotJson('P1')],
      ['a lower-case unit', lotJson(P1, { quantity: { amount: 1, unit: 'kg' } })],
      ['a four-letter unit', lotJson(P1, { quantity: { amount: 1, unit: 'KGMS' } })],
      ['a zero amount', lotJson(P1, { quantity: { amount: 0, unit: 'KGM' } })],
      ['an amount with more than 6 decimals', lotJson(P1, { quantity: { amount: 1.0000001, unit: 'KGM' } })],
      ['an amount above the limit', lotJson(P1, { quantity: { amount: 2e9, unit: 'KGM' } })],
      ['an unknown field', lotJson(P1, { colour: 'red' })],
      ['a missing process', JSON.stringify({ ...lotInput(P1), process: undefined })],
      ['too many attributes', lotJson(P1, { attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) })],
      ['text that is not JSON', '{not json'],
      ['a JSON array', '[]'],
    ];
    for (const [what, json] of invalid) {
      it(`refuses ${what} with INVALID_ARGUMENT`, async () => {
        await expectCode(w.partsQm.submit('Lot:CreateLot', json), 'INVALID_ARGUMENT');
      });
    }

    it('refuses an argument larger than 64 KiB', async () => {
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(P1, { pad: 'x'.repeat(70_000) })), 'INVALID_ARGUMENT');
    });
  });

  describe('when the id already exists', () => {
    it('refuses with LOT_EXISTS', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson(P1)), 'LOT_EXISTS');
    });
  });

  describe('with inputs', () => {
    beforeEach(async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson(P1, { quantity: { amount: 10, unit: 'KGM' } }));
    });

    it('consumes the input quantity and links parent and child both ways', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 4)] }));
      const parent = await w.partsQm.evaluate('Lot:ReadLot', P1);
      expect(parent.remaining).to.deep.equal({ amount: 6, unit: 'KGM' });
      const forward = await w.partsQm.evaluate('Lot:TraceLot', P1, 'forward', '1', '10');
      const backward = await w.partsQm.evaluate('Lot:TraceLot', 'PartsCoMSP:C1', 'backward', '1', '10');
      const edge = { from: P1, to: 'PartsCoMSP:C1', quantity: { amount: 4, unit: 'KGM' } };
      expect(forward.edges).to.deep.equal([edge]);
      expect(backward.edges).to.deep.equal([edge]);
    });

    it('does not rewrite the parent lot document', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 4)] }));
      const written = [...(w.net.last?.writes.keys() ?? [])];
      expect(written.some((k) => k === '\u0000lot\u0000PartsCoMSP:P1\u0000')).to.equal(false);
      expect(w.net.history.get('\u0000lot\u0000PartsCoMSP:P1\u0000')).to.have.length(1);
    });

    it('writes only one balance shard of the parent for a small consumption', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 0.1)] }));
      const parentShards = [...(w.net.last?.writes.keys() ?? [])].filter((k) =>
        k.startsWith('\u0000lot\u0000PartsCoMSP:P1\u0000balance\u0000'),
      );
      expect(parentShards).to.have.length(1);
    });

    it('refuses consumption beyond the remaining quantity with INSUFFICIENT_QUANTITY', async () => {
      await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 7)] }));
      await expectCode(
        w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C2', { inputs: [input(P1, 3.000001)] })),
        'INSUFFICIENT_QUANTITY',
      );
      expect(w.net.read('lot', ['PartsCoMSP:C2'])).to.equal(undefined);
    });

    it('allows consuming exactly what remains, then shows the parent as consumed', async () => {
      for (let i = 0; i < 10; i++) await w.partsQm.submit('Lot:CreateLot', lotJson(`PartsCoMSP:C${i}`, { inputs: [input(P1, 1)] }));
      const parent = await w.partsQm.evaluate('Lot:ReadLot', P1);
      expect(parent.remaining.amount).to.equal(0);
      expect(parent.status).to.equal('consumed');
      await expectCode(
        w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C10', { inputs: [input(P1, 0.000001)] })),
        'INSUFFICIENT_QUANTITY',
      );
    });

    it('keeps decimal arithmetic exact over many small consumptions', async () => {
      for (let i = 0; i < 30; i++) await w.partsQm.submit('Lot:CreateLot', lotJson(`PartsCoMSP:D${i}`, { inputs: [input(P1, 0.1)] }));
      expect((await w.partsQm.evaluate('Lot:ReadLot', P1)).remaining.amount).to.equal(7);
    });

    it('refuses an input in another org’s custody with FORBIDDEN', async () => {
      await expectCode(w.assemblyQm.submit('Lot:CreateLot', lotJson('AssemblyCoMSP:A1', { inputs: [input(P1, 1)] })), 'FORBIDDEN');
    });

    it('refuses an unknown input with LOT_NOT_FOUND', async () => {
      await expectCode(
        w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input('PartsCoMSP:nope', 1)] })),
        'LOT_NOT_FOUND',
      );
    });

    it('refuses an input in a different unit with INVALID_ARGUMENT', async () => {
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 1, 'TNE')] })), 'INVALID_ARGUMENT');
    });

    it('refuses the same input listed twice', async () => {
      await expectCode(
        w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 1), input(P1, 1)] })),
        'INVALID_ARGUMENT',
      );
    });

    it('after a transfer, lets the new custodian consume it and refuses the old one', async () => {
      await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
      await w.assemblyQm.submit('Lot:AcceptTransfer', P1);
      await w.assemblyQm.submit('Lot:CreateLot', lotJson('AssemblyCoMSP:A1', { inputs: [input(P1, 1)] }));
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:C1', { inputs: [input(P1, 1)] })), 'FORBIDDEN');
    });
  });
});

describe('Lot:SplitLot', () => {
  it('creates a child whose only input is the parent, for a partial shipment', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1, { quantity: { amount: 10, unit: 'EA' } }));
    const child = await w.partsQm.submit(
      'Lot:SplitLot',
      P1,
      JSON.stringify({
        id: 'PartsCoMSP:P1-a',
        product: { code: 'BRK-100', name: 'Brake bracket' },
        quantity: { amount: 4, unit: 'EA' },
        process: { site: 'Plant 1', line: 'ship' },
      }),
    );
    expect(child.inputs).to.deep.equal([{ lotId: P1, quantity: { amount: 4, unit: 'EA' } }]);
    expect((await w.partsQm.evaluate('Lot:ReadLot', P1)).remaining.amount).to.equal(6);
    expect(w.net.events.at(-1)?.payload).to.include({ splitFrom: P1, lotId: 'PartsCoMSP:P1-a' });
  });

  it('refuses a child that lists its own inputs', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    await expectCode(w.partsQm.submit('Lot:SplitLot', P1, JSON.stringify(lotInput('PartsCoMSP:c', { inputs: [] }))), 'INVALID_ARGUMENT');
  });

  it('refuses a child quantity above what the parent has left', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1, { quantity: { amount: 1, unit: 'KGM' } }));
    const child = lotInput('PartsCoMSP:c', { quantity: { amount: 2, unit: 'KGM' } });
    delete child.inputs;
    await expectCode(w.partsQm.submit('Lot:SplitLot', P1, JSON.stringify(child)), 'INSUFFICIENT_QUANTITY');
  });
});

describe('Lot:ImportLots', () => {
  it('creates a batch in one transaction, where later lots consume earlier ones', async () => {
    const w = world();
    const lots = [lotInput('PartsCoMSP:R', { quantity: { amount: 5, unit: 'KGM' } })];
    for (let i = 0; i < 5; i++)
      lots.push(lotInput(`PartsCoMSP:K${i}`, { quantity: { amount: 1, unit: 'KGM' }, inputs: [input('PartsCoMSP:R', 1)] }));
    const result = await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots }));
    expect(result.count).to.equal(6);
    expect(w.net.events.at(-1)?.name).to.equal(EVENTS.LotsImported);
    expect((await w.partsQm.evaluate('Lot:ReadLot', 'PartsCoMSP:R')).remaining.amount).to.equal(0);
    const trace = await w.partsQm.evaluate('Lot:TraceLot', 'PartsCoMSP:R', 'forward', '5', '100');
    expect(trace.nodes).to.have.length(6);
  });

  it('applies the quantity rule inside the batch and writes nothing when it fails', async () => {
    const w = world();
    const lots = [lotInput('PartsCoMSP:R', { quantity: { amount: 1, unit: 'KGM' } })];
    lots.push(
      lotInput('PartsCoMSP:K1', { inputs: [input('PartsCoMSP:R', 1)] }),
      lotInput('PartsCoMSP:K2', { inputs: [input('PartsCoMSP:R', 1)] }),
    );
    await expectCode(w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots })), 'INSUFFICIENT_QUANTITY');
    expect(w.net.read('lot', ['PartsCoMSP:R'])).to.equal(undefined);
  });

  it('refuses a duplicate id inside the batch with LOT_EXISTS', async () => {
    const w = world();
    await expectCode(w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots: [lotInput(P1), lotInput(P1)] })), 'LOT_EXISTS');
  });

  it('refuses a batch entry that claims a producer, and batches over 500 lots', async () => {
    const w = world();
    await expectCode(w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots: [lotInput(P1, { producer: 'CityMSP' })] })), 'FORBIDDEN');
    const many = Array.from({ length: 501 }, (_, i) => lotInput(`PartsCoMSP:M${i}`));
    await expectCode(w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots: many })), 'INVALID_ARGUMENT');
  });
});

describe('Lot:ReadLot and Lot:GetLotHistory', () => {
  it('lets an auditor of another org and an identity without role read a lot', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', P1)).id).to.equal(P1);
    expect((await w.partsNoRole.evaluate('Lot:ReadLot', P1)).affected).to.equal(false);
  });

  it('answers LOT_NOT_FOUND for an unknown lot', async () => {
    const w = world();
    await expectCode(w.bankAuditor.evaluate('Lot:ReadLot', 'PartsCoMSP:none'), 'LOT_NOT_FOUND');
    await expectCode(w.bankAuditor.evaluate('Lot:GetLotHistory', 'PartsCoMSP:none', '10', ''), 'LOT_NOT_FOUND');
  });

  it('returns every modification of the lot with tx ids and ISO timestamps', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    const createTx = w.net.last?.txId;
    await w.partsQm.submit('Lot:ProposeTransfer', P1, 'AssemblyCoMSP');
    await w.assemblyQm.submit('Lot:AcceptTransfer', P1);
    const acceptTx = w.net.last?.txId;
    const { history, bookmark } = await w.bankAuditor.evaluate('Lot:GetLotHistory', P1, '10', '');
    expect(history.map((h: { txId: string }) => h.txId)).to.deep.equal([createTx, acceptTx]);
    expect(history[1]).to.deep.include({ isDelete: false, timestamp: '2026-01-01T00:00:03.500Z' });
    expect(history[1].value.custodian).to.equal('AssemblyCoMSP');
    expect(bookmark).to.equal('');
  });

  it('pages the history with a bookmark, oldest first, without repeats or gaps', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    const txIds = [w.net.last?.txId];
    for (let i = 0; i < 4; i++) {
      const hold = await w.partsQm.submit('Quality:PlaceHold', P1, JSON.stringify({ reason: `r${i}`, includeDescendants: false }));
      txIds.push(w.net.last?.txId);
      await w.partsQm.submit('Quality:ReleaseHold', P1, hold.holdId, 'ok');
      txIds.push(w.net.last?.txId);
    }
    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const page = await w.bankAuditor.evaluate('Lot:GetLotHistory', P1, '4', bookmark);
      expect(page.history.length).to.be.at.most(4);
      seen.push(...page.history.map((h: { txId: string }) => h.txId));
      bookmark = page.bookmark;
      pages++;
    } while (bookmark !== '' && pages < 10);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(txIds);
  });

  it('refuses a bookmark it did not issue, and a page size out of range, with INVALID_ARGUMENT', async () => {
    const w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    await expectCode(w.bankAuditor.evaluate('Lot:GetLotHistory', P1, '10', 'x1'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:GetLotHistory', P1, '0', ''), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:GetLotHistory', P1, '1001', ''), 'INVALID_ARGUMENT');
  });
});
