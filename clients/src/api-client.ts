/**
 * The one typed HTTP client of the Lotline API, shared by the `lotline` CLI
 * (Node 20) and the web trace explorer (browser). It uses only `fetch`,
 * `URL` and `AbortSignal`, and it prints nothing.
 *
 * Errors: every non-2xx answer becomes an {@link ApiError} carrying the
 * problem+json (RFC 9457) `code` and HTTP `status`; a network failure or a
 * timeout becomes an ApiError with status 0 and code `UNAVAILABLE`.
 */
import type {
  HistoryEntry,
  LedgerEvent,
  Lot,
  NewHold,
  NewInspection,
  NewLot,
  NewRecall,
  NewSplitChild,
  NewUser,
  Participant,
  ParticipantInput,
  QualityEvent,
  RecallRecord,
  RecallReport,
  Trace,
  TraceDirection,
  TransactionProof,
  Transfer,
  WhoAmI,
} from './api-types';
import { readSse, type SseMessage } from './sse';

export type * from './api-types';

/** An RFC 9457 problem document, with Lotline's stable `code`. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  code?: string;
  [extension: string]: unknown;
}

/** Properties of an {@link ApiError}. */
export interface ApiErrorProperties {
  status: number;
  code: string;
  message: string;
  problem?: Problem;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** A failed API call. Decide on `code` or `status`, never on the message. */
export class ApiError extends Error {
  /** HTTP status, or 0 when the API could not be reached. */
  readonly status: number;
  /** Stable error code: the problem's `code` (LOT_NOT_FOUND, FORBIDDEN…), or `HTTP_<status>`, or `UNAVAILABLE`. */
  readonly code: string;
  readonly problem: Problem | undefined;
  /** From `Retry-After`, when the API sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(properties: Readonly<ApiErrorProperties>) {
    super(properties.message, { cause: properties.cause });
    this.name = 'ApiError';
    this.status = properties.status;
    this.code = properties.code;
    this.problem = properties.problem;
    this.retryAfterSeconds = properties.retryAfterSeconds;
  }
}

/** A write that committed: the value the ledger returned, and where it was committed. */
export interface Committed<T> {
  value: T;
  txId?: string;
  blockNumber?: string;
}

export interface ApiClientOptions {
  /** Base URL of one organisation's API, e.g. `http://127.0.0.1:3002/` or `../` in the explorer. */
  baseUrl: string;
  /** A bearer token (JWT). */
  token?: string;
  /** Per-request timeout in milliseconds (default 60 s: writes wait for commit). */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** The user's language, sent as Accept-Language so that problem titles and details come back in it (read per request). */
  language?: () => string;
}

export interface TraceOptions {
  direction: TraceDirection;
  depth?: number;
  maxNodes?: number;
}

export interface EventStreamOptions {
  lotId?: string;
  types?: string[];
  lastEventId?: string;
  signal?: AbortSignal;
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A body sent as is (a file upload), with its media type. */
  raw?: { body: Blob | Uint8Array; contentType: string };
  headers?: Record<string, string>;
}

/** The kinds of spreadsheet import (`POST /imports/<kind>`). */
export type ImportKind = 'lots' | 'inspections';

/** One problem of an import, by row and column (messages in the `Accept-Language` language). */
export interface ImportProblem {
  row: number;
  column?: string;
  header?: string;
  field?: string;
  code: string;
  message: string;
}

/** The report of `POST /imports/<kind>`. */
export interface ImportReport {
  kind: ImportKind;
  total: number;
  written: number;
  present: number;
  invalid: number;
  message: string;
  txIds: string[];
  rows: {
    row: number;
    id?: string;
    status: 'written' | 'present' | 'invalid' | 'valid';
    txId?: string;
    blockNumber?: number;
    errors?: ImportProblem[];
  }[];
  errors: ImportProblem[];
}

const WRITE_ENVELOPE_KEYS = ['result', 'data', 'value'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function retryAfter(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - Date.now()) / 1000));
}

/** Builds the ApiError for a non-2xx response (problem+json, or any other body). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let problem: Problem | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) problem = parsed as Problem;
  } catch {
    problem = undefined;
  }
  const code = typeof problem?.code === 'string' ? problem.code : `HTTP_${res.status}`;
  const detail = problem?.detail ?? problem?.title ?? (text.trim().slice(0, 300) || res.statusText);
  return new ApiError({
    status: res.status,
    code,
    message: `${code}: ${detail}`,
    ...(problem ? { problem } : {}),
    ...(retryAfter(res.headers) !== undefined ? { retryAfterSeconds: retryAfter(res.headers) } : {}),
  });
}

/**
 * Normalises a write's response: the API answers with the committed record and
 * the transaction id and block number, either as an envelope
 * (`{txId, blockNumber, result}`) or beside the record, or in headers.
 */
