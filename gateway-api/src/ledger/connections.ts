/**
 * The API's Gateways: one per user (cached) over the instance's one gRPC
 * client to its organisation's peer (both from @lotline/ledger-client).
 */
import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { Gateway } from '@hyperledger/fabric-gateway';
import { newGateway, newSigningIdentity } from '@lotline/ledger-client';
import type { Timeouts } from '../config';
import type { WalletIdentity } from '../identity/wallet';

/** A Gateway for a wallet identity over the shared client; every call gets a fresh deadline. */
export function connectIdentity(client: grpc.Client, identity: WalletIdentity, timeouts: Timeouts): Gateway {
  return newGateway(client, newSigningIdentity(identity), {
    evaluateMs: timeouts.evaluateMs,
    endorseMs: timeouts.endorseMs,
    submitMs: timeouts.submitMs,
    commitStatusMs: timeouts.commitMs,
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
