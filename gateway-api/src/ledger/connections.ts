/**
 * Connections to the organisation's own peer: one gRPC client per instance,
 * and one Gateway per user (cached), each call with its own deadline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import type { Timeouts } from '../config';
import type { WalletIdentity } from '../identity/wallet';

/** Where and how to reach the peer. */
export interface PeerTarget {
  readonly endpoint: string;
  readonly tlsRootCertFile: string;
  readonly hostAlias: string;
}

/** The single gRPC client of an API instance. */
export function createPeerClient(peer: PeerTarget): grpc.Client {
  const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsRootCertFile));
  return new grpc.Client(peer.endpoint, credentials, {
    'grpc.ssl_target_name_override': peer.hostAlias,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
  });
}

/** Whether the peer's channel becomes READY within `timeoutMs`. */
export function peerReady(client: grpc.Client, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    client.waitForReady(Date.now() + timeoutMs, (error) => resolve(error === undefined || error === null));
  });
}

/** Open a Gateway for one identity over a shared client; every call gets a fresh deadline. */
export function connectIdentity(client: grpc.Client, identity: WalletIdentity, timeouts: Timeouts): Gateway {
  return connect({
    client,
    identity: { mspId: identity.mspId, credentials: identity.certificate },
    signer: signers.newPrivateKeySigner(identity.privateKey),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + timeouts.evaluateMs }),
    endorseOptions: () => ({ deadline: Date.now() + timeouts.endorseMs }),
    submitOptions: () => ({ deadline: Date.now() + timeouts.submitMs }),
    commitStatusOptions: () => ({ deadline: Date.now() + timeouts.commitMs }),
  });
}

/** Gateways by user, reused across requests; re-created when the user's certificate changes. */
export class GatewayPool {
  readonly #client: grpc.Client;
  readonly #timeouts: Timeouts;
  readonly #maxEntries: number;
  readonly #gateways = new Map<string, { fingerprint: string; gateway: Gateway }>();

  constructor(client: grpc.Client, timeouts: Timeouts, maxEntries = 200) {
    this.#client = client;
    this.#timeouts = timeouts;
    this.#maxEntries = maxEntries;
  }

  /** The Gateway of an identity. */
  get(identity: WalletIdentity): Gateway {
    const fingerprint = createHash('sha256').update(identity.certificate).digest('hex');
    const cached = this.#gateways.get(identity.user);
    if (cached !== undefined && cached.fingerprint === fingerprint) {
      this.#gateways.delete(identity.user);
      this.#gateways.set(identity.user, cached);
      return cached.gateway;
    }
    cached?.gateway.close();
    const gateway = connectIdentity(this.#client, identity, this.#timeouts);
    this.#gateways.set(identity.user, { fingerprint, gateway });
    if (this.#gateways.size > this.#maxEntries) {
      const [oldest] = this.#gateways.keys();
      if (oldest !== undefined) {
        this.#gateways.get(oldest)?.gateway.close();
        this.#gateways.delete(oldest);
      }
    }
    return gateway;
  }

  /** Close every Gateway (not the shared client). */
  close(): void {
    for (const { gateway } of this.#gateways.values()) gateway.close();
    this.#gateways.clear();
  }
}
