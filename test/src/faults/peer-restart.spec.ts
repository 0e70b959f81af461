/**
 * Fault: a peer dies (kill -9) while the others keep committing. Restarted,
 * it catches up to the same block height, serves every lot committed while it
 * was down, and its organisation's API recovers without being restarted.
 */
import { expect } from 'chai';
import { peerProcessName, startPeer } from '../../../network/src/nodes';
import { killProcess, pollUntil, runningPid } from '../../../network/src/processes';
import { apiUrl } from '../../../network/src/network';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import { assertApisRunning, apiFetch } from './api';
import { blockHeight, faultConnection, type FaultConnection, missingAfterReadBack, waitForEqualHeights } from './support';

describe('fault: kill -9 of a peer, then a restart', function () {
  const victim = () => org('AssemblyCo');
  let writer: FaultConnection;

  before(function () {
    writer = faultConnection(config, org('PartsCo'), 'qm1');
  });
  const written: string[] = [];

  after(async function () {
    if (runningPid(config, peerProcessName(victim())) === undefined) await startPeer(config, victim());
    writer.close();
  });

  it('lets the other organisations keep committing while it is down', async function () {
    expect(killProcess(config, peerProcessName(victim())), 'the AssemblyCo peer was not running').to.be.a('number');
    for (let i = 0; i < 20; i++) {
      const lot = newLot('PartsCoMSP', uniqueId(`PEERDOWN${i}`));
      await writer.contract.submitTransaction('CreateLot', JSON.stringify(lot));
      written.push(lot.id);
    }
    expect(await blockHeight(config, victim())).to.equal(undefined);
  });

  it('catches up to the same block height as the others after a restart', async function () {
    await startPeer(config, victim());
    const heights = await waitForEqualHeights(config, 90);
    console.log(`      heights after restart: ${JSON.stringify(Object.fromEntries(heights))}`);
    expect(new Set(heights.values()).size).to.equal(1);
  });

  it('serves every lot committed while it was down', async function () {
    const reader = faultConnection(config, victim(), 'auditor1');
    try {
      const missing = await missingAfterReadBack(written, async (id) => {
        const bytes = await reader.contract.evaluateTransaction('ReadLot', id);
        return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { id: string }).id === id;
      });
      expect(missing).to.deep.equal([]);
    } finally {
      reader.close();
    }
  });

  it('has its organisation’s API ready again and accepting writes, without restarting the API', async function () {
    assertApisRunning();
    const ready = await pollUntil(async () => (await fetch(`${apiUrl(victim())}/readyz`).catch(() => undefined))?.status === 200, 60, 500);
    expect(ready, '/readyz did not answer 200 within 60 s').to.equal(true);
    // Right after catch-up the restarted peer's gateway may not yet know the other peers (gossip
    // membership), so endorsement fails for a few seconds: poll, bounded, and report how long it took.
    const start = Date.now();
    let last = { status: 0, body: {} as Record<string, unknown> };
    while (Date.now() - start < 60_000) {
      last = await apiFetch('AssemblyCo', 'qm1', 'POST', '/lots', newLot('AssemblyCoMSP', uniqueId('PEERBACK')));
      if (last.status === 201) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`      first write through the AssemblyCo API committed ${Date.now() - start} ms after /readyz answered 200`);
    expect(last.status, JSON.stringify(last.body)).to.equal(201);
  });
});