export function committedFrom<T>(body: unknown, headers: Headers): Committed<T> {
  const fromHeaders = {
    txId: headers.get('x-transaction-id') ?? headers.get('x-tx-id') ?? undefined,
    blockNumber: headers.get('x-block-number') ?? undefined,
  };
  if (!isRecord(body)) return { value: body as T, ...defined(fromHeaders) };
  const envelopeKey = WRITE_ENVELOPE_KEYS.find((k) => k in body);
  const tx = isRecord(body.transaction) ? body.transaction : body;
  const txId = typeof tx.txId === 'string' ? tx.txId : typeof tx.transactionId === 'string' ? tx.transactionId : fromHeaders.txId;
  const block = tx.blockNumber ?? fromHeaders.blockNumber;
  const value = (envelopeKey !== undefined && 'txId' in tx ? body[envelopeKey] : body) as T;
  return { value, ...defined({ txId, blockNumber: block === undefined || block === null ? undefined : String(block as string) }) };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const enc = encodeURIComponent;

/** The typed client. One instance talks to one organisation's API as one token's user. */
export class ApiClient {
  readonly baseUrl: string;
  private token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly language: (() => string) | undefined;

  constructor(options: ApiClientOptions) {
    this.language = options.language;
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Replaces the bearer token (sign in / out). */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /** The absolute URL of an API path (relative base URLs resolve against the page in a browser). */
  url(path: string, query?: RequestOptions['query']): string {
    const base = /^[a-z]+:/i.test(this.baseUrl)
      ? this.baseUrl
      : new URL(this.baseUrl, (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/').href;
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
  }

  private headers(extra?: Record<string, string>): Record<string, string> {
    return {
      accept: 'application/json, application/problem+json',
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(this.language !== undefined ? { 'accept-language': this.language() } : {}),
      ...extra,
    };
  }

  private async send(method: string, path: string, options: RequestOptions = {}, signal?: AbortSignal): Promise<Response> {
    const contentType = options.raw?.contentType ?? (options.body !== undefined ? 'application/json' : undefined);
    const headers = this.headers(contentType !== undefined ? { 'content-type': contentType, ...options.headers } : options.headers);
    const init: RequestInit = { method, headers, signal: signal ?? AbortSignal.timeout(this.timeoutMs) };
    if (options.raw !== undefined) init.body = options.raw.body as NonNullable<RequestInit['body']>;
    else if (options.body !== undefined) init.body = JSON.stringify(options.body);
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path, options.query), init);
    } catch (cause) {
      // A fetch of the caller's may report a failure precisely itself (the CLI: an untrusted TLS certificate).
      if (cause instanceof ApiError) throw cause;
      const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      throw new ApiError({
        status: 0,
        code: 'UNAVAILABLE',
        message: `UNAVAILABLE: ${timedOut ? 'no answer within the timeout from' : 'cannot reach'} the Lotline API at ${this.baseUrl}`,
        cause,
      });
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  private async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const res = await this.send(method, path, options);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async write<T>(method: string, path: string, options?: RequestOptions): Promise<Committed<T>> {
    const res = await this.send(method, path, options);
    const body: unknown = res.status === 204 ? undefined : await res.json();
    return committedFrom<T>(body, res.headers);
  }

  // --- service -----------------------------------------------------------------

  /** `GET /healthz`. */
  health(): Promise<unknown> {
    return this.json('GET', 'healthz');
  }

  /** `GET /openapi.json`. */
  openapi(): Promise<Record<string, unknown>> {
    return this.json('GET', 'openapi.json');
  }

  /** Who the token names (user, organisation, role). */
  whoami(): Promise<WhoAmI> {
    return this.json('GET', 'me');
  }

  /** Registers and enrols a user with the organisation's CA (admin only). */
  registerUser(user: NewUser): Promise<Committed<unknown>> {
    return this.write('POST', 'users', { body: user });
  }

  // --- spreadsheets and notices -------------------------------------------------------

  /**
   * Import a filled template (`.xlsx` or CSV) with `POST /imports/<kind>`. A file with problems
   * throws an ApiError 422 `IMPORT_INVALID` whose problem lists them (`errors`, `rows`).
   */
  importSpreadsheet(
    kind: ImportKind,
    file: Blob | Uint8Array,
    options: { format: 'xlsx' | 'csv'; partial?: boolean; language?: string },
  ): Promise<ImportReport> {
    const contentType = options.format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
    return this.json('POST', `imports/${kind}`, {
      raw: { body: file, contentType },
      query: { partial: options.partial === true ? 'true' : undefined },
      ...(options.language !== undefined ? { headers: { 'accept-language': options.language } } : {}),
    });
  }

  /**
   * A file the API renders (a template, an export, recall notices), with its name from `Content-Disposition`.
   * `path` is relative to the API (`templates/lots.xlsx`, `exports/recalls/R1`, `recalls/R1/notices`).
   */
  async download(
    path: string,
    query: Record<string, string | undefined> = {},
    language?: string,
  ): Promise<{ blob: Blob; fileName: string | undefined }> {
    const res = await this.send('GET', path, {
      query,
      headers: { accept: '*/*', ...(language !== undefined ? { 'accept-language': language } : {}) },
    });
    const disposition = res.headers.get('content-disposition') ?? '';
    return { blob: await res.blob(), fileName: /filename="([^"]+)"/.exec(disposition)?.[1] };
  }

  // --- lots --------------------------------------------------------------------

  createLot(lot: NewLot): Promise<Committed<Lot>> {
    return this.write('POST', 'lots', { body: lot });
  }

  getLot(id: string): Promise<Lot> {
    return this.json('GET', `lots/${enc(id)}`);
  }

  /** A lot's printable label: PDF (default) or PNG, one 62 mm roll label (default) or an A4 sheet of 2 × 4. */
  async lotLabel(id: string, options: { format?: 'pdf' | 'png'; size?: '62mm' | 'a4' } = {}): Promise<Blob> {
    const format = options.format ?? 'pdf';
    const res = await this.send('GET', `lots/${enc(id)}/label`, {
      query: { format, size: options.size },
      headers: { accept: `${format === 'pdf' ? 'application/pdf' : 'image/png'}, application/problem+json` },
    });
    return res.blob();
  }

  /**
   * The lot id a GS1 Digital Link path (`/01/<GTIN>/10/<lot>`) resolves to, through the API's resolver: it
   * redirects to the explorer's `?lot=<id>`, which is read from the final URL.
   */
  async resolveDigitalLink(path: string): Promise<string> {
    const res = await this.send('GET', path.replace(/^\/+/, ''), { headers: { accept: 'text/html, application/problem+json' } });
    const lot = new URL(res.url).searchParams.get('lot');
    if (lot === null)
      throw new ApiError({ status: 0, code: 'UNEXPECTED_RESPONSE', message: `UNEXPECTED_RESPONSE: ${path} did not resolve to a lot` });
    return lot;
  }

  traceLot(id: string, options: TraceOptions): Promise<Trace> {
    return this.json('GET', `lots/${enc(id)}/trace`, {
      query: { direction: options.direction, depth: options.depth, maxNodes: options.maxNodes },
    });
  }

  /** Every modification of a lot, oldest first, following the API's bookmarks (at most 100 pages of 1000). */
  async lotHistory(id: string): Promise<HistoryEntry[]> {
    return this.allPages(
      (q) => this.json<{ history: HistoryEntry[]; bookmark: string }>('GET', `lots/${enc(id)}/history?${q}`),
      (b) => b.history,
    );
  }

  /** Fetch a paginated list page by page (`limit=1000`, then each returned `bookmark`) until its last page. */
  private async allPages<B extends { bookmark: string }, T>(fetch: (query: string) => Promise<B>, items: (body: B) => T[]): Promise<T[]> {
    const out: T[] = [];
    let bookmark = '';
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ limit: '1000', ...(bookmark !== '' ? { bookmark } : {}) });
      const body = await fetch(query.toString());
      out.push(...items(body));
      if (body.bookmark === '') return out;
      bookmark = body.bookmark;
    }
    throw new Error('the list has more than 100 pages: read it page by page with limit and bookmark');
  }

  splitLot(parentId: string, child: NewSplitChild): Promise<Committed<Lot>> {
    return this.write('POST', `lots/${enc(parentId)}/splits`, { body: child });
  }

  // --- custody -----------------------------------------------------------------

  proposeTransfer(lotId: string, to: string): Promise<Committed<Transfer>> {
    return this.write('POST', `lots/${enc(lotId)}/transfers`, { body: { to } });
  }

  acceptTransfer(lotId: string): Promise<Committed<Lot>> {
    return this.write('POST', `lots/${enc(lotId)}/transfers/current/acceptance`, { body: {} });
  }

  rejectTransfer(lotId: string, reason: string): Promise<Committed<unknown>> {
    return this.write('POST', `lots/${enc(lotId)}/transfers/current/rejection`, { body: { reason } });
  }

  cancelTransfer(lotId: string): Promise<Committed<unknown>> {
    return this.write('DELETE', `lots/${enc(lotId)}/transfers/current`);
  }

  // --- quality -----------------------------------------------------------------

  /** Every quality event of a lot, oldest first, following the API's bookmarks. */
  async qualityEvents(lotId: string): Promise<QualityEvent[]> {
    return this.allPages(
      (q) => this.json<{ events: QualityEvent[]; bookmark: string }>('GET', `lots/${enc(lotId)}/quality-events?${q}`),
      (b) => b.events,
    );
  }

  recordInspection(lotId: string, inspection: NewInspection): Promise<Committed<QualityEvent>> {
    return this.write('POST', `lots/${enc(lotId)}/quality-events`, { body: { type: 'inspection', ...inspection } });
  }

  recordFinding(
    lotId: string,
    finding: { type: 'nonconformance' | 'corrective_action'; description: string; reference?: string },
  ): Promise<Committed<QualityEvent>> {
    return this.write('POST', `lots/${enc(lotId)}/quality-events`, { body: finding });
  }

  placeHold(lotId: string, hold: NewHold): Promise<Committed<QualityEvent>> {
    return this.write('POST', `lots/${enc(lotId)}/holds`, { body: hold });
  }

  releaseHold(lotId: string, holdId: string, reason: string): Promise<Committed<QualityEvent>> {
    return this.write('POST', `lots/${enc(lotId)}/holds/${enc(holdId)}/release`, { body: { reason } });
  }

  /** Record a recall; read its report of affected lots with getRecall. */
  startRecall(recall: NewRecall): Promise<Committed<RecallRecord>> {
    return this.write('POST', 'recalls', { body: recall });
  }

  /**
   * A recall's report. From a read model the report is complete and paged: every page is
   * fetched (at most 100) and the affected lots joined. `minBlock` (a write's block number)
   * waits until the API's read model has indexed that block.
   */
  async getRecall(recallId: string, minBlock?: string): Promise<RecallReport> {
    type Page = RecallReport & { nextCursor?: string | null };
    const first = await this.json<Page>('GET', `recalls/${enc(recallId)}`, { query: { minBlock } });
    const affected = [...first.affected];
    let cursor = first.nextCursor ?? null;
    for (let pages = 1; cursor !== null && pages < 100; pages++) {
      const page: Page = await this.json<Page>('GET', `recalls/${enc(recallId)}`, { query: { cursor } });
      affected.push(...page.affected);
      cursor = page.nextCursor ?? null;
    }
    return { ...first, affected, truncated: first.truncated === true || cursor !== null };
  }

  // --- participants ------------------------------------------------------------

  listParticipants(capability?: string): Promise<Participant[]> {
    return this.json<Participant[] | { participants: Participant[] }>('GET', 'participants', { query: { capability } }).then((b) =>
      Array.isArray(b) ? b : b.participants,
    );
  }

  getParticipant(msp: string): Promise<Participant> {
    return this.json('GET', `participants/${enc(msp)}`);
  }

  upsertParticipant(participant: ParticipantInput): Promise<Committed<Participant>> {
    return this.write('PUT', `participants/${enc(participant.msp)}`, { body: participant });
  }

  // --- proofs and events -------------------------------------------------------

  /** The API's proof of a transaction (block, validation code, creator, endorsers, write-set check). */
  /** `GET /lots/{id}/evidence`: the evidence bundle (zip bytes) and its SHA-256 as the API states it. */
  async evidence(lotId: string, options: { depth?: number } = {}): Promise<{ zip: Uint8Array; sha256: string | null }> {
    const res = await this.send('GET', `lots/${enc(lotId)}/evidence`, {
      query: { depth: options.depth },
      headers: { accept: 'application/zip, application/problem+json' },
    });
    return { zip: new Uint8Array(await res.arrayBuffer()), sha256: res.headers.get('x-evidence-sha256') };
  }

  proof(txId: string, options: { lotId?: string } = {}): Promise<TransactionProof> {
    return this.json('GET', `transactions/${enc(txId)}/proof`, { query: { lotId: options.lotId } });
  }

  /**
   * Streams chaincode events from `GET /events` (SSE over fetch, so the bearer
   * header is sent). Resolves when the stream ends or `signal` aborts.
   */
  async streamEvents(options: EventStreamOptions, onEvent: (event: LedgerEvent, raw: SseMessage) => void): Promise<void> {
    const query = { lotId: options.lotId, type: options.types?.join(',') };
    const headers = { accept: 'text/event-stream', ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) };
    const res = await this.send('GET', 'events', { query, headers }, options.signal ?? new AbortController().signal);
    if (!res.body) return;
    await readSse(
      res.body,
      (m) => {
        let payload: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(m.data);
          if (isRecord(parsed)) payload = parsed;
        } catch {
          payload = { data: m.data };
        }
        // The API sends {id, blockNumber, txId, type, payload}; the chaincode's fields (lotId, inputs…) are hoisted.
        const inner = isRecord(payload.payload) ? payload.payload : {};
        const type = typeof payload.type === 'string' ? payload.type : m.event;
        onEvent({ ...inner, ...payload, type, ...(m.id !== undefined ? { id: m.id } : {}) }, m);
      },
      options.signal,
    );
  }
}
