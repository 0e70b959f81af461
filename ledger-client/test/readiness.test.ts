import { generateKeyPairSync, verify } from 'node:crypto';
import { status as GrpcStatus, type Client } from '@grpc/grpc-js';
import { discovery, msp } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { checkEndorsers, NotEndorsableError, waitUntilEndorsable, newSigningIdentity, type EndorsementTarget } from '../src';

const ORGS = ['AssemblyCoMSP', 'BankMSP', 'CityMSP', 'PartsCoMSP'];

function peerOf(mspId: string): discovery.Peer {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(mspId);
  identity.setIdBytes(new TextEncoder().encode(`cert of a ${mspId} peer`));
  const peer = new discovery.Peer();
  peer.setIdentity(identity.serializeBinary());
  return peer;
}

/**
 * A discovery answer listing endorsers of these organisations, one group per
 * organisation, with one layout (a set of groups that satisfies the policy)
 * when `layout` names a quorum of them.
 */
function answer(endorsing: readonly string[], layout: number = endorsing.length): discovery.Response {
  const descriptor = new discovery.EndorsementDescriptor();
  descriptor.setChaincode('lotline');
  endorsing.forEach((mspId, i) => {
    const peers = new discovery.Peers();
    peers.setPeersList([peerOf(mspId)]);
    descriptor.getEndorsersByGroupsMap().set(`G${i}`, peers);
  });
  if (layout >= 3) {
    const quorum = new discovery.Layout();
    endorsing.slice(0, 3).forEach((_, i) => quorum.getQuantitiesByGroupMap().set(`G${i}`, 1));
    descriptor.setLayoutsList([quorum]);
  }
  const ccResult = new discovery.ChaincodeQueryResult();
  ccResult.setContentList([descriptor]);
  const result = new discovery.QueryResult();
  result.setCcQueryRes(ccResult);
  const response = new discovery.Response();
  response.setResultsList([result]);
  return response;
}

function failure(content: string): discovery.Response {
  const error = new discovery.Error();
  error.setContent(content);
  const result = new discovery.QueryResult();
  result.setError(error);
  const response = new discovery.Response();
  response.setResultsList([result]);
  return response;
}

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** A gRPC client whose Discover calls answer the successive `answers` (the last repeats); it records the requests. */
function discoveryPeer(answers: readonly (discovery.Response | Error)[]) {
  const requests: discovery.SignedRequest[] = [];
  const client = {
    makeUnaryRequest(
      method: string,
      serialize: (value: discovery.SignedRequest) => Buffer,
      deserialize: (bytes: Buffer) => discovery.Response,
      argument: discovery.SignedRequest,
      _options: unknown,
      callback: (error: Error | null, value?: discovery.Response) => void,
    ) {
      expect(method).to.equal('/discovery.Discovery/Discover');
      requests.push(discovery.SignedRequest.deserializeBinary(serialize(argument)));
      const next = answers[Math.min(requests.length - 1, answers.length - 1)] as discovery.Response | Error;
      if (next instanceof Error) callback(next);
      else callback(null, deserialize(Buffer.from(next.serializeBinary())));
    },
  };
  const target: EndorsementTarget = {
    client: client as unknown as Client,
    signing: newSigningIdentity({ mspId: 'PartsCoMSP', certificate: new TextEncoder().encode('client cert'), privateKey }),
    channel: 'lotline',
    chaincode: 'lotline',
    organizations: ORGS,
  };
  return { target, requests };
}

describe('the readiness rule', function () {
  describe('one discovery check', function () {
    it('asks the peer for the endorsers of the chaincode on the channel, signed by the client identity', async function () {
      const { target, requests } = discoveryPeer([answer(ORGS)]);
      await checkEndorsers(target);
      const signed = requests[0] as discovery.SignedRequest;
      const request = discovery.Request.deserializeBinary(signed.getPayload_asU8());
      const query = request.getQueriesList()[0];
      expect(query?.getChannel()).to.equal('lotline');
      expect(query?.getCcQuery()?.getInterestsList()[0]?.getChaincodesList()[0]?.getName()).to.equal('lotline');
      const creator = msp.SerializedIdentity.deserializeBinary(request.getAuthentication()?.getClientIdentity_asU8() ?? new Uint8Array());
      expect(creator.getMspid()).to.equal('PartsCoMSP');
      const valid = verify('sha256', signed.getPayload_asU8(), { key: publicKey, dsaEncoding: 'der' }, signed.getSignature_asU8());
      expect(valid, 'the signature verifies with the client key').to.equal(true);
    });

    it('is ready when every organisation has an endorser', async function () {
      const state = await checkEndorsers(discoveryPeer([answer(ORGS)]).target);
      expect(state.missing).to.deep.equal([]);
      expect(state.endorsing).to.deep.equal(ORGS);
    });

    it('names the organisations that discovery does not list yet', async function () {
      const state = await checkEndorsers(discoveryPeer([answer(['CityMSP', 'PartsCoMSP'])]).target);
      expect(state.missing).to.deep.equal(['AssemblyCoMSP', 'BankMSP']);
      expect(state.satisfiable, 'two of four cannot meet a majority').to.equal(false);
    });

    it('is satisfiable, with the missing organisation named, when a majority can still endorse', async function () {
      const state = await checkEndorsers(discoveryPeer([answer(['AssemblyCoMSP', 'CityMSP', 'PartsCoMSP'])]).target);
      expect(state.missing).to.deep.equal(['BankMSP']);
      expect(state.satisfiable).to.equal(true);
    });

    it("reports discovery's own error, with every organisation missing", async function () {
      const state = await checkEndorsers(
        discoveryPeer([failure('failed constructing descriptor for chaincodes:<name:"lotline" >')]).target,
      );
      expect(state.missing).to.deep.equal(ORGS);
      expect(state.satisfiable).to.equal(false);
      expect(state.problem).to.include('failed constructing descriptor');
    });

    it('reports an unreachable peer as a problem, not as a crash', async function () {
      const unreachable = Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: GrpcStatus.UNAVAILABLE });
      const state = await checkEndorsers(discoveryPeer([unreachable]).target);
      expect(state.missing).to.deep.equal(ORGS);
      expect(state.problem).to.include('UNAVAILABLE');
    });
  });

  describe('waiting', function () {
    it('checks again until discovery lists every organisation, reporting what is missing meanwhile', async function () {
      const { target, requests } = discoveryPeer([answer(['CityMSP']), answer(['CityMSP', 'BankMSP', 'PartsCoMSP']), answer(ORGS)]);
      const seen: string[][] = [];
      const readiness = await waitUntilEndorsable(target, { intervalMs: 1, onProgress: (p) => seen.push([...p.missing]) });
      expect(readiness.checks).to.equal(3);
      expect(requests).to.have.length(3);
      expect(seen).to.deep.equal([['AssemblyCoMSP', 'BankMSP', 'PartsCoMSP'], ['AssemblyCoMSP']]);
    });

    it('gives up after the deadline with an error naming the organisations still missing', async function () {
      const { target } = discoveryPeer([answer(['CityMSP', 'PartsCoMSP', 'BankMSP'])]);
      const error = await waitUntilEndorsable(target, { timeoutMs: 50, intervalMs: 5 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(NotEndorsableError);
      expect((error as NotEndorsableError).missing).to.deep.equal(['AssemblyCoMSP']);
      expect((error as Error).message)
        .to.include('AssemblyCoMSP')
        .and.include('npm run status');
    });
  });
});
