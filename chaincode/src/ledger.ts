import { canonicalJson, fail } from '@lotline/domain';
import type { Context } from 'fabric-contract-api';

type Stub = Context['stub'];
type StateIterator = Awaited<ReturnType<Stub['getStateByPartialCompositeKey']>>;

/** One entry of a partial-composite-key scan. */
export interface ScanEntry<T> {
  readonly key: string;
  /** The composite key's attributes, in order. */
  readonly attributes: readonly string[];
  readonly value: T;
}

/** One modification of a key, from the history database. */
export interface HistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

/** One page of a paginated read: its entries and the bookmark of the next page ('' after the last). */
export interface Page<T> {
  readonly entries: readonly T[];
  readonly bookmark: string;
}

/** Bookmarks travel as base64url text (Fabric's are composite keys, with NUL bytes). */
function encodeBookmark(key: string): string {
  return key === '' ? '' : Buffer.from(key, 'utf8').toString('base64url');
}

function decodeBookmark(bookmark: string, prefix: string): string {
  const key = /^[A-Za-z0-9_-]{1,8000}$/.test(bookmark) ? Buffer.from(bookmark, 'base64url').toString('utf8') : '';
  if (!key.startsWith(prefix)) {
    throw fail('INVALID_ARGUMENT', 'bookmark: not a bookmark of this list; pass the bookmark the previous page returned, or none');
  }
  return key;
}

function decode(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
}

/** Convert a protobuf timestamp (seconds may be a Long) to an ISO-8601 string. */
export function isoTime(ts: { seconds: { toString(): string } | number; nanos: number }): string {
  const millis = Number(ts.seconds.toString()) * 1000 + Math.floor(ts.nanos / 1e6);
  return new Date(millis).toISOString();
}

/** What fabric-shim's iterators expose of the peer's last QueryResponse (not in its typings). */
interface PeerBatch {
  readonly response?: { readonly getHasMore?: () => boolean };
}

/**
 * Close an iterator unless the peer has already dropped it. The peer releases a
 * query iterator itself once it has sent the last batch (`has_more` false), and
 * every iterator of a transaction when the transaction ends, so a close after
 * the last batch is a wasted round trip (one per scan, which is what a trace
 * pays per lot). An iterator whose state cannot be seen is always closed.
 */
export async function release(iterator: { close(): Promise<unknown> }): Promise<void> {
  const batch = (iterator as PeerBatch).response;
  if (typeof batch?.getHasMore === 'function' && !batch.getHasMore()) return;
  await iterator.close();
}

async function drain<T>(iterator: StateIterator, limit: number, map: (key: string, value: Uint8Array) => T | undefined): Promise<T[]> {
  const out: T[] = [];
  try {
    // Check the limit before asking for the next entry: a next() past a full
    // batch is a QUERY_STATE_NEXT round trip.
    while (out.length < limit) {
      const res = await iterator.next();
      if (res.done) break;
      const mapped = map(res.value.key, res.value.value);
      if (mapped !== undefined) out.push(mapped);
    }
  } finally {
    await release(iterator);
  }
  return out;
}

/**
 * Typed JSON access to world state for one transaction.
 *
 * Fabric does not let a transaction read its own writes, so this keeps the
 * transaction's writes in an overlay and answers reads (and composite-key
 * scans) from it first. That makes a multi-step transaction such as
 * `ImportLots` see the lots it has already created.
 */
export class Ledger {
  private readonly overlay = new Map<string, string | null>();

  constructor(private readonly stub: Stub) {}

  /** The transaction id. */
  get txId(): string {
    return this.stub.getTxID();
  }

  /** The transaction timestamp (the proposal's, identical on every endorser), as ISO-8601. */
  get now(): string {
    return isoTime(this.stub.getTxTimestamp());
  }

  /** Build a composite key. */
  key(objectType: string, attributes: readonly string[]): string {
    return this.stub.createCompositeKey(objectType, [...attributes]);
  }

  /** Read and parse a JSON value, or undefined when absent. */
  async get<T>(key: string): Promise<T | undefined> {
    const pending = this.overlay.get(key);
    if (pending !== undefined) return pending === null ? undefined : (JSON.parse(pending) as T);
    return decode(await this.stub.getState(key)) as T | undefined;
  }

  /** Write a value as sorted-key JSON. */
  async put(key: string, value: unknown): Promise<void> {
    const json = canonicalJson(value);
    this.overlay.set(key, json);
    await this.stub.putState(key, Buffer.from(json));
  }

