/**
 * Native process management: start detached processes with a log file and a
 * pid file each, poll their health, and stop only what we started.
 */
import { spawn, execFile } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { NetworkConfig } from './config';
import { ActionableError, detail } from './progress';

const execFileAsync = promisify(execFile);

/** What is needed to start one managed process. */
export interface ProcessSpec {
  /** Unique name, used for the log and pid files (for example `peer-city`). */
  name: string;
  command: string;
  /** Text that the live process's command line must contain (default: `command`). */
  match?: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ports the process will listen on, checked before it starts. */
  ports: { host: string; port: number; what: string }[];
  /** Resolves when the process is ready to serve. */
  ready: () => Promise<boolean>;
  /** Seconds to wait for readiness. */
  readyTimeoutSec?: number;
}

export function logFile(config: NetworkConfig, name: string): string {
  return path.join(config.logsDir, `${name}.log`);
}

/**
 * Opens a process's log for appending, readable by its owner only: the folder
 * 0700 and the file 0600, also when an older Lotline created them wider. Logs
 * can hold identities, URLs and errors that are nobody else's business.
 */
export function openLogFile(config: NetworkConfig, name: string): number {
  mkdirSync(config.logsDir, { recursive: true, mode: 0o700 });
  chmodSync(config.logsDir, 0o700);
  const fd = openSync(logFile(config, name), 'a', 0o600);
  fchmodSync(fd, 0o600);
  return fd;
}

