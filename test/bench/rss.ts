/** Peak resident memory (VmHWM) of every managed process, from its pid file and /proc. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig } from '../../network/src/config';

/** Peak RSS of one process kind (peer, orderer, chaincode, api, ca), in MiB. */
export interface RssByKind {
  kind: string;
  processes: number;
  maxMiB: number;
  sumMiB: number;
}

/** VmHWM of a live process in KiB, or undefined. */
export function peakKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Peak RSS by process kind, for the processes whose pid files are in `<dataDir>/run` (plus extra pids). */
export function peakRss(config: NetworkConfig, extra: { kind: string; pid: number }[] = []): RssByKind[] {
  const found: { kind: string; kib: number }[] = [];
  if (existsSync(config.runDir)) {
    for (const file of readdirSync(config.runDir).filter((f) => f.endsWith('.pid'))) {
      try {
        const { pid } = JSON.parse(readFileSync(path.join(config.runDir, file), 'utf8')) as { pid: number };
        const kib = peakKiB(pid);
        if (kib !== undefined) found.push({ kind: file.split('-')[0] ?? file, kib });
      } catch {
        // a pid file being rewritten: skip it
      }
    }
  }
  for (const e of extra) {
    const kib = peakKiB(e.pid);
    if (kib !== undefined) found.push({ kind: e.kind, kib });
  }
  const kinds = [...new Set(found.map((f) => f.kind))].sort();
  return kinds.map((kind) => {
    const of = found.filter((f) => f.kind === kind).map((f) => f.kib / 1024);
    return { kind, processes: of.length, maxMiB: Math.max(...of), sumMiB: of.reduce((a, b) => a + b, 0) };
  });
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU time (user + system, all threads) used so far by a live process, in ms, or NaN. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}
