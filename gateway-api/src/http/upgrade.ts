/**
 * HTTP upgrades (WebSocket handshakes) go through the app like any other
 * request: the same middleware, the same bearer-token authentication, the same
 * zod validation and the same problem+json errors, written on the connection
 * as an ordinary HTTP response that closes it. A route that accepts the
 * upgrade takes the connection with {@link upgradeOf}; a route that does not
 * answers as it would any GET.
 *
 * Browsers cannot set `Authorization` on a WebSocket. The EPCIS 2.0 REST
 * binding defines no other way, so Lotline takes the token from the
 * subprotocol list, as Kubernetes does: the client offers
 * `[WEBSOCKET_PROTOCOL, "lotline.bearer." + token]`; without an
 * `Authorization` header, that entry becomes `Authorization: Bearer <token>`
 * before the app sees the request, and the server answers with
 * {@link WEBSOCKET_PROTOCOL} (never the token). Keeping the token out of the
 * URL keeps it out of access logs and browser history.
 */
import { ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The subprotocol Lotline's WebSocket subscriptions speak (each message one EPCISQueryDocument). */
export const WEBSOCKET_PROTOCOL = 'lotline.epcis.v1';

/** The prefix of the subprotocol entry that carries a browser's bearer token. */
export const BEARER_PROTOCOL_PREFIX = 'lotline.bearer.';

/** What an upgrade request brought besides the request: its connection and the bytes read past the headers. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

/** The upgrade a request asks for (a WebSocket handshake), or undefined for an ordinary request. */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return upgrades.get(req);
}

/** `Authorization: Bearer <token>` from a `lotline.bearer.<token>` subprotocol entry, when the request has no Authorization header. */
function bearerFromProtocols(req: IncomingMessage): void {
  if (req.headers.authorization !== undefined) return;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const entry = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (entry !== undefined) req.headers.authorization = `Bearer ${entry.slice(BEARER_PROTOCOL_PREFIX.length)}`;
}

/**
 * Route the server's upgrade requests through `app`: each gets a response
 * bound to its connection (closed once that response is sent), so a refusal
 * is an ordinary HTTP answer; a route that accepts it detaches the response
 * ({@link acceptUpgrade}) and owns the connection.
 */
export function routeUpgrades(server: Server, app: RequestListener): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    bearerFromProtocols(req);
    upgrades.set(req, { socket, head });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => socket.end());
    app(req, res);
  });
}

/** Take the connection of an upgrade request away from its HTTP response (which then writes nothing), for the protocol it switches to. */
export function acceptUpgrade(req: IncomingMessage, res: ServerResponse): Upgrade | undefined {
  const upgrade = upgrades.get(req);
  if (upgrade === undefined) return undefined;
  res.detachSocket(upgrade.socket as Socket);
  upgrades.delete(req);
  return upgrade;
}
