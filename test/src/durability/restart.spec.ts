/**
 * Durability: a full stop and start of the network keeps everything that the
 * suite was told is committed. Every write acknowledged before this spec (by
 * any spec of the run: ../support/acknowledged.ts records them as they are
 * acknowledged) is still on every peer as a VALID transaction; every lot those
 * writes name reads the same on every peer, and traces the same backward and
 * forward; and every peer is at the same block height as before. Runs last,
 * because it restarts every process.
 */
import { peer } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { startApis, startNetwork, stopNetwork } from '../../../network/src/network';
import { waitForEqualHeights } from '../faults/support';
import { acknowledgedWrites, type AcknowledgedWrite } from '../support/acknowledged';
import { allInBatches } from '../support/ledger';
import { newLot } from '../support/lots';
import { closeAll, config, connect, contract, uniqueId } from '../support/network';

const ORGS = ['City', 'PartsCo', 'AssemblyCo', 'Bank'];
const TRACE_DEPTH = '50';
const TRACE_NODES = '200';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** Each lot as it reads, and as it traces backward and forward, through one organisation's peer. */
async function lotSnapshot(orgRef: string, lotIds: readonly string[]): Promise<Map<string, string>> {
  const lot = contract(connect(orgRef, 'auditor1'), 'Lot');
  // A refusal is kept as the answer (its first line): the same refusal before and after is no change.
  const answer = (call: Promise<Uint8Array>): Promise<string> =>
    call.then(text, (err: unknown) => `refused: ${(err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''}`);
  const entries = await allInBatches(lotIds, 8, async (id) => {
    const [read, backward, forward] = await Promise.all([
      answer(lot.evaluateTransaction('ReadLot', id)),
      answer(lot.evaluateTransaction('TraceLot', id, 'backward', TRACE_DEPTH, TRACE_NODES)),
      answer(lot.evaluateTransaction('TraceLot', id, 'forward', TRACE_DEPTH, TRACE_NODES)),
    ]);
    return [id, JSON.stringify({ lot: read, backward, forward })] as const;
  });
  return new Map(entries);
}

/** The acknowledged transactions that one organisation's peer does not hold as VALID, with what it says instead. */
async function missingTransactions(orgRef: string, txIds: readonly string[]): Promise<string[]> {
  const qscc = connect(orgRef, 'auditor1').gateway.getNetwork(config.channel).getContract('qscc');
  const verdicts = await allInBatches(txIds, 16, async (txId) => {
    try {
      const processed = peer.ProcessedTransaction.deserializeBinary(
        await qscc.evaluateTransaction('GetTransactionByID', config.channel, txId),
      );
      const code = processed.getValidationcode();
      return code === peer.TxValidationCode.VALID ? undefined : `${txId} on ${orgRef}: validation code ${code}`;
    } catch (err) {
      return `${txId} on ${orgRef}: ${err instanceof Error ? err.message.slice(0, 120) : String(err)}`;
    }
  });
  return verdicts.filter((v): v is string => v !== undefined);
}

describe('a stop and a start of the whole network', function () {
  this.timeout(900_000);
  after(closeAll);

  let acknowledged: AcknowledgedWrite[] = [];
  let ownLots: string[] = [];

  before('writes a few lots of its own, and they are recorded as acknowledged', async function () {
    const lots = [newLot('CityMSP', uniqueId('DUR')), newLot('PartsCoMSP', uniqueId('DUR'))];
    await contract(connect('City', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lots[0]));
    await contract(connect('PartsCo', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lots[1]));
    ownLots = lots.map((l) => l.id);
    acknowledged = acknowledgedWrites();
    const recordedLots = new Set(acknowledged.flatMap((w) => w.lotIds));
    expect(
      ownLots.filter((id) => !recordedLots.has(id)),
      'own writes missing from the record of acknowledged writes',
    ).to.deep.equal([]);
  });

  it('keeps every acknowledged write, every lot and trace they name, and the block height', async function () {
    const txIds = [...new Set(acknowledged.map((w) => w.txId))];
    const lotIds = [...new Set(acknowledged.flatMap((w) => w.lotIds))].sort();
    console.log(`      ${txIds.length} acknowledged transactions, ${lotIds.length} lots`);

    const heightsBefore = await waitForEqualHeights(config, 60);
    const before = await lotSnapshot('Bank', lotIds);
    const refused = lotIds.filter((id) => before.get(id)?.includes('"lot":"refused'));
    expect(refused, 'acknowledged lots that cannot be read before the restart').to.deep.equal([]);
    closeAll();

    const { stopped, notExited } = await stopNetwork(config);
    expect(stopped).to.include.members(['peer-city', 'orderer-city', 'ca-city', 'chaincode-bank']);
    expect(notExited).to.deep.equal([]);
    await startNetwork(config);
    await startApis(config);

    const heightsAfter = await waitForEqualHeights(config, 60);
    const [hb] = [...heightsBefore.values()];
    const [ha] = [...heightsAfter.values()];
    console.log(`      block height before ${hb}, after ${ha}, on every peer`);
    expect(
      [...heightsAfter.values()].every((h) => h === ha),
      `heights after: ${JSON.stringify([...heightsAfter])}`,
    ).to.equal(true);
    expect(ha).to.be.at.least(hb as number);

    for (const orgRef of ORGS) {
      const missing = await missingTransactions(orgRef, txIds);
      expect(missing, `acknowledged transactions missing on ${orgRef}'s peer (of ${txIds.length})`).to.deep.equal([]);
      const after = await lotSnapshot(orgRef, lotIds);
      const changed = lotIds.filter((id) => after.get(id) !== before.get(id));
      expect(changed, `lots that read or trace differently through ${orgRef}'s peer (of ${lotIds.length})`).to.deep.equal([]);
    }
  });
});
