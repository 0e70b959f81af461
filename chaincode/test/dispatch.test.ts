import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorCodeOf, EVENTS } from '@lotline/domain';
import { expect } from 'chai';
import { FakeNetwork, FakeStub } from './support/fake-network';
import { lotJson } from './support/fixtures';

/**
 * These tests load the package the way `fabric-chaincode-node` does (its
 * `main`, the tsc build in dist/) and invoke it through fabric-shim's own
 * contract dispatcher, with a real X.509 certificate carrying a Fabric CA
 * `role` attribute. They prove the decorator metadata, the default contract,
 * argument marshalling and certificate-based identity work end to end.
 */

// fabric-shim ships no types for its contract SPI.
/* eslint-disable @typescript-eslint/no-require-imports */
const Bootstrap = require('fabric-shim/lib/contract-spi/bootstrap') as {
  getInfoFromContract(modulePath: string): { contracts: unknown[]; serializers: unknown };
};
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
  contracts: unknown[],
  serializers: unknown,
  metadata: object,
  title: string,
  version: string,
) => {
  Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Buffer }>;
  metadata: {
    contracts: Record<
      string,
      { transactions: { name: string; tag: string[]; parameters: { name: string; schema: { type: string } }[] }[] }
    >;
  };
};

const MODULE_PATH = path.resolve(__dirname, '..', '..', '..');
const CERT = readFileSync(path.join(MODULE_PATH, 'test', 'fixtures', 'partsco-quality-manager.pem'), 'utf8');

describe('the built package through fabric-shim’s dispatcher', () => {
  let net: FakeNetwork;
  let chaincode: InstanceType<typeof ChaincodeFromContract>;

  before(() => {
    const { contracts, serializers } = Bootstrap.getInfoFromContract(MODULE_PATH);
    chaincode = new ChaincodeFromContract(contracts, serializers, {}, 'lotline', '0.1.0');
  });
  beforeEach(() => {
    net = new FakeNetwork();
  });

  async function invoke(args: string[]): Promise<{ status: number; message?: string; payload?: Buffer; stub: FakeStub }> {
    const stub = new FakeStub(net, { msp: 'PartsCoMSP' }, new Map(), args, CERT);
    const response = await chaincode.Invoke(stub);
    if (response.status === 200 && stub.writes.size > 0) net.commitBlock([{ stub }]);
    return { ...response, stub };
  }

  it('takes the MSP from the creator and the role from the certificate attribute', async () => {
    const response = await invoke(['Lot:CreateLot', lotJson('PartsCoMSP:D1')]);
    expect(response.status, response.message).to.equal(200);
    const lot = JSON.parse(response.payload?.toString() ?? '{}');
    expect(lot).to.include({ producer: 'PartsCoMSP', custodian: 'PartsCoMSP' });
    expect(response.stub.events.map((e) => e.name)).to.deep.equal([EVENTS.LotCreated]);
  });

  it('routes an unprefixed function name to the default Lot contract', async () => {
    await invoke(['Lot:CreateLot', lotJson('PartsCoMSP:D1')]);
    const response = await invoke(['ReadLot', 'PartsCoMSP:D1']);
    expect(response.status, response.message).to.equal(200);
    expect(JSON.parse(response.payload?.toString() ?? '{}').id).to.equal('PartsCoMSP:D1');
  });

  it('returns coded error messages to the client', async () => {
    await invoke(['Lot:CreateLot', lotJson('PartsCoMSP:D1')]);
    const response = await invoke(['Lot:CreateLot', lotJson('PartsCoMSP:D1')]);
    expect(response.status).to.equal(500);
    expect(response.message).to.match(/^LOT_EXISTS: /);
    expect(errorCodeOf(`endorsement failed: ${response.message ?? ''}`)).to.equal('LOT_EXISTS');
  });

  it('records the certificate’s subject and issuer as the recorder id', async () => {
    await invoke(['Lot:CreateLot', lotJson('PartsCoMSP:D1')]);
    const response = await invoke(['Quality:PlaceHold', 'PartsCoMSP:D1', JSON.stringify({ reason: 'r', includeDescendants: false })]);
    expect(response.status, response.message).to.equal(200);
    const event = JSON.parse(response.payload?.toString() ?? '{}');
    expect(event.recordedBy).to.deep.equal({
      msp: 'PartsCoMSP',
      role: 'quality_manager',
      certId: 'x509::/C=US/O=PartsCo/OU=client/CN=qm1::/C=US/O=PartsCo/OU=client/CN=qm1',
    });
  });

  // The metadata is read from the dispatcher: the system contract's GetMetadata cannot serialise it with the
  // class-transformer copy installed here (see README, "Known issues").
  it('builds metadata with every transaction, its string parameters and the four contracts, and no test contract', () => {
    const metadata = chaincode.metadata;
    expect(Object.keys(metadata.contracts)).to.include.members(['Lot', 'Quality', 'Participant', 'Epcis']);
    // The benchmark's one-putState baseline is its own chaincode (test/bench/baseline-chaincode), never shipped here.
    expect(Object.keys(metadata.contracts)).to.not.include('Baseline');
    const lot = metadata.contracts.Lot?.transactions ?? [];
    expect(lot.map((t) => t.name)).to.include.members([
      'CreateLot',
      'SplitLot',
      'ImportLots',
      'ReadLot',
      'TraceLot',
      'GetLotHistory',
      'ProposeTransfer',
      'AcceptTransfer',
      'RejectTransfer',
      'CancelTransfer',
    ]);
    const trace = lot.find((t) => t.name === 'TraceLot');
    expect(trace?.parameters.map((p) => [p.name, p.schema.type])).to.deep.equal([
      ['id', 'string'],
      ['direction', 'string'],
      ['maxDepth', 'string'],
      ['maxNodes', 'string'],
    ]);
    expect(lot.find((t) => t.name === 'ReadLot')?.tag).to.include('EVALUATE');
    expect(lot.find((t) => t.name === 'CreateLot')?.tag).to.include('SUBMIT');
  });

  it('refuses a call with the wrong number of arguments', async () => {
    const response = await invoke(['Lot:ReadLot']);
    expect(response.status).to.equal(500);
    expect(response.message).to.contain('Expected 1 parameters');
  });
});
