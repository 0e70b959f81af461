/**
 * The data folder's marker: which Lotline made a folder, so that a folder of
 * something else, or of an incompatible Lotline, is refused instead of used.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ActionableError } from './progress';

export const DATA_MARKER = '.lotline-data';

/**
 * The layout of what a data folder holds, recorded in its marker. Bump it when
 * a folder made by an older Lotline cannot simply be started again:
 * 1. the first release;
 * 2. chaincode world-state keys under one prefix per lot with lazy balance
 *    shards (old lots would show wrong remaining quantities), and the channel's
 *    Raft snapshot interval below PreferredMaxBytes (see checkOrdererTuning);
 * 3. quality events keyed by time (`qe [lotId, recordedAt, eventId]` with a
 *    `qe~id` pointer), recalls without a stored scope, EPCIS container owners
 *    and participants' GS1 company prefixes (old events would not be listed);
 * 4. one folder per organisation: each organisation's ledgers and node
 *    configuration under `orgs/<org>/` (they were under `ledgers/` and
 *    `config/`), the chaincode servers behind TLS with client authentication
 *    (a new package), operations endpoints on loopback.
 */
export const DATA_FORMAT = 4;

/** The data format a marker records (a marker without one is format 1). */
export function dataFormatOf(marker: string): number {
  const match = /^format: (\d+)$/m.exec(marker);
  return match?.[1] !== undefined ? Number(match[1]) : 1;
}

/**
 * Claims the data folder for Lotline, or refuses it: a non-empty folder that
 * is not Lotline's, or one that an older Lotline made (its ledger cannot be
 * upgraded in place, and starting it would show wrong data).
 */
export function markDataDir(dataDir: string): void {
  const marker = path.join(dataDir, DATA_MARKER);
  const used = existsSync(dataDir) && readdirSync(dataDir).length > 0;
  if (used && !existsSync(marker)) {
    throw new ActionableError(`${dataDir} exists and is not a Lotline data folder: point LOTLINE_DATA_DIR at an empty or Lotline folder`);
  }
  if (used) {
    const format = dataFormatOf(readFileSync(marker, 'utf8'));
    if (format > DATA_FORMAT) {
      throw new ActionableError(
        `${dataDir} was made by a newer Lotline (data format ${format}, this one reads ${DATA_FORMAT}): update this checkout`,
      );
    }
    if (format < DATA_FORMAT) {
      throw new ActionableError(
        `${dataDir} was made by an older Lotline (data format ${format}; this version needs ${DATA_FORMAT}, see DATA_FORMAT in network/src/network.ts). ` +
          'Its ledger cannot be upgraded in place: `npm run reset` deletes it (every lot and event in it), then `npm start` makes a new one',
      );
    }
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(marker, `Lotline network data. \`npm run reset\` deletes this folder.\nformat: ${DATA_FORMAT}\n`);
}
