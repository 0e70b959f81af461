/**
 * Concurrent consumption of one hot parent lot on the real network. The
 * chaincode spreads a lot's balance over 16 shard keys, so concurrent children
 * mostly touch different keys; those that collide fail at commit with
 * MVCC_READ_CONFLICT and are resubmitted as new transactions (bounded). The
 * parent's remaining quantity must come out exact, and concurrent draws that
 * together exceed the balance must never overdraw it.
 */
import { expect } from 'chai';
import { DEFAULT_RETRY_POLICY } from '@lotline/ledger-client';
import { BANK, closeConnections, contractFor, PARTSCO, syncPeers } from '../support/identities';
import { describeError, errorCode, evaluate, submit, type Submitted } from '../support/ledger';
import { newLot } from '../support/lots';
import { uniqueId } from '../support/network';

/** The production retry policy: the same bound as the API's. */
const MAX_ATTEMPTS = DEFAULT_RETRY_POLICY.maxAttempts;

/**
 * [parent, draw, concurrent draws]: draws spanning several balance shards,
 * and draws of about one shard each, so that many can commit in one block.
 */
const OVERDRAW_CASES: readonly [number, number, number][] = [
  [100, 30, 10],
  [10, 0.75, 24],
];

function histogram(attempts: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const a of attempts) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([a, n]) => `${n}×${a}`)
    .join(', ');
}

/** Submit `count` CreateLot transactions at once, each consuming `amountOf(i)` of `parentId`; keep every outcome. */
async function drawConcurrently(run: string, parentId: string, count: number, amountOf: (i: number) => number) {
  const qm = contractFor(PARTSCO, 'qm1');
  const children = Array.from({ length: count }, (_, i) =>
    newLot(PARTSCO.msp, `${run}-child-${String(i).padStart(2, '0')}`, {
      amount: amountOf(i),
      inputs: [{ lotId: parentId, quantity: { amount: amountOf(i), unit: 'EA' } }],
    }),
  );
  const started = Date.now();
  const outcomes = await Promise.allSettled(children.map((c) => submit(qm, 'CreateLot', [JSON.stringify(c)])));
  const ms = Date.now() - started;
  const lastBlock = outcomes.reduce((max, o) => (o.status === 'fulfilled' && o.value.blockNumber > max ? o.value.blockNumber : max), 0);
  await syncPeers(lastBlock);
  return { children, outcomes, ms };
}

