/**
 * Imported first by the fault and fuzz runners: gives the network a fresh
 * temporary data folder and a port offset unless the caller chose them, before
 * any module reads the environment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** True when the caller named a data folder (that network is reused and left running). */
export const reuseNetwork = process.env.LOTLINE_DATA_DIR !== undefined;

/** Sets LOTLINE_DATA_DIR and LOTLINE_PORT_OFFSET defaults. */
export function networkEnv(prefix: string, offset: number): void {
  process.env.LOTLINE_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), prefix));
  process.env.LOTLINE_PORT_OFFSET ??= String(offset);
}
