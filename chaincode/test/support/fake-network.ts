import { createHash } from 'node:crypto';
import { compositeKey, splitCompositeKey } from '@lotline/domain';
import { Context } from 'fabric-contract-api';
import Long from 'long';
import { LotContract, ParticipantContract, QualityContract } from '../../src';
import { EpcisContract } from '../../src/contracts/epcis-contract';

/**
 * An in-memory stand-in for a peer, good enough to run the real transaction
 * functions with Fabric's semantics:
 * - a transaction does not read its own writes; writes apply at commit;
 * - reads and partial-key range scans are recorded with key versions, and
 *   commit validates them (MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT), so
 *   concurrent endorsement against one snapshot can be simulated;
 * - history per key, private data per collection with on-chain hashes,
 *   transient data, tx id and timestamp, and every setEvent call captured
 *   (only the last one is kept, as Fabric does).
 */

type Bytes = Uint8Array;

interface Versioned {
  readonly value: Buffer;
  readonly version: number;
}

interface HistoryRecord {
  readonly txId: string;
  readonly seconds: number;
  readonly isDelete: boolean;
  readonly value: Buffer;
}

interface RangeRead {
  readonly objectType: string;
  readonly attributes: string[];
  readonly seen: { key: string; version: number }[];
  exhausted: boolean;
}

/** A fake client identity: MSP ID, role attribute, certificate id. */
export interface FakeIdentity {
  readonly msp: string;
  readonly role?: string;
  readonly name?: string;
}

/** Outcome of committing a transaction. */
export type ValidationCode = 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT';

const MAX_UNICODE = '\u{10FFFF}';

function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Entries per range-query response, as the peer sends them (Fabric core/chaincode MaxResultLimit). */
export const PEER_BATCH = 100;

/**
 * An iterator that behaves as fabric-shim's over a peer: results come in
 * batches of PEER_BATCH, each further batch is a QUERY_STATE_NEXT round trip,
 * and the peer releases the iterator itself once it has sent the last batch
 * (`response.getHasMore()` false), so only an iterator with batches pending
 * stays open until close().
 */
class FakeIterator<T> {
  private index = 0;
  private sent: number;
  private open = true;
  /** The last batch's header, where fabric-shim keeps it. */
  readonly response = { getHasMore: (): boolean => this.sent < this.items.length };

  constructor(
    private readonly items: T[],
    private readonly network: FakeNetwork,
    private readonly stub: FakeStub,
    private readonly onNext: (item: T) => void = () => undefined,
    private readonly onEnd: () => void = () => undefined,
  ) {
    this.sent = Math.min(items.length, PEER_BATCH);
    network.openIterators++;
    this.releaseIfLastBatch();
  }

  private releaseIfLastBatch(): void {
    if (this.open && !this.response.getHasMore()) {
      this.open = false;
      this.network.openIterators--;
    }
  }

  async next(): Promise<{ value: T; done: boolean }> {
    if (this.index === this.sent && this.sent < this.items.length) {
      this.stub.count('QUERY_STATE_NEXT');
      this.sent = Math.min(this.items.length, this.sent + PEER_BATCH);
      this.releaseIfLastBatch();
    }
    const item = this.items[this.index++];
    if (item === undefined) {
      this.onEnd();
      return { value: undefined as unknown as T, done: true };
    }
    this.onNext(item);
    return { value: item, done: false };
  }

  async close(): Promise<void> {
    this.stub.count('QUERY_STATE_CLOSE');
    if (this.open) {
      this.open = false;
      this.network.openIterators--;
    }
  }
}

/** A ChaincodeStub for one transaction proposal. */
export class FakeStub {
  readonly txId: string;
  readonly seconds: number;
  readonly reads = new Map<string, number>();
  readonly ranges: RangeRead[] = [];
  readonly writes = new Map<string, Buffer | null>();
  readonly privateWrites = new Map<string, Map<string, Buffer>>();
  readonly events: { name: string; payload: Buffer }[] = [];
  /** Requests this transaction sent to the "peer", by shim message type (each one a round trip). */
  readonly calls = new Map<string, number>();
  /** Whether the transaction ran a paginated query (the peer allows them in read-only transactions only). */
  paginated = false;

  constructor(
    private readonly network: FakeNetwork,
    readonly identity: FakeIdentity,
    private readonly transient: Map<string, Bytes>,
    private readonly args: string[],
    private readonly creatorPem: string,
  ) {
    this.txId = createHash('sha256').update(`tx-${network.nextTxNumber()}`).digest('hex');
    this.seconds = network.clock();
  }

