/**
 * Durability: a full stop and start of the network keeps every committed
 * write. Runs last, because it restarts every process.
 */
import { expect } from 'chai';
import { startNetwork, stopNetwork } from '../../../network/src/network';
import { closeAll, config, connect, contract, uniqueId } from '../support/network';
import { newLot } from '../support/lots';

const decoder = new TextDecoder();

describe('a stop and a start of the whole network', function () {
  after(closeAll);

  it('keeps every committed lot, readable through every peer', async function () {
    const lots = [newLot('CityMSP', uniqueId('DUR')), newLot('PartsCoMSP', uniqueId('DUR'))];
    await contract(connect('City', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lots[0]));
    await contract(connect('PartsCo', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lots[1]));
    closeAll();

    const stopped = await stopNetwork(config);
    expect(stopped).to.include.members(['peer-city', 'orderer-city', 'ca-city', 'chaincode-bank']);
    await startNetwork(config);

    for (const ref of ['City', 'PartsCo', 'AssemblyCo', 'Bank']) {
      for (const lot of lots) {
        const bytes = await contract(connect(ref, 'auditor1')).evaluateTransaction('ReadLot', lot.id);
        expect((JSON.parse(decoder.decode(bytes)) as { id: string }).id, `${lot.id} through ${ref}`).to.equal(lot.id);
      }
    }
  });
});
