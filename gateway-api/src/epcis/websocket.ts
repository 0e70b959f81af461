/**
 * WebSocket subscriptions to a named query (EPCIS 2.0 REST binding: `GET
 * /queries/{queryName}/events` with `Upgrade: websocket`, and either
 * `stream=true` or schedule parameters `second` … `dayOfWeek`, which are
 * mutually exclusive; `reportIfEmpty` with a schedule).
 *
 * Each message is one EPCISQueryDocument (text, JSON): with `stream=true`,
 * each batch of newly indexed matching events (captured, or newly declared in
 * error) from the block indexed when the socket opened; with a schedule, the
 * events since the previous message at each matching time (an empty document
 * when there are none and `reportIfEmpty=true`). The socket closes with 1001
 * when the API stops, 4404 when the named query is deleted, 1008 when the
 * client reads too slowly; pings every heartbeat, and a client that misses
 * one is dropped.
 */
import type { Request, Response } from 'express';
import type { EpcisQuery, EpcisRow } from '@lotline/read-model';
import { namedQuery } from '@lotline/read-model';
import { WebSocketServer, type WebSocket } from 'ws';
import { acceptUpgrade, WEBSOCKET_PROTOCOL } from '../http/upgrade';
import type { ReadModelService } from '../read-model';
import { queryDocument } from './query';
import { nextRun, type Schedule } from './schedule';

/** Events per SSE event or WebSocket message; a larger backlog goes out in several. */
export const CHANGES_BATCH = 1000;

/** A client whose unsent messages exceed this is closed (1008): it reads too slowly. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Close code when the named query is deleted (4000-4999: the application's own). */
export const CLOSE_QUERY_DELETED = 4404;

/**
 * The next batch of `query`'s events whose rows changed after block `after`:
 * the events, the block the batch covers up to (the next position), and
 * whether more follow at once (a full batch that ends inside a block).
 */
export async function changesAfter(
  reads: ReadModelService,
  query: EpcisQuery,
  after: number,
): Promise<{ events: EpcisRow[]; position: number; more: boolean }> {
  const changes = await reads.read(undefined, (m) => m.epcisChanges(query, after, CHANGES_BATCH));
  const last = changes.events[changes.events.length - 1];
  const more = changes.events.length === CHANGES_BATCH && last !== undefined && last.changedBlock - 1 > after;
  return {
    events: changes.events,
    position: more && last !== undefined ? last.changedBlock - 1 : Math.max(after, changes.asOfBlock),
    more,
  };
}

/** How a WebSocket subscription reports. */
export type SocketMode =
  | { readonly kind: 'stream' }
  | { readonly kind: 'schedule'; readonly schedule: Schedule; readonly reportIfEmpty: boolean };

const server = new WebSocketServer({
  noServer: true,
  // Clients send nothing but control frames; a data message is at most this.
  maxPayload: 4096,
  handleProtocols: (offered) => (offered.has(WEBSOCKET_PROTOCOL) ? WEBSOCKET_PROTOCOL : false),
});
server.on('headers', (headers) => {
  headers.push('GS1-EPCIS-Version: 2.0.0', 'GS1-CBV-Version: 2.0.0');
});

/** What {@link serveSocket} needs. */
export interface SocketOptions {
  readonly reads: ReadModelService;
  readonly queryName: string;
  readonly query: EpcisQuery;
  readonly mode: SocketMode;
  /** Ping interval, also the longest wait between checks for new blocks (ms). */
  readonly heartbeatMs: number;
}

/** Sleep until `ms` passed, the socket closed or the read model closes. */
function sleep(ms: number, socket: WebSocket, reads: ReadModelService): Promise<void> {
  return new Promise((resolve) => {
    // Every listener is removed again, whichever ends the sleep: a long-lived socket sleeps many times.
    const done = (): void => {
      clearTimeout(timer);
      socket.off('close', done);
      reads.closing.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('close', done);
    reads.closing.addEventListener('abort', done, { once: true });
  });
}

/** Send one EPCISQueryDocument; false when the socket is gone or was closed for reading too slowly. */
function send(socket: WebSocket, queryName: string, events: readonly EpcisRow[]): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    socket.close(1008, 'the client reads too slowly; reconnect');
    return false;
  }
  socket.send(JSON.stringify(queryDocument(events, { queryName })));
  return true;
}