  /** Count one request to the peer. */
  count(type: string): void {
    this.calls.set(type, (this.calls.get(type) ?? 0) + 1);
  }
  /** All requests this transaction sent to the peer. */
  get roundTrips(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  getTxID(): string {
    return this.txId;
  }
  getChannelID(): string {
    return 'lotline';
  }
  getTxTimestamp(): { seconds: Long; nanos: number } {
    return { seconds: Long.fromNumber(this.seconds), nanos: 500_000_000 };
  }
  getDateTimestamp(): Date {
    return new Date(this.seconds * 1000);
  }
  getCreator(): { mspid: string; idBytes: Bytes } {
    return { mspid: this.identity.msp, idBytes: Buffer.from(this.creatorPem) };
  }
  getMspID(): string {
    return this.identity.msp;
  }
  getBufferArgs(): Buffer[] {
    return this.args.map((a) => Buffer.from(a));
  }
  getArgs(): string[] {
    return this.args;
  }
  getStringArgs(): string[] {
    return this.args;
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.args[0] ?? '', params: this.args.slice(1) };
  }
  getTransient(): Map<string, Bytes> {
    return this.transient;
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return compositeKey(objectType, attributes);
  }
  splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
    return splitCompositeKey(key);
  }

  async getState(key: string): Promise<Bytes> {
    this.count('GET_STATE');
    const entry = this.network.state.get(key);
    this.reads.set(key, entry?.version ?? 0);
    return entry?.value ?? Buffer.alloc(0);
  }
  async putState(key: string, value: Bytes): Promise<void> {
    this.count('PUT_STATE');
    if (key === '' || value.length === 0) throw new Error('putState needs a key and a non-empty value');
    this.writes.set(key, Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    this.count('DEL_STATE');
    this.writes.set(key, null);
  }

  async getStateByPartialCompositeKey(objectType: string, attributes: string[]) {
    this.count('GET_STATE_BY_RANGE');
    const range: RangeRead = { objectType, attributes, seen: [], exhausted: false };
    this.ranges.push(range);
    const items = this.network
      .rangeEntries(objectType, attributes)
      .map(({ key, entry }) => ({ namespace: 'lotline', key, value: entry.value, version: entry.version }));
    return new FakeIterator(
      items,
      this.network,
      this,
      (item) => range.seen.push({ key: item.key, version: item.version }),
      () => {
        range.exhausted = true;
      },
    );
  }

  /** Fabric's paginated range query: a page from `bookmark` (inclusive), and the next key as the next bookmark ('' at the end). */
  async getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark = '') {
    this.count('GET_STATE_BY_RANGE');
    this.paginated = true;
    const all = this.network.rangeEntries(objectType, attributes).filter(({ key }) => bookmark === '' || key >= bookmark);
    const page = all.slice(0, pageSize).map(({ key, entry }) => ({ namespace: 'lotline', key, value: entry.value }));
    const iterator = new FakeIterator(page, this.network, this);
    return { iterator, metadata: { fetchedRecordsCount: page.length, bookmark: all[pageSize]?.key ?? '' } };
  }

  async getHistoryForKey(key: string) {
    this.count('GET_HISTORY_FOR_KEY');
    const records = this.network.history.get(key) ?? [];
    return new FakeIterator(
      records.map((r) => ({
        txId: r.txId,
        timestamp: { seconds: Long.fromNumber(r.seconds), nanos: 500_000_000 },
        isDelete: r.isDelete,
        value: r.value,
      })),
      this.network,
      this,
    );
  }

  setEvent(name: string, payload: Bytes): void {
    if (name === '') throw new Error('event name must not be empty');
    this.events.push({ name, payload: Buffer.from(payload) });
  }

  private assertMember(collection: string): void {
    const match = /^_implicit_org_(.+)$/.exec(collection);
    if (match !== null && match[1] !== this.identity.msp) {
      throw new Error(`peer of ${this.identity.msp} is not a member of collection ${collection}`);
    }
  }

  async getPrivateData(collection: string, key: string): Promise<Bytes> {
    this.count('GET_STATE');
    this.assertMember(collection);
    return this.network.privateData.get(collection)?.get(key) ?? Buffer.alloc(0);
  }
  async getPrivateDataHash(collection: string, key: string): Promise<Bytes> {
    this.count('GET_PRIVATE_DATA_HASH');
    const value = this.network.privateData.get(collection)?.get(key);
    return value === undefined ? Buffer.alloc(0) : createHash('sha256').update(value).digest();
  }
  async putPrivateData(collection: string, key: string, value: Bytes): Promise<void> {
    this.count('PUT_STATE');
    if (value.length === 0) throw new Error('putPrivateData needs a non-empty value');
    const writes = this.privateWrites.get(collection) ?? new Map<string, Buffer>();
    writes.set(key, Buffer.from(value));
    this.privateWrites.set(collection, writes);
  }
}

