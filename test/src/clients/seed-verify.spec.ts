/**
 * The demo seed against the real network, and `lotline verify` checking one of
 * its transactions on the Bank's own peer, against the Bank's API (the runner
 * starts one API per organisation) and with no API involved (--skip-api).
 */
import { expect } from 'chai';
import { seedDemo } from '../../../clients/src/demo/seed';
import { COIL_LOT, DEFECTIVE_LOT, HELD_LOT, RECALL_ID } from '../../../clients/src/demo/scenario';
import { cli } from '../support/cli';
import { mintToken } from '../../../clients/src/token';
import { categorize } from '../../../clients/src/status';
import type { Lot, QualityEvent, Trace } from '../../../clients/src/api-types';
import { closeAll, config, connect, contract } from '../support/network';

const decode = (bytes: Uint8Array): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));

describe('clients: demo seed and independent verification', function () {
  this.timeout(240_000);
  after(closeAll);

  describe('seedDemo', () => {
    it('seeds the scenario, and a second run detects it and writes nothing', async () => {
      await seedDemo({ config });
      const again = await seedDemo({ config });
      expect(again.alreadySeeded).to.equal(true);
      expect(again.created).to.equal(0);
      expect(again.defectiveLot).to.equal(DEFECTIVE_LOT);
    });

    it('leaves the defective lot recalled after City failed its plating inspection', async () => {
      const lot = contract(connect('Bank', 'auditor1'), 'Lot');
      const quality = contract(connect('Bank', 'auditor1'), 'Quality');
      const read = decode(await lot.evaluateTransaction('ReadLot', DEFECTIVE_LOT)) as Lot;
      expect(read.status).to.equal('recalled');
      expect(read.recall?.recallId).to.equal(RECALL_ID);
      const { events } = decode(await quality.evaluateTransaction('ListQualityEvents', DEFECTIVE_LOT, '1000', '')) as {
        events: QualityEvent[];
      };
      const failed = events.find((e) => e.type === 'inspection' && e.verdict === 'fail');
      expect(failed?.recordedBy).to.include({ msp: 'CityMSP', role: 'inspector' });
      expect(failed?.measurements?.[0]).to.include({ characteristic: 'zinc coating thickness', value: 6.1, lower: 8, upper: 12 });
    });

    it('colours the coil forward trace: recalled branch, held branch, shipped lots affected', async () => {
      const lot = contract(connect('PartsCo', 'qm1'), 'Lot');
      const trace = decode(await lot.evaluateTransaction('TraceLot', COIL_LOT, 'forward', '10', '100')) as Trace;
      const category = Object.fromEntries(trace.nodes.map((n) => [n.id, categorize(n)]));
      expect(category).to.include({
        [DEFECTIVE_LOT]: 'recalled',
        'AssemblyCoMSP:SHIP-2026-0001': 'affected',
        'AssemblyCoMSP:SHIP-2026-0002': 'affected',
        [HELD_LOT]: 'on_hold',
        'AssemblyCoMSP:SHIP-2026-0003': 'on_hold',
        'PartsCoMSP:STAMP-2026-0001': 'passed',
      });
      expect(trace.nodes).to.have.length(12);
    });
  });

  describe('lotline verify against the API', () => {
    it("when the Bank's API and the Bank's own peer agree, every check passes, the shown lot version included, and it exits 0", async () => {
      const lot = contract(connect('Bank', 'auditor1'), 'Lot');
      const read = decode(await lot.evaluateTransaction('ReadLot', COIL_LOT)) as Lot;
      const token = await mintToken(config, { org: 'Bank', user: 'auditor1' });
      const { code, out } = await cli(['--org', 'Bank', '--token', token, '--json', 'verify', read.createdTxId, '--lot', COIL_LOT]);
      const result = JSON.parse(out) as { verified: boolean; checks: { name: string; ok: boolean }[] };
      expect(result.checks.filter((c) => !c.ok)).to.deep.equal([]);
      expect(result.checks.map((c) => c.name)).to.include.members(['block number', 'creator MSP', 'endorsing MSPs', 'write set keys']);
      expect(result.checks.some((c) => c.name.endsWith('equals the write set'))).to.equal(true);
      expect(result.verified).to.equal(true);
      expect(code).to.equal(0);
    });
  });

  describe('lotline verify --skip-api', () => {
    it("when the transaction is on the Bank's peer, every check passes and it exits 0", async () => {
      const lot = contract(connect('Bank', 'auditor1'), 'Lot');
      const read = decode(await lot.evaluateTransaction('ReadLot', DEFECTIVE_LOT)) as Lot;
      const { code, out } = await cli(['verify', read.createdTxId, '--skip-api', '--json']);
      const result = JSON.parse(out) as {
        verified: boolean;
        own: { creator: { mspId: string }; validationCode: string; endorsements: unknown[] };
      };
      expect(code).to.equal(0);
      expect(result.verified).to.equal(true);
      expect(result.own.creator.mspId).to.equal('PartsCoMSP');
      expect(result.own.validationCode).to.equal('VALID');
      expect(result.own.endorsements.length).to.be.at.least(2);
    });

    it('when the transaction does not exist, it exits 2', async () => {
      const { code } = await cli(['verify', 'f'.repeat(64), '--skip-api']);
      expect(code).to.equal(2);
    });
  });
});
