/**
 * EPCIS webhook subscriptions: where they may deliver (SSRF rules), and the
 * dispatcher that posts each subscription's new matching events as an
 * EPCISQueryDocument when the indexer has indexed new blocks.
 *
 * Delivery is at least once: a subscription's position (`after_block`)
 * advances only after its destination answered 2xx; a failed delivery is
 * retried on the next round (every block, or every `retryMs`).
 *
 * A subscription created with a `signatureToken` has each delivery signed:
 * header `GS1-Signature: sha256=<hex HMAC-SHA256 of the body bytes, keyed with
 * the token>` (EPCIS 2.0 REST binding: the signature travels in `GS1-Signature`,
 * its type is implementation-specific, HMAC-SHA256 being the standard's example).
 */
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import {
  changedEpcisEvents,
  parseEpcisQuery,
  recordDelivery,
  subscriptions,
  namedQuery,
  type EpcisRow,
  type Subscription,
} from '@lotline/read-model';
import type { Logger } from 'pino';
import type { ReadModelService } from '../read-model';
import { queryDocument } from './query';
import { nextRun, parseSchedule } from './schedule';

/** Addresses a webhook never reaches unless its host is allowed by name: loopback, private, link-local, CGNAT, multicast, unspecified. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is internal (never a webhook target unless allowed by name). */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:xxxx:xxxx) is its IPv4 address (BlockList compares them so).
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Resolves a host name to its addresses (a seam for tests). */
export type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Why a webhook destination is refused, or undefined when it is allowed:
 * an `https:` URL without credentials whose host resolves only to public
 * addresses, or any `http(s):` URL whose host (or `host:port`) is listed in
 * `allowedHosts` (`LOTLINE_EPCIS_WEBHOOK_HOSTS`).
 */
export async function destinationProblem(
  dest: string,
  allowedHosts: readonly string[],
  resolve: Resolve = resolveAll,
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(dest);
  } catch {
    return 'dest must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'dest must be an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'dest must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts.includes(host) || allowedHosts.includes(url.host.toLowerCase())) return undefined;
  if (url.protocol !== 'https:') return `dest must be https (or its host listed in LOTLINE_EPCIS_WEBHOOK_HOSTS): ${url.host}`;
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await resolve(host);
  } catch {
    return `dest host ${host} does not resolve`;
  }
  const internal = addresses.find(isInternalAddress);
  if (addresses.length === 0 || internal !== undefined) {
    return `dest host ${host} resolves to an internal address (${internal ?? 'none'}); list it in LOTLINE_EPCIS_WEBHOOK_HOSTS to allow it`;
  }
  return undefined;
}

/** The header that carries a delivery's signature (EPCIS 2.0 REST binding). */
export const SIGNATURE_HEADER = 'GS1-Signature';

/**
 * The `GS1-Signature` value of a delivery body: `sha256=` and the lowercase hex
 * HMAC-SHA256 of the body's bytes, keyed with the subscription's
 * `signatureToken` (its UTF-8 bytes). A receiver recomputes it over the raw
 * body it read and compares in constant time.
 */
export function signatureOf(body: string, signatureToken: string): string {
  return `sha256=${createHmac('sha256', signatureToken).update(body, 'utf8').digest('hex')}`;
}

/** Visible ASCII, 16 to 256 characters: a secret long enough to be one, that fits an HTTP header if a client echoes it. */
const SIGNATURE_TOKEN = /^[\x21-\x7e]{16,256}$/;

/** Why a `signatureToken` is refused, or undefined when it is usable. */
export function signatureTokenProblem(token: string): string | undefined {
  if (SIGNATURE_TOKEN.test(token)) return undefined;
  return token.length < 16 || token.length > 256
    ? `signatureToken must be 16 to 256 characters long (it has ${token.length}); generate a random secret, e.g. 32 random bytes in hex`
    : 'signatureToken must be visible ASCII characters only (no spaces or control characters); generate a random secret, e.g. 32 random bytes in hex';
}

/** What the dispatcher needs. */
export interface DispatcherOptions {
  readonly reads: ReadModelService;
  readonly allowedHosts: readonly string[];
  readonly logger?: Logger;
  /** Retry interval after a failure and poll interval without new blocks (default 5000 ms). */
  readonly retryMs?: number;
  /** Delivery deadline (default 10000 ms). */
  readonly timeoutMs?: number;
  readonly resolve?: Resolve;
}

/** Events per delivery; a larger backlog goes out in several posts. */
const BATCH = 1000;