/** A transaction that has been endorsed (executed) but not yet committed. */
export interface Endorsed {
  readonly stub: FakeStub;
  readonly result?: string;
  readonly error?: Error;
}

/** The contract instances the fake network routes `Contract:Function` names to. */
const CONTRACTS: Record<string, object> = {
  Lot: new LotContract(),
  Quality: new QualityContract(),
  Participant: new ParticipantContract(),
  Epcis: new EpcisContract(),
};

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The shared ledger of a test: committed state, history, private data and events. */
export class FakeNetwork {
  readonly state = new Map<string, Versioned>();
  readonly history = new Map<string, HistoryRecord[]>();
  readonly privateData = new Map<string, Map<string, Buffer>>();
  /** Committed events: the single event Fabric keeps per valid transaction. */
  readonly events: { txId: string; name: string; payload: Record<string, unknown> }[] = [];
  /** The last endorsed transaction (committed or not), for assertions on its read/write sets. */
  last: FakeStub | undefined;
  openIterators = 0;
  private txNumber = 0;
  private versionCounter = 0;
  private seconds = 1_767_225_600; // 2026-01-01T00:00:00Z

  nextTxNumber(): number {
    return ++this.txNumber;
  }
  clock(): number {
    return (this.seconds += 1);
  }

  /** Committed entries under a partial composite key, in key order. */
  rangeEntries(objectType: string, attributes: readonly string[]): { key: string; entry: Versioned }[] {
    const start = compositeKey(objectType, attributes);
    const end = start + MAX_UNICODE;
    return sortedKeys(this.state.keys())
      .filter((k) => k >= start && k < end)
      .map((key) => ({ key, entry: this.state.get(key) as Versioned }));
  }

