/**
 * In-process EPCIS API for integration specs: the real router and ledger
 * calls on the test network. Until gateway-api's createServer(deps) lands,
 * a test-only header (`x-test-user: <org>/<user>`) picks the caller's
 * enrolled Fabric identity, as the auth middleware will from the token.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { createEpcisRouter } from '../../../gateway-api/src/epcis';
import { config, connect, contract } from '../support/network';

/** The shared EPCIS documents (issue 7): `../shared/data/epcis` beside the repository, or LOTLINE_SHARED_DIR. */
export const EPCIS_DATA = path.join(process.env.LOTLINE_SHARED_DIR ?? path.resolve(config.repoRoot, '..', 'shared'), 'data', 'epcis');

/** Parse a shared document. */
export function sharedDocument(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(EPCIS_DATA, rel), 'utf8')) as Record<string, unknown>;
}

/** File names in a shared folder. */
export function sharedFiles(rel: string): string[] {
  return readdirSync(path.join(EPCIS_DATA, rel))
    .filter((f) => /\.json(ld)?$/.test(f))
    .sort();
}

/** An app with the EPCIS router mounted at /epcis; the ledger is the caller's own contract. */
export function epcisApp(parties: Record<string, string> = {}): Express {
  const contracts = new Map<string, ReturnType<typeof contract>>();
  const app = express();
  app.use(
    '/epcis',
    createEpcisRouter({
      parties,
      ledgerFor(req) {
        const user = req.get('x-test-user') ?? 'PartsCo/qm1';
        let c = contracts.get(user);
        if (c === undefined) {
          const [org, name] = user.split('/') as [string, string];
          c = contract(connect(org, name));
          contracts.set(user, c);
        }
        return c;
      },
    }),
  );
  return app;
}

/** The Digital Link of a GTIN + lot, and Lotline's canonical LGTIN lot id for it. */
export function lotIdOf(gtin: string, lot: string): string {
  return `urn:epc:class:lgtin:${gtin.slice(1, 8)}.${gtin[0]}${gtin.slice(8, 13)}.${lot}`;
}