/** POST one EPCISQueryDocument of `events` to the subscription's destination (signed when it has a token); the error, or undefined on 2xx. */
async function post(options: DispatcherOptions, subscription: Subscription, events: readonly EpcisRow[]): Promise<string | undefined> {
  const problem = await destinationProblem(subscription.dest, options.allowedHosts, options.resolve);
  if (problem !== undefined) return problem;
  try {
    const body = JSON.stringify(queryDocument(events, { queryName: subscription.queryName, subscriptionID: subscription.id }));
    const response = await fetch(subscription.dest, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/ld+json',
        'GS1-EPCIS-Version': '2.0.0',
        'GS1-CBV-Version': '2.0.0',
        ...(subscription.signatureToken !== null ? { [SIGNATURE_HEADER]: signatureOf(body, subscription.signatureToken) } : {}),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.body?.cancel();
    return response.status < 200 || response.status > 299 ? `${subscription.dest} answered ${response.status}` : undefined;
  } catch (cause) {
    return `${subscription.dest}: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

/**
 * Deliver one subscription's new events; resolves when it is up to date or a
 * delivery failed. A scheduled subscription's run (`nextRunAt`: when it runs
 * next, recorded with the delivery) reports even without new blocks when it
 * asked for `reportIfEmpty`.
 */
async function deliver(options: DispatcherOptions, subscription: Subscription, nextRunAt?: number): Promise<void> {
  const { reads } = options;
  const record = (afterBlock: number): Promise<void> =>
    reads.read(undefined, (model) =>
      recordDelivery(model.store, subscription.id, {
        afterBlock,
        at: new Date().toISOString(),
        ...(nextRunAt !== undefined ? { nextRunAt } : {}),
      }),
    );
  for (let first = true; ; first = false) {
    const found = await reads.read(undefined, async (model) => {
      const stored = await namedQuery(model.store, subscription.queryName);
      if (stored === undefined) return undefined;
      const query = parseEpcisQuery(stored.params);
      const uptoBlock = Math.max(subscription.afterBlock, Number(model.indexer.nextBlock) - 1);
      const events = await changedEpcisEvents(model.store, query, { afterBlock: subscription.afterBlock, uptoBlock, limit: BATCH });
      return { events, uptoBlock };
    });
    if (found === undefined) return;
    if (found.uptoBlock === subscription.afterBlock && !(nextRunAt !== undefined && first)) return;
    const full = found.events.length === BATCH;
    if (found.events.length === 0 && !subscription.reportIfEmpty) {
      await record(found.uptoBlock);
      return;
    }
    const error = await post(options, subscription, found.events);
    if (error !== undefined) {
      options.logger?.warn({ subscription: subscription.id, error }, 'EPCIS webhook delivery failed; retrying');
      await reads.read(undefined, (model) => recordDelivery(model.store, subscription.id, { error }));
      return;
    }
    // A full batch may end inside a block: continue from the block before its last event (at least once).
    const last = found.events[found.events.length - 1];
    const afterBlock = full && last !== undefined ? Math.max(subscription.afterBlock, last.changedBlock - 1) : found.uptoBlock;
    await record(afterBlock);
    if (!full || afterBlock === subscription.afterBlock) return;
    subscription = { ...subscription, afterBlock };
  }
}

/** When a scheduled subscription runs after `now` (ms), or undefined when its stored schedule does not parse (logged). */
function nextRunOf(options: DispatcherOptions, subscription: Subscription, now: number): number | undefined {
  try {
    return nextRun(parseSchedule(subscription.schedule ?? {}), new Date(now))?.getTime();
  } catch (error) {
    options.logger?.warn({ subscription: subscription.id, err: error }, 'EPCIS subscription: stored schedule does not parse; skipped');
    return undefined;
  }
}

/**
 * Run the webhook dispatcher until the read model closes. A streaming
 * subscription gets each subscription's new events after every indexed block
 * (or every `retryMs`); a scheduled one gets the events since its last
 * delivery at each time its schedule matches (waking up for the earliest one).
 */
export function startWebhookDispatcher(options: DispatcherOptions): Promise<void> {
  const { reads } = options;
  const retryMs = options.retryMs ?? 5_000;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      // The abort listener goes again when the timer ends the pause: the dispatcher pauses for as long as it runs.
      const done = (): void => {
        clearTimeout(timer);
        reads.closing.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      reads.closing.addEventListener('abort', done, { once: true });
    });
  return (async () => {
    let seen = -1;
    while (!reads.closing.aborted) {
      try {
        const before = await reads.read(undefined, (model) => subscriptions(model.store));
        const due = Math.min(...before.map((s) => (s.schedule !== null ? (s.nextRunAt ?? 0) : Number.POSITIVE_INFINITY)));
        const wait = Math.max(0, Math.min(retryMs, due - Date.now()));
        const indexed = await reads.read(undefined, async (model) => {
          const next = model.indexer.nextBlock;
          if (Number(next) - 1 <= seen && wait > 0) await model.waitFor(Number(next), wait);
          return Number(model.indexer.nextBlock) - 1;
        });
        if (reads.closing.aborted) return;
        const all = await reads.read(undefined, (model) => subscriptions(model.store));
        const now = Date.now();
        for (const s of all) {
          if (s.schedule === null) {
            if (s.afterBlock < indexed) await deliver(options, s);
          } else if ((s.nextRunAt ?? 0) <= now) {
            const next = nextRunOf(options, s, now);
            if (next !== undefined) await deliver(options, s, next);
            else {
              const error = 'the stored schedule does not parse or never fires: delete this subscription and create it again';
              await reads.read(undefined, (model) => recordDelivery(model.store, s.id, { error }));
            }
          }
        }
        seen = indexed;
        if (all.some((s) => s.lastError !== null)) await pause(Math.min(retryMs, 1000));
      } catch (error) {
        if (reads.closing.aborted) return;
        options.logger?.warn({ err: error }, 'EPCIS webhook dispatcher: retrying');
        await pause(retryMs);
      }
    }
  })();
}
