/**
 * Connects a fabric-gateway client to an organisation's own peer as one of
 * its enrolled identities. Used by the integration tests, benchmarks and
 * tools; the API has its own configuration-driven connection.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway, type Identity, type Signer } from '@hyperledger/fabric-gateway';
import { endpoint, tlsRootCert, userDir, type Org } from './config';
import { mspCert, mspKey } from './identities';

/** The MSP folder of a named identity: an enrolled user, or `orgadmin` / `peer0`. */
export function identityMsp(org: Org, user: string): string {
  if (user === 'orgadmin') return org.paths.adminMsp;
  return path.join(userDir(org, user), 'msp');
}

/** Identity and signer of an enrolled user, read from its MSP folder. */
export function loadIdentity(org: Org, user: string): { identity: Identity; signer: Signer } {
  const msp = identityMsp(org, user);
  const identity: Identity = { mspId: org.mspId, credentials: readFileSync(mspCert(msp)) };
  const signer = signers.newPrivateKeySigner(createPrivateKey(readFileSync(mspKey(msp))));
  return { identity, signer };
}

/** A gRPC client for an organisation's peer, verifying its TLS certificate. */
export function peerClient(org: Org, peerOrg: Org = org): grpc.Client {
  const credentials = grpc.credentials.createSsl(readFileSync(tlsRootCert(peerOrg)));
  return new grpc.Client(endpoint(peerOrg, 'peer'), credentials, { 'grpc.ssl_target_name_override': 'localhost' });
}

export interface Connection {
  gateway: Gateway;
  client: grpc.Client;
  close(): void;
}

/**
 * Connects as `user` of `org` through `org`'s own peer (or `peerOrg`'s, for
 * tests that read through another organisation's peer).
 */
/** Per-call deadlines in milliseconds. */
export interface Deadlines {
  evaluate: number;
  endorse: number;
  submit: number;
  commitStatus: number;
}

const DEFAULT_DEADLINES: Deadlines = { evaluate: 10_000, endorse: 30_000, submit: 10_000, commitStatus: 60_000 };

export function connectAs(org: Org, user: string, peerOrg: Org = org, deadlines: Partial<Deadlines> = {}): Connection {
  const d = { ...DEFAULT_DEADLINES, ...deadlines };
  const client = peerClient(org, peerOrg);
  const { identity, signer } = loadIdentity(org, user);
  const gateway = connect({
    client,
    identity,
    signer,
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + d.evaluate }),
    endorseOptions: () => ({ deadline: Date.now() + d.endorse }),
    submitOptions: () => ({ deadline: Date.now() + d.submit }),
    commitStatusOptions: () => ({ deadline: Date.now() + d.commitStatus }),
  });
  return {
    gateway,
    client,
    close() {
      gateway.close();
      client.close();
    },
  };
}
