/**
 * The HTTP server around the app: Node's `http.Server`, or `https.Server`
 * when the API has a certificate, with an explicit request header limit, and
 * problem+json answers for the requests that Node itself refuses before
 * Express sees them (headers over the limit, malformed HTTP). Node answers
 * those with a bare status line and no body by default.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { startupWarnings, type ListenConfig, type TlsFiles } from '../config';
import { ApiError, toProblem } from '../errors';
import { routeUpgrades } from './upgrade';

/** Node's default request header limit (16 KiB), which Lotline keeps unless configured. */
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

/** An HTTPS certificate (with any intermediate CA certificates after it) and its private key, PEM. */
export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
}

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  /** Largest request header section in bytes (request line and headers); larger is 431. */
  readonly maxHeaderSize?: number;
  /** Serve HTTPS with these; plain HTTP without. */
  readonly tls?: TlsCredentials;
}

function readPem(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${variable} (${file}): ${(error as Error).message}; check the path and that this user may read it`, {
      cause: error,
    });
  }
}

/** Reads the certificate (followed by `caFile`'s chain, if any) and the key named by the configuration. */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readPem(files.certFile, 'LOTLINE_API_TLS_CERT');
  const chain = files.caFile === undefined ? '' : readPem(files.caFile, 'LOTLINE_API_TLS_CA');
  return { cert: chain === '' ? cert : `${cert.trimEnd()}\n${chain}`, key: readPem(files.keyFile, 'LOTLINE_API_TLS_KEY') };
}

/** The problem for a request that Node's HTTP parser refused, by its error code. */
export function parserProblem(code: string | undefined, maxHeaderSize: number): ApiError {
  if (code === 'HPE_HEADER_OVERFLOW')
    return new ApiError({
      status: 431,
      code: 'HEADERS_TOO_LARGE',
      title: 'Request header fields too large',
      detail: `the request line and headers exceed ${maxHeaderSize} bytes: send a shorter URL, fewer cookies or a smaller token`,
    });
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT')
    return new ApiError({ status: 408, code: 'REQUEST_TIMEOUT', title: 'Request timeout', detail: 'the request was not received in time' });
  return new ApiError({
    status: 400,
    code: 'MALFORMED_REQUEST',
    title: 'Malformed request',
    detail: 'the request is not valid HTTP/1.1 (request line, header syntax or body framing)',
  });
}

/** A complete HTTP/1.1 response carrying a problem document, closing the connection. */
export function rawProblemResponse(problem: ApiError): string {
  const body = JSON.stringify(toProblem(problem));
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * An `http.Server` for the app, with the header limit set, problem+json
 * answers to parser errors, and upgrade requests (WebSockets) routed through
 * the app (`upgrade.ts`).
 */
export function createApiServer(app: RequestListener, options: ApiServerOptions = {}): Server {
  const maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  let server: Server;
  if (options.tls === undefined) server = createHttpServer({ maxHeaderSize }, app);
  else {
    try {
      server = createHttpsServer({ maxHeaderSize, cert: options.tls.cert, key: options.tls.key }, app);
    } catch (error) {
      throw new Error(
        `the HTTPS certificate and key cannot be used (${(error as Error).message}): ` +
          'check that LOTLINE_API_TLS_CERT is a PEM certificate and LOTLINE_API_TLS_KEY its private key',
        { cause: error },
      );
    }
  }
  routeUpgrades(server, app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's default handler does: a reset or half-answered connection cannot take a response.
    const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawProblemResponse(parserProblem(error.code, maxHeaderSize)));
  });
  return server;
}

/** What {@link startApiServer} needs of the configuration. */
export interface StartOptions {
  readonly listen: ListenConfig;
  readonly maxHeaderSize?: number;
}

/**
 * Logs the start-up warnings ({@link startupWarnings}: a declared TLS proxy),
 * builds the server (HTTPS when the configuration names a certificate) and
 * listens; resolves once listening, with the address and the URL scheme.
 */
export async function startApiServer(
  app: RequestListener,
  options: StartOptions,
  logger: { warn(details: object, message: string): void },
): Promise<{ server: Server; address: AddressInfo; scheme: 'http' | 'https' }> {
  const { listen } = options;
  for (const warning of startupWarnings(listen)) logger.warn({ host: listen.host, port: listen.port }, warning);
  const server = createApiServer(app, {
    ...(options.maxHeaderSize !== undefined ? { maxHeaderSize: options.maxHeaderSize } : {}),
    ...(listen.tls !== undefined ? { tls: readTlsCredentials(listen.tls) } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo, scheme: listen.tls !== undefined ? 'https' : 'http' };
}
