/**
 * Bad input through the HTTP API: every request below is refused with a 4xx
 * problem+json that carries a machine-readable `code`, never a 5xx, and
 * leaves the ledger exactly as it was (read back afterwards).
 */
import { expect } from 'chai';
import type { LotInput } from '@lotline/domain';
import { newLot } from '../support/lots';
import { uniqueId } from '../support/network';
import { assertApisRunning, apiFetch, apiRaw, type ApiResponse } from '../faults/api';

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