function pidFile(config: NetworkConfig, name: string): string {
  return path.join(config.runDir, `${name}.pid`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command line of a live process, or undefined (Linux /proc). */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

interface PidRecord {
  pid: number;
  command: string;
}

/**
 * The pid of a managed process if it is running and really is the process we
 * started (its command line still matches). A stale pid file is removed.
 */
export function runningPid(config: NetworkConfig, name: string): number | undefined {
  const file = pidFile(config, name);
  if (!existsSync(file)) return undefined;
  let record: PidRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  const cmd = isAlive(record.pid) ? commandLine(record.pid) : undefined;
  if (cmd === undefined || !cmd.includes(record.command)) {
    const why = cmd === undefined ? 'is gone, probably after a crash or reboot' : 'now belongs to another program';
    detail(`${name}: removed a stale pid file (pid ${record.pid} ${why})`);
    rmSync(file, { force: true });
    return undefined;
  }
  return record.pid;
}

/** True when something accepts TCP connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Fetches a URL and reports whether it answered 200 (an https URL through `fetchImpl`, e.g. `orgFetch` of ./tls.ts, which verifies it). */
export async function httpOk(url: string, timeoutMs = 2000, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The last lines of a process's log, for error messages. */
export function logTail(config: NetworkConfig, name: string, lines = 25): string {
  const file = logFile(config, name);
  if (!existsSync(file)) return '(no log file)';
  const all = readFileSync(file, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `intervalMs` until it is true or `timeoutSec` passes. */
export async function pollUntil(probe: () => Promise<boolean>, timeoutSec: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(intervalMs);
  }
  return probe();
}

/**
 * Starts a process unless it already runs, then waits until it is ready.
 * Returns `false` when it was already running.
 */
export async function startProcess(config: NetworkConfig, spec: ProcessSpec): Promise<boolean> {
  mkdirSync(config.runDir, { recursive: true });
  if (runningPid(config, spec.name) !== undefined) {
    if (!(await spec.ready())) {
      const ok = await pollUntil(spec.ready, spec.readyTimeoutSec ?? 60);
      if (!ok) throw notReady(config, spec, 'it is running but not healthy');
    }
    return false;
  }
  for (const p of spec.ports) {
    if (await isListening(p.host === '0.0.0.0' ? '127.0.0.1' : p.host, p.port)) {
      throw new ActionableError(
        `port ${p.port} (${p.what}) is already in use by a process that Lotline did not start.\n` +
          `  Find it with: ss -ltnp 'sport = :${p.port}'   then stop it, or move Lotline's ports with LOTLINE_PORT_OFFSET=1000.`,
      );
    }
  }
  const log = openLogFile(config, spec.name);
  const child = spawn(spec.command, spec.args, {
    env: spec.env,
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.once('error', () => {
    exited = -1;
  });
  if (child.pid === undefined) throw new ActionableError(`could not start ${spec.command}: check that the file exists and is executable`);
  child.unref();
  const record: PidRecord = { pid: child.pid, command: spec.match ?? spec.command };
  writeFileSync(pidFile(config, spec.name), JSON.stringify(record));
  const ready = await pollUntil(async () => exited !== undefined || (await spec.ready()), spec.readyTimeoutSec ?? 60);
  if (exited !== undefined) {
    rmSync(pidFile(config, spec.name), { force: true });
    throw notReady(config, spec, `it exited with code ${String(exited)}`);
  }
  if (!ready) throw notReady(config, spec, `it did not become healthy within ${spec.readyTimeoutSec ?? 60}s`);
  return true;
}

function notReady(config: NetworkConfig, spec: ProcessSpec, why: string): ActionableError {
  return new ActionableError(
    `${spec.name} failed to start: ${why}.\n` +
      `--- last lines of ${logFile(config, spec.name)} ---\n${logTail(config, spec.name)}\n---\n` +
      `  Fix the cause shown above, then run the command again. 'npm run reset' wipes the data if it is corrupt.`,
  );
}

/** One step of a stop, in the order it happened. */
export interface StopEvent {
  name: string;
  pid: number;
  what: 'SIGTERM' | 'SIGKILL' | 'exited';
}

/** What a stop did: which processes it stopped, and which did not exit when asked. */
export interface StopReport {
  /** Every process that was running and has now exited, in stop order. */
  stopped: string[];
  /** Processes that were still running when their grace period ran out, so got SIGKILL. */
  killed: string[];
  /** Processes still running even after SIGKILL (their pid files are kept, so `npm run status` shows them). */
  notExited: { name: string; pid: number }[];
  /** SIGTERM, SIGKILL and exit of every process, in order. */
  events: StopEvent[];
}

/** How long a stop waits after SIGTERM before it sends SIGKILL, by default. */
export const STOP_GRACE_MS = 5000;

/** How long a stop waits: `graceMs` after SIGTERM before SIGKILL, then `killWaitMs` for the exit. */
export interface StopTimings {
  graceMs?: number;
  killWaitMs?: number;
}

/** Signals a managed process's group (it was started detached), or the process alone if it has none. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Polls every process of `live` until it has exited or `ms` pass; records each exit and removes its pid file. */
async function awaitExits(config: NetworkConfig, live: Map<string, number>, ms: number, report: StopReport): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    for (const [name, pid] of live) {
      if (!hasExited(pid)) continue;
      live.delete(name);
      rmSync(pidFile(config, name), { force: true });
      report.events.push({ name, pid, what: 'exited' });
      report.stopped.push(name);
    }
    if (live.size === 0 || Date.now() >= deadline) return;
    await sleep(50);
  }
}

/**
 * Stops managed processes by their pid files, tier by tier: every process of a
 * tier gets SIGTERM at once, the tier is waited out together (up to `graceMs`),
 * those still running get SIGKILL, and only then does the next tier start. A
 * pid file whose process is gone or now runs another program is never signalled
 * (see `runningPid`).
 */
export async function stopTiers(config: NetworkConfig, tiers: string[][], timings: StopTimings = {}): Promise<StopReport> {
  const { graceMs = STOP_GRACE_MS, killWaitMs = 2000 } = timings;
  const report: StopReport = { stopped: [], killed: [], notExited: [], events: [] };
  for (const tier of tiers) {
    const live = new Map<string, number>();
    for (const name of tier) {
      const pid = runningPid(config, name);
      if (pid !== undefined) live.set(name, pid);
    }
    for (const [name, pid] of live) {
      signal(pid, 'SIGTERM');
      report.events.push({ name, pid, what: 'SIGTERM' });
    }
    await awaitExits(config, live, graceMs, report);
    for (const [name, pid] of live) {
      signal(pid, 'SIGKILL');
      report.events.push({ name, pid, what: 'SIGKILL' });
      report.killed.push(name);
    }
    await awaitExits(config, live, killWaitMs, report);
    for (const [name, pid] of live) report.notExited.push({ name, pid });
  }
  return report;
}

/** Stops one managed process by its pid file: SIGTERM, then SIGKILL after `graceSec`. True if it was running and has exited. */
export async function stopProcess(config: NetworkConfig, name: string, graceSec = 10): Promise<boolean> {
  const report = await stopTiers(config, [[name]], { graceMs: graceSec * 1000 });
  return report.stopped.includes(name);
}

/** Sends SIGKILL to a managed process (fault tests) and returns once it has exited, its pid file removed. */
export function killProcess(config: NetworkConfig, name: string): number | undefined {
  const pid = runningPid(config, name);
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGKILL');
  waitUntilDead(pid, 10_000);
  rmSync(pidFile(config, name), { force: true });
  return pid;
}

/**
 * True when a process has exited: gone, or a zombie waiting to be reaped whose
 * other threads have exited too. A multi-threaded process (node, peer) shows its
 * main thread as a zombie while its other threads are still exiting, and those
 * still hold its sockets, so a zombie main thread alone is not enough.
 */
function hasExited(pid: number): boolean {
  if (!isAlive(pid)) return true;
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

/**
 * Blocks until a killed process has exited. SIGKILL is delivered
 * asynchronously: on a loaded machine the process can still hold its ports for
 * a moment, and a restart at once would find them in use.
 */
function waitUntilDead(pid: number, timeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (!hasExited(pid) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
}

/** Names of the managed processes that have a live pid file. */
export function managedProcesses(config: NetworkConfig): string[] {
  if (!existsSync(config.runDir)) return [];
  return readdirSync(config.runDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -'.pid'.length))
    .filter((name) => runningPid(config, name) !== undefined);
}

/** Runs a command to completion and returns its stdout; on failure, throws with its output. */
export async function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; what: string; hint?: string },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new ActionableError(
      `${options.what} failed: ${path.basename(command)} ${args.slice(0, 3).join(' ')} ...\n${output || e.message}\n` +
        `  ${options.hint ?? 'Fix the cause shown above and run the command again.'}`,
      { cause: err },
    );
  }
}