describe('concurrent consumption of one parent lot', function () {
  this.timeout(240_000);
  after(closeConnections);

  describe('50 child lots submitted at once from a parent with enough quantity', function () {
    const run = uniqueId('HOT');
    const parentId = `${PARTSCO.msp}:${run}-parent`;
    const amountOf = (i: number) => (i % 9) + 0.25;
    let result: Awaited<ReturnType<typeof drawConcurrently>> | undefined;

    before(async function () {
      await submit(contractFor(PARTSCO, 'qm1'), 'CreateLot', [JSON.stringify(newLot(PARTSCO.msp, `${run}-parent`, { amount: 1000 }))]);
      result = await drawConcurrently(run, parentId, 50, amountOf);
      const attempts = result.outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.attempts] : []));
      console.log(
        `      50 concurrent children: ${attempts.length} committed in ${result.ms} ms; transactions per child: ${histogram(attempts)}; ` +
          `${attempts.reduce((s, a) => s + a, 0)} transactions in all`,
      );
    });

    it('commits all 50, each within the bounded number of new transactions', function () {
      const failures = (result?.outcomes ?? []).flatMap((o, i) =>
        o.status === 'rejected' ? [`child ${i}: ${describeError(o.reason)}`] : [],
      );
      expect(failures).to.deep.equal([]);
      for (const o of result?.outcomes ?? []) {
        if (o.status === 'fulfilled') expect(o.value.attempts).to.be.within(1, MAX_ATTEMPTS);
      }
    });

    it('leaves the parent with exactly its quantity minus the sum of the children', async function () {
      const sum = Array.from({ length: 50 }, (_, i) => amountOf(i)).reduce((s, a) => s + a, 0);
      const parent = await evaluate(contractFor(BANK, 'auditor1'), 'ReadLot', parentId);
      expect(parent.remaining).to.deep.equal({ amount: 1000 - sum, unit: 'EA' });
    });

    it('records one lineage edge per child, with the quantity each consumed', async function () {
      const trace = await evaluate(contractFor(BANK, 'auditor1'), 'TraceLot', parentId, 'forward', '1', '100');
      const edges = (trace.edges as { from: string; to: string; quantity: { amount: number } }[])
        .map((e) => `${e.from}>${e.to}=${e.quantity.amount}`)
        .sort();
      const expected = (result?.children ?? []).map((c) => `${parentId}>${c.id}=${c.quantity.amount}`).sort();
      expect(edges).to.deep.equal(expected);
      expect(trace.truncated).to.equal(false);
    });
  });

  for (const [PARENT, DRAW, DRAWS] of OVERDRAW_CASES) {
    describe(`${DRAWS} concurrent draws of ${DRAW} from a parent of ${PARENT}, together exceeding its balance`, function () {
      const run = uniqueId('OVR');
      const parentId = `${PARTSCO.msp}:${run}-parent`;
      let result: Awaited<ReturnType<typeof drawConcurrently>> | undefined;

      before(async function () {
        await submit(contractFor(PARTSCO, 'qm1'), 'CreateLot', [JSON.stringify(newLot(PARTSCO.msp, `${run}-parent`, { amount: PARENT }))]);
        result = await drawConcurrently(run, parentId, DRAWS, () => DRAW);
        const attempts = result.outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.attempts] : []));
        console.log(
          `      ${DRAWS} concurrent draws of ${DRAW} from ${PARENT}: ${attempts.length} committed (transactions: ${histogram(attempts)}) in ${result.ms} ms`,
        );
      });

      it(`commits exactly ${Math.floor(PARENT / DRAW)} draws and refuses the rest with INSUFFICIENT_QUANTITY`, function () {
        const outcomes = result?.outcomes ?? [];
        const committed = outcomes.filter((o): o is PromiseFulfilledResult<Submitted<unknown>> => o.status === 'fulfilled');
        const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [errorCode(o.reason) ?? describeError(o.reason)] : []));
        expect(outcomes).to.have.length(DRAWS);
        expect(committed.length, 'committed draws').to.equal(Math.floor(PARENT / DRAW));
        expect(refusals).to.deep.equal(Array(DRAWS - committed.length).fill('INSUFFICIENT_QUANTITY'));
      });

      it('never overdraws: the parent keeps its quantity minus the committed draws, and refused children do not exist', async function () {
        const auditor = contractFor(BANK, 'auditor1');
        const parent = await evaluate(auditor, 'ReadLot', parentId);
        const committed = (result?.outcomes ?? []).filter((o) => o.status === 'fulfilled').length;
        expect(parent.remaining).to.deep.equal({ amount: PARENT - committed * DRAW, unit: 'EA' });
        expect(parent.remaining.amount).to.be.at.least(0);
        const trace = await evaluate(auditor, 'TraceLot', parentId, 'forward', '1', '100');
        expect(trace.nodes.length - 1, 'children in the lineage').to.equal(committed);
        for (const [i, o] of (result?.outcomes ?? []).entries()) {
          if (o.status === 'fulfilled') continue;
          const lotId = result?.children[i]?.id ?? '';
          const code = await auditor.evaluateTransaction('ReadLot', lotId).then(
            () => 'exists',
            (err: unknown) => errorCode(err),
          );
          expect(code, `${lotId}`).to.equal('LOT_NOT_FOUND');
        }
      });
    });
  }
});
