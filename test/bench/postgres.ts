/**
 * A throwaway PostgreSQL for the trace comparison: Debian's packages
 * (installed with apt-get when missing), a cluster initialised in a temporary
 * folder, listening on 127.0.0.1 on a free port only, stopped and deleted at
 * the end. As root, the server runs as the `postgres` user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { progress } from './log';

/** A running throwaway cluster. */
export interface Postgres {
  port: number;
  version: string;
  /** Runs SQL (a psql script) and returns stdout. */
  psql(script: string): string;
  stop(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

function ensureInstalled(): string {
  const found = binDir();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('PostgreSQL is not installed and this is not root: run `sudo apt-get install -y postgresql`, then the benchmark again');
  }
  progress('installing PostgreSQL with apt-get (Debian packages)');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  const dir = binDir();
  if (dir === undefined) throw new Error('apt-get installed postgresql but no initdb was found under /usr/lib/postgresql');
  return dir;
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Initialises and starts a cluster on 127.0.0.1. */
export async function startPostgres(): Promise<Postgres> {
  const bin = ensureInstalled();
  const work = mkdtempSync(path.join(tmpdir(), 'lotline-pg-'));
  const data = path.join(work, 'data');
  const asRoot = process.getuid?.() === 0;
  const runAs = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
      : execFileSync(cmd, args, { stdio: 'pipe' });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(work, uid, gid);
  }
  runAs(path.join(bin, 'initdb'), ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  runAs(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(work, 'postgres.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${work}`,
    'start',
  ]);
  const version = execFileSync(path.join(bin, 'postgres'), ['--version']).toString().trim();
  progress(`PostgreSQL up on 127.0.0.1:${port} (${version})`);
  let stopped = false;
  return {
    port,
    version,
    psql(script: string): string {
      const file = path.join(work, `script-${Date.now()}.sql`);
      writeFileSync(file, script);
      if (asRoot) chownSync(file, 0, 0);
      const res = spawnSync(
        path.join(bin, 'psql'),
        ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-f', file],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 600_000 },
      );
      rmSync(file, { force: true });
      if (res.status !== 0) throw new Error(`psql failed: ${res.stderr || res.error?.message || ''}`);
      return res.stdout;
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        runAs(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

/** The folder where CSV files for `\copy` are written (readable by the psql client). */
export function csvDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'lotline-csv-'));
}
