/**
 * API instances for the client tests. Each test file starts the organisations'
 * APIs it needs (the gateway-api's own `main.ts`, on a free port, against the
 * integration network) and stops them afterwards. `explorerOrigin` puts the
 * built explorer and one API behind a single origin, as `/explorer/` is served
 * in production.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { prepareApi } from '../../../../network/src/api';
import { config, org } from '../../support/network';

export const API_MAIN = path.join(config.repoRoot, 'gateway-api', 'src', 'main.ts');
export const WEB_DIST = path.join(config.repoRoot, 'clients', 'web', 'dist');

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(new URL('readyz', url), { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the API at ${url} did not become ready within 90 s:\n${log()}`);
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

/** Starts one organisation's API on a free port; resolves once /readyz answers 200. */
export async function startApi(orgRef: string): Promise<RunningApi> {
  const o = org(orgRef);
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), API_MAIN], {
    cwd: config.repoRoot,
    env: {
      PATH: process.env.PATH,
      ...(await prepareApi(config, o)),
      LOTLINE_API_PORT: String(port),
      LOTLINE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitHealthy(url, child, () => output);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Builds the explorer if `clients/web/dist` is missing. */
export function ensureExplorerBuilt(): void {
  if (existsSync(path.join(WEB_DIST, 'index.html'))) return;
  execFileSync(
    process.execPath,
    [path.join(config.repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'clients/web/vite.config.mjs'],
    {
      cwd: config.repoRoot,
      stdio: 'inherit',
      timeout: 300_000,
    },
  );
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/**
 * One origin for the explorer and an API: `/explorer/*` from clients/web/dist,
 * everything else proxied (streaming, so SSE works) to `apiUrl`.
 */
export async function explorerOrigin(apiUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  ensureExplorerBuilt();
  const api = new URL(apiUrl);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/explorer' || url.pathname.startsWith('/explorer/')) {
      const rel = url.pathname.replace(/^\/explorer\/?/, '') || 'index.html';
      const file = path.join(WEB_DIST, path.normalize(rel));
      if (!file.startsWith(WEB_DIST) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
    const upstream = http.request({ host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
