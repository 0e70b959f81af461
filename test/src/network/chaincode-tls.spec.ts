/**
 * The chaincode hop (peer → its organisation's chaincode server) is TLS with
 * client certificates: each server refuses a plaintext connection, a TLS
 * connection without a client certificate, and one with a certificate from
 * another organisation's CA or from its own organisation's main CA; it accepts
 * only the peer's chaincode-client certificate, and transactions go through
 * the peers as before.
 *
 * The probes open the chaincode service's real stream (`/protos.Chaincode/Connect`,
 * the one a peer opens) with a raw serializer, so a refusal is the transport's,
 * not an unknown method: the same call with the peer's own certificate gets the
 * server's REGISTER message.
 */
import * as grpc from '@grpc/grpc-js';
import { peer as protos } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { committedDefinition } from '../../../network/src/chaincode';
import { endpoint, tlsRootCert, type Org } from '../../../network/src/config';
import { closeAll, config, connect, contract, uniqueId } from '../support/network';
import { newLot } from '../support/lots';

const decoder = new TextDecoder();
const CONNECT = '/protos.Chaincode/Connect';

/** What one Connect call got: the server's first message, or the error that ended the call. */
type Outcome = { message: Buffer } | { error: grpc.ServiceError };

/** Opens the chaincode stream on an organisation's server with `credentials` and waits for its first message or its error. */
function openChaincodeStream(target: Org, credentials: grpc.ChannelCredentials): Promise<Outcome> {
  const client = new grpc.Client(endpoint(target, 'chaincode'), credentials, { 'grpc.ssl_target_name_override': 'localhost' });
  const raw = (b: Buffer) => b;
  return new Promise<Outcome>((resolve) => {
    const call = client.makeBidiStreamRequest(CONNECT, raw, raw, new grpc.Metadata(), { deadline: Date.now() + 10_000 });
    const settle = (outcome: Outcome) => {
      resolve(outcome);
      call.removeAllListeners();
      call.on('error', () => undefined);
      call.cancel();
      client.close();
    };
    call.on('data', (message: Buffer) => settle({ message }));
    call.on('error', (error: grpc.ServiceError) => settle({ error }));
  });
}

/** The TLS client certificate and key in a folder written by network/src/identities.ts. */
function clientPair(dir: string): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(path.join(dir, 'server.crt')), key: readFileSync(path.join(dir, 'server.key')) };
}

function tlsWith(target: Org, pair?: { cert: Buffer; key: Buffer }): grpc.ChannelCredentials {
  const root = readFileSync(tlsRootCert(target));
  return pair ? grpc.credentials.createSsl(root, pair.key, pair.cert) : grpc.credentials.createSsl(root);
}

/**
 * Asserts that a Connect call was refused before any RPC: UNAVAILABLE with no
 * connection established (an RPC that reached the server but named a wrong
 * method would be UNIMPLEMENTED). Returns the error's details.
 */
function expectRefused(outcome: Outcome, what: string): string {
  expect(outcome, `${what}: the server answered the stream`).to.have.property('error');
  const { error } = outcome as { error: grpc.ServiceError };
  expect(error.code, `${what}: ${error.message}`).to.equal(grpc.status.UNAVAILABLE);
  expect(error.details, what).to.include('No connection established');
  return error.details;
}

/** The organisation whose CA is "another organisation's" for `target`. */
function otherThan(target: Org): Org {
  const other = config.orgs.find((o) => o.key !== target.key);
  if (!other) throw new Error('the topology has a single organisation');
  return other;
}

describe('the chaincode servers (TLS with client certificates)', function () {
  after(closeAll);

  for (const target of config.orgs) {
    describe(`the ${target.name} chaincode server`, function () {
      it('opens a chaincode stream for its own peer’s chaincode-client certificate (the probe reaches the real service)', async function () {
        const outcome = await openChaincodeStream(target, tlsWith(target, clientPair(target.paths.peerChaincodeClientTls)));
        expect(outcome, JSON.stringify(outcome)).to.have.property('message');
        const message = protos.ChaincodeMessage.deserializeBinary((outcome as { message: Buffer }).message);
        expect(message.getType()).to.equal(protos.ChaincodeMessage.Type.REGISTER);
        const id = protos.ChaincodeID.deserializeBinary(message.getPayload_asU8()).getName();
        const definition = await committedDefinition(config, target);
        expect(id).to.match(new RegExp(`^${config.chaincode}_${definition?.version ?? 'none'}:[0-9a-f]{64}$`));
      });

      it('refuses a plaintext connection', async function () {
        expectRefused(await openChaincodeStream(target, grpc.credentials.createInsecure()), 'plaintext');
      });

      it('refuses a TLS connection without a client certificate', async function () {
        const details = expectRefused(await openChaincodeStream(target, tlsWith(target)), 'TLS without a client certificate');
        // The server's TLS 1.3 alert 116.
        expect(details).to.include('certificate required');
      });

      it('refuses a TLS connection with the chaincode-client certificate of another organisation’s peer', async function () {
        const other = otherThan(target);
        const outcome = await openChaincodeStream(target, tlsWith(target, clientPair(other.paths.peerChaincodeClientTls)));
        expectRefused(outcome, `${other.name}'s peer client certificate`);
      });

      it('refuses a TLS connection with a certificate from its own organisation’s main CA (its admin’s TLS certificate)', async function () {
        const outcome = await openChaincodeStream(target, tlsWith(target, clientPair(target.paths.adminTls)));
        expectRefused(outcome, `${target.name}'s admin TLS certificate`);
      });
    });
  }

  describe('through the peers', function () {
    it('commits a transaction and runs the chaincode on every organisation’s peer', async function () {
      const lot = newLot('PartsCoMSP', uniqueId('CCTLS'));
      await contract(connect('PartsCo', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lot));
      for (const o of config.orgs) {
        // An evaluation runs on the gateway's own peer, which dials its own organisation's chaincode server.
        const bytes = await contract(connect(o.name, 'auditor1')).evaluateTransaction('ReadLot', lot.id);
        expect((JSON.parse(decoder.decode(bytes)) as { id: string }).id, `read through the ${o.name} peer`).to.equal(lot.id);
      }
    });

    for (const target of config.orgs) {
      it(`has the ${target.name} peer dial with TLS and its own chaincode-client certificate (its released connection.json, mode 0600)`, async function () {
        // The build of the committed definition's package (the peer caches one build per package id).
        const definition = await committedDefinition(config, target);
        const label = `${config.chaincode}_${definition?.version ?? 'none'}`;
        const builds = path.join(target.paths.peerData, 'externalbuilder', 'builds');
        const released = readdirSync(builds)
          .filter((d) => d.startsWith(`${label}-`))
          .map((d) => path.join(builds, d, 'release', 'chaincode', 'server', 'connection.json'));
        expect(released.length, `no build of ${label} in ${builds}`).to.be.greaterThan(0);
        for (const file of released) {
          const connection = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          expect(connection).to.include({
            address: endpoint(target, 'chaincode'),
            tls_required: true,
            client_auth_required: true,
            root_cert: readFileSync(tlsRootCert(target), 'utf8'),
            client_cert: readFileSync(path.join(target.paths.peerChaincodeClientTls, 'server.crt'), 'utf8'),
          });
          expect(statSync(file).mode & 0o777, `${file} holds the client key`).to.equal(0o600);
        }
      });
    }
  });
});
