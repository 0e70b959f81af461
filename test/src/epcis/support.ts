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
import { gs1CompanyDigits, identifierKey } from '@lotline/chaincode/dist/epcis/identifiers';
import { apiFor, bearer, closeApis, type TestApi } from '../api/support';
import { closeAll, config, connect, contract, org } from '../support/network';

/** The third-party EPCIS documents copied into the repository, with their provenance: test/fixtures/epcis/README.md. */
export const EPCIS_FIXTURES = path.join(config.repoRoot, 'test', 'fixtures', 'epcis');

/**
 * A new ObjectEvent with no ledger operation (bizStep storing) of one SGTIN, `<item>.<serial>` (`item`: the GS1
 * company prefix and item reference, one per spec, so that specs never see each other's events).
 */
export function freshObjectEvent(item: string, serial: string): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventTime: new Date().toISOString(),
    eventTimeZoneOffset: '+00:00',
    action: 'OBSERVE',
    epcList: [`urn:epc:id:sgtin:${item}.${serial}`],
    bizStep: 'storing',
    readPoint: { id: 'urn:epc:id:sgln:4012345.00001.7' },
  };
}

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

/** Front app that routes each request to the API of the organisation named by `x-test-user`, with a real token (APIs built with `env` added, each with a read model of its own: EPCIS queries read it). */
export function epcisApp(env: Record<string, string> = {}): Express {
  const apis = new Map<string, Promise<TestApi>>();
  const front = express();
  front.use((req: Request, res: Response, next: NextFunction) => {
    const [orgRef = 'PartsCo', user = 'qm1'] = (req.get('x-test-user') ?? 'PartsCo/qm1').split('/');
    let api = apis.get(orgRef);
    if (api === undefined) {
      api = apiFor(orgRef, env, { readModel: true });
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

/** The 7-digit GS1 company prefixes of every GS1 key (LGTIN, SGTIN, SSCC) that a document names. */
export function prefixesOf(doc: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const digits = gs1CompanyDigits(identifierKey(value));
      if (digits !== undefined) found.add(digits.slice(0, 7));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(doc);
  return [...found].sort();
}

const decoder = new TextDecoder();

/**
 * Register GS1 company prefixes to an organisation in the participant
 * registry (as City's admin), keeping the rest of its record, so that it may
 * create lots and containers identified by them.
 */
export async function registerPrefixes(orgRef: string, prefixes: Iterable<string>): Promise<void> {
  const msp = org(orgRef).mspId;
  const participants = contract(connect('City', 'admin1'), 'Participant');
  const list = JSON.parse(decoder.decode(await participants.evaluateTransaction('ListParticipants'))) as Record<string, unknown>[];
  const existing = list.find((p) => p.msp === msp);
  const record: Record<string, unknown> = existing
    ? Object.fromEntries(Object.entries(existing).filter(([k]) => !['docType', 'createdAt', 'updatedAt', 'updatedBy'].includes(k)))
    : {
        msp,
        name: `${msp} (integration tests)`,
        kind: 'other',
        location: { city: 'Eastfield', country: 'DE' },
        capabilities: [],
        certifications: [],
      };
  const had = new Set((record.gs1CompanyPrefixes as string[] | undefined) ?? []);
  const wanted = new Set([...had, ...prefixes]);
  if (wanted.size === had.size) return;
  await participants.submitTransaction('UpsertParticipant', JSON.stringify({ ...record, gs1CompanyPrefixes: [...wanted].sort() }));
}
