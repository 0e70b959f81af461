/**
 * Bad input through the HTTP API: every request below is refused with a 4xx
 * problem+json that carries a machine-readable `code`, never a 5xx, and
 * leaves the ledger exactly as it was (read back afterwards).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { LotInput } from '@lotline/domain';
import { apiProcessName } from '../../../network/src/network';
import { logFile } from '../../../network/src/processes';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import { assertApisRunning, apiFetch, apiRaw, apiRequest, type ApiResponse } from '../faults/api';

const ORG = 'PartsCo';
const MSP = 'PartsCoMSP';

function expectProblem(res: ApiResponse, statuses: number[]): void {
  expect(statuses, `status ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`).to.include(res.status);
  expect(res.contentType).to.include('application/problem+json');
  expect(res.body.code, 'machine-readable code')
    .to.be.a('string')
    .and.match(/^[A-Z_]+$/);
}

async function readLot(id: string): Promise<ApiResponse> {
  return apiFetch(ORG, 'qm1', 'GET', `/lots/${encodeURIComponent(id)}`);
}

async function expectAbsent(id: string): Promise<void> {
  const res = await readLot(id);
  expect(res.status, `${id} must not exist after a rejected request`).to.equal(404);
}

/** One request to the PartsCo API process with raw headers and body (as qm1, or with no token when `token` is false). */
function send(
  urlPath: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string; token?: boolean } = {},
): Promise<ApiResponse & { text: string }> {
  return apiRequest(ORG, init.token === false ? undefined : 'qm1', init.method ?? 'GET', urlPath, {
    ...(init.headers !== undefined ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

/** Flip bytes in the middle of a compressed body so that it no longer decodes. */
function corrupt(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = Math.floor(out.length / 3); i < Math.min(out.length - 2, Math.floor(out.length / 3) + 8); i += 1)
    out[i] = 0xff - (out[i] as number);
  return out;
}

/** A minimal EPCIS document around events. */
function epcisDocument(events: Record<string, unknown>[]): string {
  return JSON.stringify({
    '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { ex: 'https://lotline.example/ns/test#' }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date().toISOString(),
    epcisBody: { eventList: events },
  });
}

/** A fresh LGTIN class that no lot has (GS1 company prefix 4012345). */
function freshClass(): string {
  return `urn:epc:class:lgtin:4012345.012345.${uniqueId('BAD')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-20)}`;
}

function observation(epcClass: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventTime: new Date().toISOString(),
    eventTimeZoneOffset: '+00:00',
    action: 'OBSERVE',
    quantityList: [{ epcClass, quantity: 5, uom: 'KGM' }],
    ...extra,
  };
}

function capture(body: string): Promise<ApiResponse & { text: string }> {
  return send('/epcis/capture', { method: 'POST', headers: { 'content-type': 'application/ld+json' }, body });
}

async function capturedFor(epcClass: string): Promise<unknown[]> {
  const res = await send(`/epcis/events?MATCH_anyEPCClass=${encodeURIComponent(epcClass)}`);
  expect(res.status, res.text.slice(0, 300)).to.equal(200);
  const results = (res.body.epcisBody as { queryResults: { resultsBody: { eventList: unknown[] } } }).queryResults;
  return results.resultsBody.eventList;
}

/** A valid lot with one field replaced. */
function lotWith(patch: (lot: LotInput & Record<string, unknown>) => void): LotInput {
  const lot = newLot(MSP, uniqueId('BAD')) as LotInput & Record<string, unknown>;
  patch(lot);
  return lot;
}

describe('bad input through the API', function () {
  before(assertApisRunning);

  describe('oversized and malformed bodies', function () {
    it('refuses a 3 MB body with 413', async function () {
      const lot = lotWith((l) => {
        l.attributes = { big: 'x'.repeat(3 * 1024 * 1024) };
      });
      expectProblem(await apiRaw(ORG, 'qm1', 'POST', '/lots', JSON.stringify(lot)), [413]);
      await expectAbsent(lot.id);
    });

    it('refuses JSON nested 10 000 levels deep with 400', async function () {
      const id = `${MSP}:${uniqueId('DEEP')}`;
      const deep = '['.repeat(10_000) + ']'.repeat(10_000);
      const body = `{"id":"${id}","product":{"code":"P","name":"n"},"quantity":{"amount":1,"unit":"EA"},"process":{"site":"s","line":"l"},"attributes":${deep}}`;
      expectProblem(await apiRaw(ORG, 'qm1', 'POST', '/lots', body), [400, 413]);
      await expectAbsent(id);
    });

    it('refuses a body that is not JSON with 400', async function () {
      expectProblem(await apiRaw(ORG, 'qm1', 'POST', '/lots', '{"id": "PartsCoMSP:x", '), [400]);
    });

    it('refuses a body sent as text/plain with 400 or 415', async function () {
      const lot = newLot(MSP, uniqueId('CTYPE'));
      expectProblem(await apiRaw(ORG, 'qm1', 'POST', '/lots', JSON.stringify(lot), 'text/plain'), [400, 415]);
      await expectAbsent(lot.id);
    });
  });

  describe('paths, encodings and headers that the HTTP layer refuses', function () {
    for (const [what, urlPath] of [
      ['a truncated UTF-8 percent-encoding in a lot id', '/lots/%E0%A4%A'],
      ['a lone % as a recall id', '/recalls/%'],
    ] as const) {
      it(`refuses ${what} with 400 INVALID_PATH`, async function () {
        const res = await send(urlPath);
        expectProblem(res, [400]);
        expect(res.body.code).to.equal('INVALID_PATH');
      });
    }

    it('refuses a malformed percent-encoding with 400 also without a token', async function () {
      const res = await send('/lots/%E0%A4%A', { token: false });
      expectProblem(res, [400]);
      expect(res.body.code).to.equal('INVALID_PATH');
    });

    it('accepts a gzip-compressed lot (the control for the corrupt bodies below)', async function () {
      const lot = newLot(MSP, uniqueId('GZIP'));
      const res = await send('/lots', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(lot)),
      });
      expect(res.status, res.text.slice(0, 300)).to.equal(201);
      expect((await readLot(lot.id)).status).to.equal(200);
    });

    const compressors = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    for (const [encoding, compress] of Object.entries(compressors)) {
      it(`refuses a corrupt ${encoding} body with 400 INVALID_BODY and writes nothing`, async function () {
        const lot = newLot(MSP, uniqueId(`Z${encoding.toUpperCase()}`));
        const res = await send('/lots', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: corrupt(compress(JSON.stringify({ ...lot, attributes: { pad: 'x'.repeat(200) } }))),
        });
        expectProblem(res, [400]);
        expect(res.body.code).to.equal('INVALID_BODY');
        await expectAbsent(lot.id);
      });
    }

    it('answers a request header over 16 KiB with 431 problem+json', async function () {
      const res = await send('/lots/PartsCoMSP%3AANY', { headers: { 'x-padding': 'a'.repeat(20 * 1024) } });
      expectProblem(res, [431]);
      expect(res.body.code).to.equal('HEADERS_TOO_LARGE');
    });
  });

  describe('labels and GS1 Digital Links', function () {
    for (const [what, urlPath, status, token] of [
      ['a label of an unknown lot', `/lots/${encodeURIComponent(`${MSP}:NO-LABEL-LOT`)}/label`, 404, true],
      ['a label size that is not 62mm or a4', `/lots/${encodeURIComponent(`${MSP}:NO-LABEL-LOT`)}/label?size=a3`, 400, true],
      ['a label format that is not pdf or png', `/lots/${encodeURIComponent(`${MSP}:NO-LABEL-LOT`)}/label?format=svg`, 400, true],
      ['a GTIN with a wrong check digit', '/01/04912345123450/10/LOT1', 400, true],
      ['a 13-digit GTIN, without a token', '/01/4912345123459/10/LOT1', 400, false],
      ['a lot number over 20 characters', `/01/04912345123459/10/${'L'.repeat(21)}`, 400, true],
      ['a GTIN and lot number no lot has', '/01/04912345123459/10/NO-SUCH-LOT-9', 404, true],
    ] as const) {
      it(`refuses ${what} with ${status}`, async function () {
        expectProblem(await send(urlPath, { token }), [status]);
      });
    }
  });

  describe('EPCIS documents', function () {
    it('refuses an event holding 50 000 levels of nested arrays with 400 JSON_TOO_DEEP and captures nothing', async function () {
      const epcClass = freshClass();
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      const body = epcisDocument([observation(epcClass, { 'ex:deep': '__DEEP__' })]).replace('"__DEEP__"', deep);
      const res = await capture(body);
      expectProblem(res, [400, 413]);
      expect(res.body.code).to.equal('JSON_TOO_DEEP');
      expect(await capturedFor(epcClass)).to.deep.equal([]);
    });

    for (const [what, event] of [
      ['an ObjectEvent with an empty epcList next to its quantityList', (c: string) => observation(c, { epcList: [] })],
      [
        'an AggregationEvent with empty childEPCs next to its childQuantityList',
        (c: string) => ({
          type: 'AggregationEvent',
          eventTime: new Date().toISOString(),
          eventTimeZoneOffset: '+00:00',
          action: 'OBSERVE',
          parentID: 'urn:epc:id:sscc:4012345.0000000042',
          childEPCs: [],
          childQuantityList: [{ epcClass: c, quantity: 2, uom: 'KGM' }],
        }),
      ],
    ] as const) {
      it(`captures ${what}, hashed as if the empty list were absent`, async function () {
        const epcClass = freshClass();
        const withEmpty = event(epcClass) as Record<string, unknown>;
        const res = await capture(epcisDocument([withEmpty]));
        expect(res.status, res.text.slice(0, 400)).to.equal(201);
        expect(await capturedFor(epcClass)).to.have.length(1);
        const withoutEmpty = Object.fromEntries(Object.entries(withEmpty).filter(([, v]) => !(Array.isArray(v) && v.length === 0)));
        const again = await capture(epcisDocument([withoutEmpty]));
        expectProblem(again, [409]);
        expect(again.body.code).to.equal('EPCIS_DUPLICATE');
        expect(await capturedFor(epcClass)).to.have.length(1);
      });
    }
  });

  describe('credentials in URLs', function () {
    it('refuses ?access_token= with 401 and keeps the token out of the problem and the API log (0600 in a 0700 folder)', async function () {
      const secret = `SECRET${uniqueId('TOK').replace(/-/g, '')}`;
      const marker = uniqueId('LEAK');
      const res = await send(`/lots/${MSP}%3A${marker}?access_token=${secret}`, { token: false });
      expectProblem(res, [401]);
      expect(res.text).to.not.include(secret);
      expect(res.body.instance).to.be.a('string').and.include('access_token=[redacted]');
      const file = logFile(config, apiProcessName(org(ORG)));
      let log = '';
      for (let i = 0; i < 50 && !log.includes(marker); i += 1) {
        log = readFileSync(file, 'utf8');
        if (!log.includes(marker)) await new Promise((r) => setTimeout(r, 100));
      }
      expect(log, 'the request was logged').to.include(marker);
      expect(log).to.not.include(secret);
      expect(statSync(file).mode & 0o777, 'log file mode').to.equal(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777, 'log folder mode').to.equal(0o700);
    });
  });

  describe('strings', function () {
    const badIds = {
      'a lone surrogate': `${MSP}:A\ud800B`,
      'a NUL character': `${MSP}:A\u0000B`,
      'a right-to-left override': `${MSP}:A\u202eB`,
      'a zero-width joiner': `${MSP}:A\u200dB`,
      'an emoji': `${MSP}:LOT-🔥`,
      'combining marks': `${MSP}:Z\u0351\u0354\u0363`,
      'an SQL injection': `${MSP}:1' OR '1'='1`,
      'an SQL comment': `${MSP}:x; DROP TABLE lots;--`,
      'a script tag': `${MSP}:<script>alert(1)</script>`,
      'a path traversal': `${MSP}:../../etc/passwd`,
      'a 10 000-character id': `${MSP}:${'A'.repeat(10_000)}`,
    };
    for (const [what, id] of Object.entries(badIds)) {
      it(`refuses a lot id with ${what} with 400`, async function () {
        const lot = lotWith((l) => {
          l.id = id;
        });
        expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', lot), [400]);
      });
    }

    it('refuses a unit that is a script with 400 and writes nothing', async function () {
      const lot = lotWith((l) => {
        l.quantity = { amount: 1, unit: '<img src=x onerror=alert(1)>' };
      });
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', lot), [400]);
      await expectAbsent(lot.id);
    });
  });

  describe('quantities', function () {
    const bad: Record<string, unknown> = {
      'a negative amount': -1,
      'a zero amount': 0,
      'an amount above 1e9': 1e10,
      'an amount of 1e308': 1e308,
      'an amount with more than 6 decimals': 1.0000001,
      'an amount given as a string': '5',
      'a null amount': null,
    };
    for (const [what, amount] of Object.entries(bad)) {
      it(`refuses ${what} with 400 and writes nothing`, async function () {
        const lot = lotWith((l) => {
          (l.quantity as { amount: unknown }).amount = amount;
        });
        expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', lot), [400]);
        await expectAbsent(lot.id);
      });
    }

    it('refuses an amount written as 1e999 (Infinity) with 400', async function () {
      const id = `${MSP}:${uniqueId('INF')}`;
      const body = `{"id":"${id}","product":{"code":"P","name":"n"},"quantity":{"amount":1e999,"unit":"EA"},"process":{"site":"s","line":"l"}}`;
      expectProblem(await apiRaw(ORG, 'qm1', 'POST', '/lots', body), [400]);
      await expectAbsent(id);
    });

    it('refuses consuming more than an input holds with 409 and leaves the input as it was', async function () {
      const parent = newLot(MSP, uniqueId('PARENT'), { amount: 5 });
      expect((await apiFetch(ORG, 'qm1', 'POST', '/lots', parent)).status).to.equal(201);
      const before = await readLot(parent.id);
      const child = newLot(MSP, uniqueId('GREEDY'), { inputs: [{ lotId: parent.id, quantity: { amount: 6, unit: 'EA' } }] });
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', child), [409]);
      await expectAbsent(child.id);
      expect((await readLot(parent.id)).body).to.deep.equal(before.body);
    });
  });

  describe('duplicates and cycles', function () {
    it('refuses a second lot with the same id with 409 and keeps the first unchanged', async function () {
      const lot = newLot(MSP, uniqueId('DUP'), { amount: 7 });
      expect((await apiFetch(ORG, 'qm1', 'POST', '/lots', lot)).status).to.equal(201);
      const before = await readLot(lot.id);
      const again = { ...lot, quantity: { amount: 9, unit: 'EA' } };
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', again), [409]);
      expect((await readLot(lot.id)).body).to.deep.equal(before.body);
    });

    it('refuses a lot listed as its own input (a lineage cycle) with 400 and writes nothing', async function () {
      const lot = newLot(MSP, uniqueId('CYCLE'));
      lot.inputs = [{ lotId: lot.id, quantity: { amount: 1, unit: 'EA' } }];
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', lot), [400]);
      await expectAbsent(lot.id);
    });

    it('refuses re-creating an ancestor from its own descendant (a cycle through an existing lot) and keeps both unchanged', async function () {
      const parent = newLot(MSP, uniqueId('ANC'), { amount: 10 });
      expect((await apiFetch(ORG, 'qm1', 'POST', '/lots', parent)).status).to.equal(201);
      const child = newLot(MSP, uniqueId('DESC'), { inputs: [{ lotId: parent.id, quantity: { amount: 1, unit: 'EA' } }] });
      expect((await apiFetch(ORG, 'qm1', 'POST', '/lots', child)).status).to.equal(201);
      const before = [await readLot(parent.id), await readLot(child.id)];
      const cycle = { ...parent, inputs: [{ lotId: child.id, quantity: { amount: 1, unit: 'EA' } }] };
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', cycle), [400, 409]);
      expect([(await readLot(parent.id)).body, (await readLot(child.id)).body]).to.deep.equal(before.map((b) => b.body));
    });

    it('refuses the same input listed twice with 400 and leaves the input as it was', async function () {
      const parent = newLot(MSP, uniqueId('TWICE'), { amount: 10 });
      expect((await apiFetch(ORG, 'qm1', 'POST', '/lots', parent)).status).to.equal(201);
      const before = await readLot(parent.id);
      const child = newLot(MSP, uniqueId('TWICEC'), {
        inputs: [
          { lotId: parent.id, quantity: { amount: 1, unit: 'EA' } },
          { lotId: parent.id, quantity: { amount: 1, unit: 'EA' } },
        ],
      });
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', child), [400]);
      await expectAbsent(child.id);
      expect((await readLot(parent.id)).body).to.deep.equal(before.body);
    });
  });

  describe('identity', function () {
    it('refuses a lot that names its own producer with 403 and writes nothing', async function () {
      const lot = lotWith((l) => {
        l.producer = 'CityMSP';
      });
      expectProblem(await apiFetch(ORG, 'qm1', 'POST', '/lots', lot), [400, 403]);
      await expectAbsent(lot.id);
    });

    it('refuses a write by an auditor (a read-only role) with 403 and writes nothing', async function () {
      const lot = newLot('BankMSP', uniqueId('BANKW'));
      expectProblem(await apiFetch('Bank', 'auditor1', 'POST', '/lots', lot), [403]);
      const res = await apiFetch('Bank', 'auditor1', 'GET', `/lots/${encodeURIComponent(lot.id)}`);
      expect(res.status).to.equal(404);
    });
  });
});
