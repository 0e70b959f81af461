/**
 * Fault: the whole network stops and starts. Every lot, its lineage, its
 * trace and every peer's block height are exactly as before. Runs last.
 */
import { expect } from 'chai';
import { startApis, startNetwork, stopNetwork } from '../../../network/src/network';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import { assertApisRunning } from './api';
import { faultConnection, waitForEqualHeights } from './support';

describe('fault: a stop and a start of the whole network', function () {
  it('keeps every lot, its lineage and trace, and the block height', async function () {
    assertApisRunning();
    const writer = faultConnection(config, org('PartsCo'), 'qm1');
    const parents = [newLot('PartsCoMSP', uniqueId('NETA')), newLot('PartsCoMSP', uniqueId('NETB'))];
    const child = newLot('PartsCoMSP', uniqueId('NETC'), {
      amount: 2,
      inputs: parents.map((p) => ({ lotId: p.id, quantity: { amount: 1, unit: 'EA' } })),
    });
    try {
      for (const lot of [...parents, child]) await writer.contract.submitTransaction('CreateLot', JSON.stringify(lot));
    } finally {
      writer.close();
    }
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      for (const ref of ['City', 'PartsCo', 'AssemblyCo', 'Bank']) {
        const reader = faultConnection(config, org(ref), 'auditor1');
        try {
          for (const lot of [...parents, child]) {
            out[`${ref} ${lot.id}`] = JSON.parse(
              Buffer.from(await reader.contract.evaluateTransaction('ReadLot', lot.id)).toString('utf8'),
            );
          }
          out[`${ref} trace`] = JSON.parse(
            Buffer.from(await reader.contract.evaluateTransaction('TraceLot', child.id, 'backward', '10', '100')).toString('utf8'),
          );
        } finally {
          reader.close();
        }
      }
      return out;
    };
    const heightsBefore = await waitForEqualHeights(config, 60);
    const before = await snapshot();

    const { stopped, notExited } = await stopNetwork(config);
    expect(stopped).to.include.members(['peer-city', 'orderer-city', 'chaincode-bank']);
    expect(notExited).to.deep.equal([]);
    await startNetwork(config);
    await startApis(config);

    const heightsAfter = await waitForEqualHeights(config, 60);
    const [hb] = [...heightsBefore.values()];
    const [ha] = [...heightsAfter.values()];
    console.log(`      block height before ${hb}, after ${ha}`);
    // A chaincode rebuilt by someone else meanwhile may add lifecycle blocks, never remove any.
    expect(ha).to.be.at.least(hb as number);
    expect(await snapshot()).to.deep.equal(before);
  });
});
