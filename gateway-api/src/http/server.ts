/**
 * The HTTP server around the app: Node's `http.Server` with an explicit
 * request header limit, and problem+json answers for the requests that Node
 * itself refuses before Express sees them (headers over the limit, malformed
 * HTTP). Node answers those with a bare status line and no body by default.
 */
import { createServer as createHttpServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, toProblem } from '../errors';

/** Node's default request header limit (16 KiB), which Lotline keeps unless configured. */
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  /** Largest request header section in bytes (request line and headers); larger is 431. */
  readonly maxHeaderSize?: number;
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

/** An `http.Server` for the app, with the header limit set and problem+json answers to parser errors. */
export function createApiServer(app: RequestListener, options: ApiServerOptions = {}): Server {
  const maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  const server = createHttpServer({ maxHeaderSize }, app);
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