  /** Execute a transaction function against the current committed state, without committing. */
  async endorse(
    identity: FakeIdentity,
    fn: string,
    args: string[],
    transient: Record<string, string> = {},
    creatorPem = '',
  ): Promise<Endorsed> {
    const [contractName, method] = fn.split(':') as [string, string];
    const contract = CONTRACTS[contractName] as Record<string, (ctx: Context, ...a: string[]) => Promise<string>> | undefined;
    const call = contract?.[method];
    if (contract === undefined || call === undefined) throw new Error(`no transaction ${fn}`);
    const stub = new FakeStub(
      this,
      identity,
      new Map(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v)])),
      [fn, ...args],
      creatorPem,
    );
    const ctx = new Context();
    ctx.stub = stub as unknown as Context['stub'];
    ctx.clientIdentity = fakeClientIdentity(identity);
    ctx.logging = { setLevel: () => undefined, getLogger: () => silentLogger as unknown as ReturnType<Context['logging']['getLogger']> };
    this.last = stub;
    try {
      const result = await call.call(contract, ctx, ...args);
      return { stub, result };
    } catch (error) {
      return { stub, error: error as Error };
    } finally {
      if (this.openIterators !== 0) throw new Error(`${fn} left ${this.openIterators} iterator(s) open`);
    }
  }

  /** Validate and apply endorsed transactions in order, as one block. */
  commitBlock(txs: readonly Endorsed[]): ValidationCode[] {
    return txs.map(({ stub, error }) => {
      if (error !== undefined) throw new Error(`cannot commit a failed endorsement: ${error.message}`);
      if (stub.paginated)
        throw new Error('a transaction with a paginated query cannot be submitted (Fabric allows them in read-only transactions only)');
      const code = this.validate(stub);
      if (code === 'VALID') this.apply(stub);
      return code;
    });
  }

  private validate(stub: FakeStub): ValidationCode {
    for (const [key, version] of stub.reads) {
      if ((this.state.get(key)?.version ?? 0) !== version) return 'MVCC_READ_CONFLICT';
    }
    for (const range of stub.ranges) {
      const now = this.rangeEntries(range.objectType, range.attributes).map(({ key, entry }) => ({ key, version: entry.version }));
      const compared = range.exhausted ? now : now.slice(0, range.seen.length);
      if (compared.length !== range.seen.length) return 'PHANTOM_READ_CONFLICT';
      if (compared.some((e, i) => e.key !== range.seen[i]?.key || e.version !== range.seen[i]?.version)) return 'PHANTOM_READ_CONFLICT';
    }
    return 'VALID';
  }

  private apply(stub: FakeStub): void {
    for (const [key, value] of stub.writes) {
      if (value === null) this.state.delete(key);
      else this.state.set(key, { value, version: ++this.versionCounter });
      const records = this.history.get(key) ?? [];
      records.push({ txId: stub.txId, seconds: stub.seconds, isDelete: value === null, value: value ?? Buffer.alloc(0) });
      this.history.set(key, records);
    }
    for (const [collection, writes] of stub.privateWrites) {
      const data = this.privateData.get(collection) ?? new Map<string, Buffer>();
      for (const [key, value] of writes) data.set(key, value);
      this.privateData.set(collection, data);
    }
    const event = stub.events[stub.events.length - 1];
    if (event !== undefined) {
      this.events.push({ txId: stub.txId, name: event.name, payload: JSON.parse(event.payload.toString()) as Record<string, unknown> });
    }
  }

  /** Endorse and commit one transaction; throws its error, or a validation failure. Returns the parsed result. */
  async submit(identity: FakeIdentity, fn: string, args: string[], transient?: Record<string, string>): Promise<any> {
    const endorsed = await this.endorse(identity, fn, args, transient);
    if (endorsed.error !== undefined) throw endorsed.error;
    const [code] = this.commitBlock([endorsed]);
    if (code !== 'VALID') throw new Error(`${fn} invalidated: ${code}`);
    if (endorsed.stub.events.length !== 1) throw new Error(`${fn} set ${endorsed.stub.events.length} events, expected exactly one`);
    return JSON.parse(endorsed.result as string);
  }

  /** Run a read-only transaction function; fails if it wrote anything. Returns the parsed result. */
  async evaluate(identity: FakeIdentity, fn: string, args: string[]): Promise<any> {
    const endorsed = await this.endorse(identity, fn, args);
    if (endorsed.error !== undefined) throw endorsed.error;
    const stub = endorsed.stub;
    if (stub.writes.size > 0 || stub.privateWrites.size > 0 || stub.events.length > 0)
      throw new Error(`${fn} wrote state during evaluation`);
    return JSON.parse(endorsed.result as string);
  }

  /** A client bound to one identity. */
  as(msp: string, role?: string, name = role ?? 'anon'): FakeClient {
    return new FakeClient(this, { msp, ...(role !== undefined ? { role } : {}), name });
  }

  /** The committed value of a composite key, parsed, or undefined. */
  /** A committed quality event by id, through its `qe~id` pointer (events are keyed by time). */
  readQualityEvent(lotId: string, eventId: string): any {
    const pointer = this.read('qe~id', [lotId, eventId]) as { recordedAt: string } | undefined;
    return pointer === undefined ? undefined : this.read('qe', [lotId, pointer.recordedAt, eventId]);
  }

  read(objectType: string, attributes: string[]): any {
    const entry = this.state.get(compositeKey(objectType, attributes));
    return entry === undefined ? undefined : JSON.parse(entry.value.toString());
  }
}

/** Submit and evaluate as one identity. */
export class FakeClient {
  constructor(
    readonly network: FakeNetwork,
    readonly identity: FakeIdentity,
  ) {}

  submit(fn: string, ...args: string[]): Promise<any> {
    return this.network.submit(this.identity, fn, args);
  }
  submitWithTransient(fn: string, transient: Record<string, string>, ...args: string[]): Promise<any> {
    return this.network.submit(this.identity, fn, args, transient);
  }
  evaluate(fn: string, ...args: string[]): Promise<any> {
    return this.network.evaluate(this.identity, fn, args);
  }
  endorse(fn: string, ...args: string[]): Promise<Endorsed> {
    return this.network.endorse(this.identity, fn, args);
  }
}

/** The client identity the chaincode sees for a fake caller (MSP ID, id and `role` attribute). */
export function fakeClientIdentity(identity: FakeIdentity): Context['clientIdentity'] {
  const id = `x509::/C=US/O=${identity.msp}/OU=client/CN=${identity.name ?? 'user'}::/C=US/O=${identity.msp}/CN=ca.${identity.msp}`;
  return {
    getMSPID: () => identity.msp,
    getID: () => id,
    getIDBytes: () => Buffer.from(id),
    getAttributeValue: (name: string) => (name === 'role' ? (identity.role ?? null) : null),
    assertAttributeValue: (name: string, value: string) => name === 'role' && identity.role === value,
  };
}
