/**
 * The EPCIS endpoints of the real API (`createServer` with its real
 * dependencies, in process) on the test network. Specs name the caller with a
 * test header, `x-test-user: <org>/<user>`; the front app here turns it into
 * a real ES256 token of that user and hands the request to that
 * organisation's API, which authenticates it like any other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { apiFor, bearer, closeApis, type TestApi } from '../api/support';
import { closeAll, config } from '../support/network';

/** The third-party EPCIS documents copied into the repository, with their provenance: test/fixtures/epcis/README.md. */
export const EPCIS_FIXTURES = path.join(config.repoRoot, 'test', 'fixtures', 'epcis');

/** Parse a fixture document. */
export function fixtureDocument(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(EPCIS_FIXTURES, rel), 'utf8')) as Record<string, unknown>;
}

/** File names in a fixture folder. */
export function fixtureFiles(rel: string): string[] {
  return readdirSync(path.join(EPCIS_FIXTURES, rel))
    .filter((f) => /\.json(ld)?$/.test(f))
    .sort();
}

/** Front app that routes each request to the API of the organisation named by `x-test-user`, with a real token. */
export function epcisApp(): Express {
  const apis = new Map<string, Promise<TestApi>>();
  const front = express();
  front.use((req: Request, res: Response, next: NextFunction) => {
    const [orgRef = 'PartsCo', user = 'qm1'] = (req.get('x-test-user') ?? 'PartsCo/qm1').split('/');
    let api = apis.get(orgRef);
    if (api === undefined) {
      api = apiFor(orgRef);
      apis.set(orgRef, api);
    }
    Promise.all([api, bearer(orgRef, user)]).then(([{ app }, authorization]) => {
      req.headers.authorization = authorization;
      app(req, res, next);
    }, next);
  });
  return front;
}

/** Close the APIs built for the EPCIS specs and the test network connections. */
export async function closeEpcis(): Promise<void> {
  await closeApis();
  closeAll();
}

/** The Digital Link of a GTIN + lot, and Lotline's canonical LGTIN lot id for it. */
export function lotIdOf(gtin: string, lot: string): string {
  return `urn:epc:class:lgtin:${gtin.slice(1, 8)}.${gtin[0]}${gtin.slice(8, 13)}.${lot}`;
}