  /** Delete a key (its history stays on the ledger). */
  async delete(key: string): Promise<void> {
    this.overlay.set(key, null);
    await this.stub.deleteState(key);
  }

  /**
   * Scan a partial composite key in key order, including this transaction's own
   * writes, returning at most `limit` entries. The iterator is always closed.
   */
  async scan<T>(objectType: string, attributes: readonly string[], limit: number): Promise<ScanEntry<T>[]> {
    const prefix = this.key(objectType, attributes);
    const iterator = await this.stub.getStateByPartialCompositeKey(objectType, [...attributes]);
    const committed = await drain(iterator, limit + this.overlay.size, (key, value) =>
      this.overlay.has(key) ? undefined : { key, json: Buffer.from(value).toString('utf8') },
    );
    const own = [...this.overlay.entries()]
      .filter((e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== null)
      .map(([key, json]) => ({ key, json }));
    return [...committed, ...own]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit)
      .map(({ key, json }) => ({
        key,
        attributes: this.stub.splitCompositeKey(key).attributes,
        value: JSON.parse(json) as T,
      }));
  }

  /**
   * One page (at most `pageSize` entries, in key order) of a partial composite
   * key, from the `bookmark` a previous page returned ('' for the first page).
   * Uses Fabric's paginated range query, so it is for read-only transactions
   * only; it does not see this transaction's writes. A bookmark from another
   * list is refused with INVALID_ARGUMENT.
   */
  async page<T>(objectType: string, attributes: readonly string[], pageSize: number, bookmark: string): Promise<Page<ScanEntry<T>>> {
    const start = bookmark === '' ? '' : decodeBookmark(bookmark, this.key(objectType, attributes));
    const response = await this.stub.getStateByPartialCompositeKeyWithPagination(objectType, [...attributes], pageSize, start);
    // fabric-shim leaves `metadata` out when the peer's is empty (nothing fetched, no bookmark).
    const { iterator, metadata } = response as { iterator: typeof response.iterator; metadata?: { bookmark?: string } };
    const entries = await drain(iterator, pageSize, (key, value) => ({
      key,
      attributes: this.stub.splitCompositeKey(key).attributes,
      value: JSON.parse(Buffer.from(value).toString('utf8')) as T,
    }));
    return { entries, bookmark: encodeBookmark(metadata?.bookmark ?? '') };
  }

  /**
   * One page of the modification history of a key, oldest first: at most
   * `pageSize` entries after the first `offset` (history is append-only, so
   * offsets are stable). Returns the offset of the next page, or undefined after the last.
   */
  async history(key: string, pageSize: number, offset = 0): Promise<{ entries: HistoryEntry[]; next: number | undefined }> {
    const iterator = await this.stub.getHistoryForKey(key);
    const out: HistoryEntry[] = [];
    let seen = 0;
    let more = false;
    try {
      for (let res = await iterator.next(); !res.done; res = await iterator.next()) {
        if (seen++ < offset) continue;
        if (out.length === pageSize) {
          more = true;
          break;
        }
        const mod = res.value;
        out.push({
          txId: mod.txId,
          timestamp: isoTime(mod.timestamp),
          isDelete: mod.isDelete,
          value: mod.isDelete ? null : (decode(mod.value) ?? null),
        });
      }
    } finally {
      await release(iterator);
    }
    return { entries: out, next: more ? offset + out.length : undefined };
  }

  /** Read a JSON value from a private data collection, with its raw bytes. */
  async getPrivate(collection: string, key: string): Promise<{ raw: Buffer; value: unknown } | undefined> {
    const bytes = await this.stub.getPrivateData(collection, key);
    if (bytes === undefined || bytes.length === 0) return undefined;
    const raw = Buffer.from(bytes);
    return { raw, value: JSON.parse(raw.toString('utf8')) as unknown };
  }

  /** Write exact bytes to a private data collection. */
  async putPrivate(collection: string, key: string, raw: Buffer): Promise<void> {
    await this.stub.putPrivateData(collection, key, raw);
  }

  /** The on-chain SHA-256 (hex) of a private data value, readable by any member, or undefined. */
  async privateHash(collection: string, key: string): Promise<string | undefined> {
    const bytes = await this.stub.getPrivateDataHash(collection, key);
    return bytes === undefined || bytes.length === 0 ? undefined : Buffer.from(bytes).toString('hex');
  }

  /** The transient map entry, or undefined. */
  transient(name: string): Buffer | undefined {
    const bytes = this.stub.getTransient().get(name);
    return bytes === undefined ? undefined : Buffer.from(bytes);
  }
}
