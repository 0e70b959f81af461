/**
 * Fault: an organisation's chaincode server dies (kill -9).
 *
 * Decision (documented in bench/README.md): Lotline has no process
 * supervisor, so a dead chaincode server is not restarted by itself. What
 * must hold is that the failure is reported clearly and fast (no hang): a
 * call that needs that server fails within seconds with an error naming the
 * chaincode, or is served by another organisation's peer; a write through
 * the API answers 503 problem+json CHAINCODE_UNAVAILABLE with Retry-After
 * (transient: retry). `npm start` (idempotent) restarts the server, and the
 * peer reconnects on the next call without being restarted itself.
 */
import { expect } from 'chai';
import { chaincodeProcessName, deployChaincode } from '../../../network/src/chaincode';
import { killProcess, runningPid } from '../../../network/src/processes';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import { assertApisRunning, apiFetch, type ApiResponse } from './api';
import { faultConnection, type FaultConnection } from './support';

const BOUND_MS = 15_000;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: Error }> {
  const start = Date.now();
  try {
    const value = await fn();
    return { ms: Date.now() - start, value };
  } catch (err) {
    return { ms: Date.now() - start, error: err as Error };
  }
}

function describeError(err: Error | undefined): string {
  if (!err) return '';
  const details = (err as Error & { details?: { message?: string }[] }).details ?? [];
  return `${err.message} ${details.map((d) => d.message ?? '').join(' ')}`;
}

describe('fault: kill -9 of an organisation’s chaincode server', function () {
  const victim = () => org('PartsCo');
  let conn: FaultConnection;

  before(function () {
    conn = faultConnection(config, org('PartsCo'), 'qm1');
  });
  let existing = '';

  before(async function () {
    const lot = newLot('PartsCoMSP', uniqueId('CCKILL'));
    await conn.contract.submitTransaction('CreateLot', JSON.stringify(lot));
    existing = lot.id;
    expect(killProcess(config, chaincodeProcessName(victim())), 'the PartsCo chaincode server was not running').to.be.a('number');
  });

  after(async function () {
    if (runningPid(config, chaincodeProcessName(victim())) === undefined) await deployChaincode(config);
    conn.close();
  });

  it('answers a read through that organisation’s peer within 15 s, served elsewhere or failing with a chaincode error', async function () {
    const r = await timed(() => conn.contract.evaluateTransaction('ReadLot', existing));
    console.log(`      read: ${r.error ? `failed in ${r.ms} ms: ${describeError(r.error).slice(0, 200)}` : `served in ${r.ms} ms`}`);
    expect(r.ms).to.be.below(BOUND_MS);
    if (r.error) expect(describeError(r.error)).to.match(/chaincode|connection refused|launch/i);
  });

  it('answers a write through that organisation’s gateway within 15 s, endorsed elsewhere or failing with a chaincode error', async function () {
    const lot = newLot('PartsCoMSP', uniqueId('CCKILLW'));
    const r = await timed(() => conn.contract.submitTransaction('CreateLot', JSON.stringify(lot)));
    console.log(`      write: ${r.error ? `failed in ${r.ms} ms: ${describeError(r.error).slice(0, 200)}` : `committed in ${r.ms} ms`}`);
    expect(r.ms).to.be.below(BOUND_MS + 5_000);
    if (r.error) expect(describeError(r.error)).to.match(/chaincode|connection refused|launch|endorse/i);
  });

  it('makes a write through the API answer 503 CHAINCODE_UNAVAILABLE with Retry-After, never hang', async function () {
    assertApisRunning();
    const lot = newLot('PartsCoMSP', uniqueId('CCKILLA'));
    const r = await timed(() => apiFetch('PartsCo', 'qm1', 'POST', '/lots', lot));
    expect(r.error, describeError(r.error)).to.equal(undefined);
    const res = r.value as ApiResponse;
    console.log(`      API: ${res.status} ${res.body.code ?? ''} in ${r.ms} ms`);
    expect(r.ms).to.be.below(BOUND_MS + 5_000);
    expect(res.status, JSON.stringify(res.body)).to.equal(503);
    expect(res.contentType).to.include('application/problem+json');
    expect(res.body.code).to.equal('CHAINCODE_UNAVAILABLE');
    expect(res.retryAfter, 'Retry-After header').to.match(/^\d+$/);
  });

  it('serves that organisation again once the server is restarted, without restarting the peer', async function () {
    await deployChaincode(config);
    expect(runningPid(config, chaincodeProcessName(victim()))).to.be.a('number');
    const lot = newLot('PartsCoMSP', uniqueId('CCBACK'));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await timed(() => conn.contract.submitTransaction('CreateLot', JSON.stringify(lot)));
      if (!r.error) break;
      if (Date.now() > deadline) throw r.error;
      await new Promise((res) => setTimeout(res, 500));
    }
    const bytes = await conn.contract.evaluateTransaction('ReadLot', lot.id);
    expect((JSON.parse(Buffer.from(bytes).toString('utf8')) as { id: string }).id).to.equal(lot.id);
  });
});
