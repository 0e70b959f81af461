import { status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import {
  classifyError,
  commitError,
  CommitError,
  CommitStatusError,
  EndorseError,
  EvaluateError,
  OutcomeUnknownError,
  SubmitError,
} from '../src';
import { gatewayError } from './scripted';

const call = { transaction: 'Lot:CreateLot', transactionId: 'tx-1' };

describe('classifying gateway errors', function () {
  describe('a chaincode refusal in the peers’ details', function () {
    const error = classifyError(
      gatewayError(GrpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        'chaincode response 500, INSUFFICIENT_QUANTITY: lot PartsCoMSP:A has 2 EA left, 5 EA requested',
      ]),
      { ...call, stage: 'endorse' },
    );

    it('is an EndorseError refused with the chaincode’s code, its text and the transaction id', function () {
      expect(error).to.be.instanceOf(EndorseError);
      expect(error.reason).to.equal('refused');
      expect(error.chaincodeCode).to.equal('INSUFFICIENT_QUANTITY');
      expect(error.chaincodeDetail).to.equal('lot PartsCoMSP:A has 2 EA left, 5 EA requested');
      expect(error.transactionId).to.equal('tx-1');
      expect(error.grpcCode).to.equal(GrpcStatus.ABORTED);
    });
  });

  it('finds the code behind the gRPC and peer prefixes of an evaluation (`2 UNKNOWN: ... LOT_NOT_FOUND: `)', function () {
    const error = classifyError(
      gatewayError(
        GrpcStatus.UNKNOWN,
        'evaluate call to endorser returned error: chaincode response 500, LOT_NOT_FOUND: lot X does not exist',
      ),
      { transaction: 'Lot:ReadLot', stage: 'evaluate' },
    );
    expect(error).to.be.instanceOf(EvaluateError);
    expect(error.chaincodeCode).to.equal('LOT_NOT_FOUND');
  });

  it('does not take an upper-case word that is no chaincode code for one', function () {
    const error = classifyError(gatewayError(GrpcStatus.INTERNAL, 'PANIC: something unexpected'), { ...call, stage: 'endorse' });
    expect(error.chaincodeCode).to.equal(undefined);
    expect(error.reason).to.equal('unknown');
  });

  it('names a divergent endorsement as such, although the gateway words it as too few endorsements', function () {
    const error = classifyError(
      gatewayError(GrpcStatus.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info', [
        'ProposalResponsePayloads do not match (base64): CiAI...',
      ]),
      { ...call, stage: 'endorse' },
    );
    expect(error.reason).to.equal('divergent-endorsement');
  });

  it('names a policy that no reachable set of peers satisfies endorsers-unavailable', function () {
    const error = classifyError(
      gatewayError(GrpcStatus.FAILED_PRECONDITION, 'no combination of peers can be derived which satisfy the endorsement policy'),
      { ...call, stage: 'endorse' },
    );
    expect(error.reason).to.equal('endorsers-unavailable');
  });

  it('names a chaincode server that is down chaincode-unavailable', function () {
    const error = classifyError(
      gatewayError(GrpcStatus.ABORTED, 'failed to endorse transaction', ['could not launch chaincode lotline_1:abc: connection refused']),
      { ...call, stage: 'endorse' },
    );
    expect(error.reason).to.equal('chaincode-unavailable');
  });

  it('names an unreachable peer at endorsement peer-unavailable: nothing was sent, a retry is safe', function () {
    const error = classifyError(gatewayError(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:7251'), { ...call, stage: 'endorse' });
    expect(error).to.be.instanceOf(EndorseError);
    expect(error.reason).to.equal('peer-unavailable');
  });

  describe('after the transaction left for the orderer', function () {
    it('a commit-status timeout is an outcome-unknown CommitStatusError with the transaction id', function () {
      const error = classifyError(gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded'), { ...call, stage: 'commitStatus' });
      expect(error).to.be.instanceOf(CommitStatusError).and.instanceOf(OutcomeUnknownError);
      expect(error.reason).to.equal('outcome-unknown');
      expect(error.transactionId).to.equal('tx-1');
    });

    it('a failed submit is an outcome-unknown SubmitError, even when the peer was unreachable', function () {
      const error = classifyError(gatewayError(GrpcStatus.UNAVAILABLE, 'no orderers could successfully process transaction'), {
        ...call,
        stage: 'submit',
      });
      expect(error).to.be.instanceOf(SubmitError).and.instanceOf(OutcomeUnknownError);
      expect(error.reason).to.equal('outcome-unknown');
    });
  });

  describe('a commit with a validation code other than VALID', function () {
    it('is a conflict for MVCC_READ_CONFLICT (11) and PHANTOM_READ_CONFLICT (12)', function () {
      for (const code of [11, 12]) {
        const error = commitError(code, 'tx-1', 'Lot:CreateLot', 3);
        expect(error).to.be.instanceOf(CommitError);
        expect(error.reason).to.equal('conflict');
        expect(error.attempts).to.equal(3);
      }
      expect(commitError(11, 'tx-1', 'Lot:CreateLot').validationCodeName).to.equal('MVCC_READ_CONFLICT');
    });

    it('is invalid for ENDORSEMENT_POLICY_FAILURE (10)', function () {
      const error = commitError(10, 'tx-1', 'Lot:CreateLot');
      expect(error.reason).to.equal('invalid');
      expect(error.validationCodeName).to.equal('ENDORSEMENT_POLICY_FAILURE');
    });
  });
});