/** Send every batch changed after `after`; the new position. */
async function sendChanges(socket: WebSocket, options: SocketOptions, after: number, reportIfEmpty: boolean): Promise<number> {
  let position = after;
  for (let first = true; ; first = false) {
    const batch = await changesAfter(options.reads, options.query, position);
    if ((batch.events.length > 0 || (first && reportIfEmpty)) && !send(socket, options.queryName, batch.events)) return position;
    position = batch.position;
    if (!batch.more) return position;
  }
}

/** Whether the named query still exists; closes the socket with {@link CLOSE_QUERY_DELETED} when it does not. */
async function queryStillExists(socket: WebSocket, options: SocketOptions): Promise<boolean> {
  const stored = await options.reads.read(undefined, (m) => namedQuery(m.store, options.queryName));
  if (stored !== undefined) return true;
  socket.close(CLOSE_QUERY_DELETED, `the named query ${options.queryName} was deleted`);
  return false;
}

/** Report until the socket or the read model closes. */
async function run(socket: WebSocket, options: SocketOptions, start: number): Promise<void> {
  const { reads, mode, heartbeatMs } = options;
  let after = start;
  const open = (): boolean => socket.readyState === socket.OPEN && !reads.closing.aborted;
  while (open()) {
    if (mode.kind === 'stream') {
      after = await sendChanges(socket, options, after, false);
      if (!open() || !(await queryStillExists(socket, options))) return;
      await Promise.race([reads.read(undefined, (m) => m.waitFor(after + 1, heartbeatMs)), sleep(heartbeatMs, socket, reads)]);
    } else {
      const next = nextRun(mode.schedule, new Date())?.getTime();
      if (next === undefined) return void socket.close(1011, 'the schedule never fires');
      // Long waits are cut into heartbeats, so a deleted query is noticed.
      while (open() && Date.now() < next) {
        await sleep(Math.min(next - Date.now(), heartbeatMs), socket, reads);
        if (open() && !(await queryStillExists(socket, options))) return;
      }
      if (open()) after = await sendChanges(socket, options, after, mode.reportIfEmpty);
    }
  }
}

/**
 * Take over an upgrade request's connection as a WebSocket and report the
 * named query on it (see the file comment) until either side closes.
 */
export async function serveSocket(req: Request, res: Response, options: SocketOptions): Promise<void> {
  const { reads } = options;
  const start = await reads.read(undefined, (m) => Promise.resolve(Number(m.indexer.nextBlock) - 1), { latest: true });
  const upgrade = acceptUpgrade(req, res);
  if (upgrade === undefined) return;
  // An invalid handshake is answered 400 by ws and the connection closed: nothing to serve then.
  const socket = await new Promise<WebSocket | undefined>((resolve) => {
    upgrade.socket.once('close', () => resolve(undefined));
    server.handleUpgrade(req, upgrade.socket, upgrade.head, resolve);
  });
  if (socket === undefined) return;
  let alive = true;
  socket.on('pong', () => (alive = true));
  socket.on('error', () => socket.terminate());
  const heartbeat = setInterval(() => {
    if (!alive) return void socket.terminate();
    alive = false;
    socket.ping();
  }, options.heartbeatMs);
  const stop = (): void => socket.close(1001, 'the API is stopping');
  reads.closing.addEventListener('abort', stop, { once: true });
  try {
    await run(socket, options, start);
  } catch {
    // The read model failed or closed: the client reconnects.
    if (socket.readyState === socket.OPEN) socket.close(1011, 'the read model is unavailable; reconnect');
  } finally {
    clearInterval(heartbeat);
    reads.closing.removeEventListener('abort', stop);
  }
}
