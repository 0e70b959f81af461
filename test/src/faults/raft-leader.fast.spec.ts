/**
 * Fault: the Raft leader dies (kill -9) while writes are coming in. A new
 * leader takes over, writes started after the kill commit within 10 s, and
 * every write that was acknowledged before, during or after is on the ledger.
 */
import { expect } from 'chai';
import { ordererProcessName, startOrderer, waitForRaftLeader } from '../../../network/src/nodes';
import { killProcess, runningPid } from '../../../network/src/processes';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import { faultConnection, type FaultConnection, missingAfterReadBack, OpenLoopWriter, raftLeader, waitForEqualHeights } from './support';
import type { Org } from '../../../network/src/config';

const RATE = Number(process.env.FAULT_RATE ?? 5);

describe('fault: kill -9 of the Raft leader under load', function () {
  let victim: Org | undefined;
  let writer: FaultConnection;
  let reader: FaultConnection;

  before(function () {
    writer = faultConnection(config, org('PartsCo'), 'qm1');
    reader = faultConnection(config, org('Bank'), 'auditor1');
  });

  after(async function () {
    if (victim && runningPid(config, ordererProcessName(victim)) === undefined) await startOrderer(config, victim);
    await waitForRaftLeader(config);
    writer.close();
    reader.close();
  });

  it('resumes writes within 10 s and loses no acknowledged write', async function () {
    await waitForRaftLeader(config);
    const prefix = uniqueId('RAFTKILL');
    const load = new OpenLoopWriter(
      (id) => writer.contract.submitTransaction('CreateLot', JSON.stringify(newLot('PartsCoMSP', id))).then(() => undefined),
      { ratePerSec: RATE, maxInFlight: 40, maxWrites: RATE * 60, idPrefix: prefix },
    );
    load.start();
    try {
      // Some writes commit before the fault.
      const deadline = Date.now() + 30_000;
      while (load.acks.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(load.acks.length, 'no write committed before the fault').to.be.at.least(3);

      victim = await raftLeader(config);
      expect(victim, 'no Raft leader found').to.not.equal(undefined);
      const killedAt = Date.now();
      expect(killProcess(config, ordererProcessName(victim as Org))).to.be.a('number');

      // Wait (bounded) for a write started after the kill to commit.
      const until = killedAt + 30_000;
      while (load.firstAckStartedAfter(killedAt) === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const first = load.firstAckStartedAfter(killedAt);
      const resumeMs = first === undefined ? Number.POSITIVE_INFINITY : first.ackedAt - killedAt;
      console.log(`      leader ${victim?.name} killed; first write started after the kill committed ${resumeMs} ms later`);
      expect(resumeMs, 'writes resumed within 10 s').to.be.at.most(10_000);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await load.stop();
    }

    const ids = load.acks.map((a) => `PartsCoMSP:${a.id}`);
    const missing = await missingAfterReadBack(ids, async (id) => {
      const bytes = await reader.contract.evaluateTransaction('ReadLot', id);
      return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { id: string }).id === id;
    });
    console.log(
      `      ${load.started} writes started, ${load.acks.length} acknowledged, ${load.failureCount()} failed (never acknowledged), ${missing.length} acknowledged but missing`,
    );
    expect(missing, 'acknowledged writes missing from the ledger').to.deep.equal([]);
  });

  it('has every peer at the same block height after the orderer restarts', async function () {
    if (victim && runningPid(config, ordererProcessName(victim)) === undefined) await startOrderer(config, victim);
    await waitForRaftLeader(config);
    const heights = await waitForEqualHeights(config, 60);
    expect(new Set(heights.values()).size, `peer heights ${JSON.stringify([...heights])}`).to.equal(1);
  });
});
