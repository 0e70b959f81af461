import { status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import {
  backoffMs,
  CommitError,
  CommitStatusError,
  DEFAULT_RETRY_POLICY,
  EndorseError,
  LedgerError,
  retryPolicy,
  submitTransaction,
  type RetryPolicy,
} from '../src';
import { gatewayError, scriptedContract, type Step } from './scripted';

const MVCC: Step = { commit: 11 };
const VALID: Step = { commit: 0 };
const DIVERGENT: Step = {
  endorse: gatewayError(GrpcStatus.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info', [
    'ProposalResponsePayloads do not match (base64): CiAI...',
  ]),
};

/** Runs a submit against `steps`, recording the pauses instead of sleeping them. */
async function run(steps: readonly Step[], policy: RetryPolicy = DEFAULT_RETRY_POLICY, commitResendMs?: number) {
  const { contract, calls, sends } = scriptedContract(steps);
  const pauses: number[] = [];
  const outcome = await submitTransaction(
    contract,
    'CreateLot',
    { arguments: ['{}'] },
    {
      policy,
      sleep: (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      ...(commitResendMs !== undefined ? { commitResendMs } : {}),
    },
  ).then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  return { ...outcome, calls: calls(), sends: sends(), pauses };
}

describe('the retry loop', function () {
  it('resubmits a transaction invalidated by an MVCC read conflict as a new one, and resolves once one is VALID', async function () {
    const { value, calls, pauses } = await run([MVCC, MVCC, VALID]);
    expect(value?.attempts).to.equal(3);
    expect(value?.txId, 'the id of the transaction that committed').to.equal('tx3');
    expect(value?.blockNumber).to.equal(43);
    expect(calls).to.equal(3);
    expect(pauses).to.have.length(2);
  });

  it('resubmits after a divergent endorsement', async function () {
    const { value, calls } = await run([DIVERGENT, VALID]);
    expect(value?.attempts).to.equal(2);
    expect(calls).to.equal(2);
  });

  it('gives up after maxAttempts transactions with a CommitError that says how many it tried', async function () {
    const { error, calls } = await run([MVCC], retryPolicy({ maxAttempts: 4 }));
    expect(error).to.be.instanceOf(CommitError);
    expect((error as CommitError).reason).to.equal('conflict');
    expect((error as CommitError).attempts).to.equal(4);
    expect(calls).to.equal(4);
  });

  it('gives up on endorsements that keep diverging with an EndorseError', async function () {
    const { error, calls } = await run([DIVERGENT], retryPolicy({ maxAttempts: 3 }));
    expect(error).to.be.instanceOf(EndorseError);
    expect((error as EndorseError).reason).to.equal('divergent-endorsement');
    expect(calls).to.equal(3);
  });

  const notRetried: [string, Step, string][] = [
    [
      'a chaincode refusal',
      { endorse: gatewayError(GrpcStatus.ABORTED, 'failed to endorse', ['chaincode response 500, LOT_EXISTS: lot X already exists']) },
      'refused',
    ],
    [
      'a policy no reachable peers satisfy (a readiness problem)',
      {
        endorse: gatewayError(
          GrpcStatus.FAILED_PRECONDITION,
          'no combination of peers can be derived which satisfy the endorsement policy',
        ),
      },
      'endorsers-unavailable',
    ],
    [
      'a commit-status timeout (the transaction may have committed)',
      { status: gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded') },
      'outcome-unknown',
    ],
    [
      'a failed submit to the orderer',
      { submit: gatewayError(GrpcStatus.UNAVAILABLE, 'no orderers could successfully process transaction') },
      'outcome-unknown',
    ],
    ['a commit invalidated by the endorsement policy', { commit: 10 }, 'invalid'],
  ];
  for (const [what, step, reason] of notRetried) {
    it(`does not retry ${what}`, async function () {
      const { error, calls, pauses } = await run([step, VALID]);
      expect(error).to.be.instanceOf(LedgerError);
      expect((error as LedgerError).reason).to.equal(reason);
      expect(calls).to.equal(1);
      expect(pauses).to.deep.equal([]);
    });
  }

  it('sends the same transaction again when the ordering service did not take it in time, and resolves once it commits', async function () {
    const { value, calls, sends } = await run([{ undelivered: 2 }]);
    expect(value?.txId).to.equal('tx1');
    expect(calls, 'one transaction: the same id each send').to.equal(1);
    expect(sends).to.equal(3);
  });

  it('gives up after three sends of one transaction, with its outcome unknown', async function () {
    const { error, calls, sends } = await run([{ undelivered: 5 }]);
    expect(error).to.be.instanceOf(LedgerError);
    expect((error as LedgerError).reason).to.equal('outcome-unknown');
    expect(calls).to.equal(1);
    expect(sends).to.equal(3);
  });

  it('sends the same transaction again while its commit status is awaited, and resolves when a copy commits', async function () {
    // The first copy was taken by an orderer and lost (its Raft leader vanished): only a copy sent later commits.
    const { value, calls, sends } = await run([{ lost: 1 }], DEFAULT_RETRY_POLICY, 20);
    expect(value?.txId).to.equal('tx1');
    expect(calls, 'one transaction: the same id each send').to.equal(1);
    expect(sends).to.equal(2);
  });

  it('sends a waiting transaction at most twice more', async function () {
    const { value, sends } = await run([{ lost: 2 }], DEFAULT_RETRY_POLICY, 20);
    expect(value?.txId).to.equal('tx1');
    expect(sends).to.equal(3);
  });

  it('sends nothing more once the commit status has come', async function () {
    const { contract, sends } = scriptedContract([VALID]);
    await submitTransaction(contract, 'CreateLot', { arguments: ['{}'] }, { commitResendMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sends()).to.equal(1);
  });

  it('reports a commit-status timeout with the id of the submitted transaction', async function () {
    const { error } = await run([{ status: gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded') }]);
    expect(error).to.be.instanceOf(CommitStatusError);
    expect((error as CommitStatusError).transactionId).to.equal('tx1');
  });
});

describe('the backoff between attempts', function () {
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });

  it('doubles from the base delay, between half and all of the ceiling', function () {
    expect([1, 2, 3].map((n) => backoffMs(policy, n, () => 0))).to.deep.equal([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffMs(policy, n, () => 1))).to.deep.equal([100, 200, 400]);
  });

  it('never exceeds the largest delay', function () {
    expect(backoffMs(policy, 30, () => 1)).to.equal(1000);
  });

  it('spreads concurrent retries: different draws give different pauses', function () {
    expect(backoffMs(policy, 3, () => 0.1)).to.not.equal(backoffMs(policy, 3, () => 0.9));
  });

  it('refuses a policy without a first attempt', function () {
    expect(() => retryPolicy({ maxAttempts: 0 })).to.throw(RangeError, /maxAttempts/);
  });
});
