/**
 * A recall deeper than the chaincode's walk (50 levels): the read model's
 * report is complete, and the spreadsheet export and the printed notices,
 * which build on it, list every affected lot, where the chaincode's report
 * stops at depth 50 and says `truncated`. Runs against the organisations' API
 * processes, which index their own peer's blocks.
 */
import { expect } from 'chai';
import { apiUrl } from '../../../network/src/network';
import { assertApisRunning, apiFetch, apiRequest, mintToken } from '../faults/api';
import { newLot } from '../support/lots';
import { org, uniqueId } from '../support/network';
import { renderPdfPage } from '../support/pdf';

/** Every page's text of a PDF, without white space (the notice wraps long lot ids). */
async function pdfText(pdf: Buffer): Promise<string> {
  const first = await renderPdfPage(pdf, 0, 36);
  const texts = [first.text];
  for (let i = 1; i < first.pages; i += 1) texts.push((await renderPdfPage(pdf, i, 36)).text);
  return texts.join('').replace(/\s+/g, '');
}

/** A notice PDF as the Bank's auditor downloads it. */
async function notice(query: string): Promise<Buffer> {
  const res = await fetch(`${apiUrl(org('Bank'))}${query}`, {
    headers: { authorization: `Bearer ${await mintToken('Bank', 'auditor1')}` },
    signal: AbortSignal.timeout(60_000),
  });
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status, body.toString('utf8').slice(0, 300)).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/application\/pdf/);
  return body;
}

/** Lots below the recalled one: more than the chaincode's 50 levels. */
const DEPTH = 53;

describe('a recall deeper than 50 levels', function () {
  this.timeout(300_000);
  const ids: string[] = [];
  let recallId = '';
  let recallBlock = 0;

  before(async function () {
    assertApisRunning();
    const run = uniqueId('DEEP');
    const root = newLot('PartsCoMSP', `${run}-000`, { amount: 1000 });
    let created = await apiFetch('PartsCo', 'qm1', 'POST', '/lots', root);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    ids.push(root.id);
    for (let level = 1; level <= DEPTH; level += 1) {
      const parent = ids[ids.length - 1] ?? '';
      const lot = newLot('PartsCoMSP', `${run}-${String(level).padStart(3, '0')}`, {
        amount: 1000 - level,
        inputs: [{ lotId: parent, quantity: { amount: 1, unit: 'EA' } }],
      });
      created = await apiFetch('PartsCo', 'qm1', 'POST', '/lots', lot);
      expect(created.status, `level ${level}: ${JSON.stringify(created.body)}`).to.equal(201);
      ids.push(lot.id);
    }
    recallId = uniqueId('RC-DEEP').replace(/[^A-Za-z0-9._:-]/g, '-');
    const recall = await apiFetch('PartsCo', 'qm1', 'POST', '/recalls', { lotId: root.id, reason: 'plating too thin', recallId });
    expect(recall.status, JSON.stringify(recall.body)).to.equal(201);
    recallBlock = Number(recall.body.blockNumber);
  });

  it('has a chaincode report that stops at depth 50 and says so', async function () {
    const ledger = await apiFetch('Bank', 'auditor1', 'GET', `/recalls/${recallId}?source=ledger`);
    expect(ledger.status, JSON.stringify(ledger.body)).to.equal(200);
    expect(ledger.body.truncated).to.equal(true);
    const lots = (ledger.body.affected as { lotId: string }[]).map((a) => a.lotId);
    expect(lots).to.not.include(ids[DEPTH]);
  });

  it('has a read-model report that lists every lot of the chain, down to the deepest', async function () {
    const report = await apiFetch('Bank', 'auditor1', 'GET', `/recalls/${recallId}?minBlock=${recallBlock}`);
    expect(report.status, JSON.stringify(report.body)).to.equal(200);
    const lots = (report.body.affected as { lotId: string; depth: number }[]).map((a) => a.lotId);
    expect(lots).to.include.members(ids.slice(1));
    expect((report.body.affected as { lotId: string; depth: number }[]).find((a) => a.lotId === ids[DEPTH])?.depth).to.equal(DEPTH);
  });

  it('exports every affected lot to the spreadsheet, beyond depth 50', async function () {
    const csv = await apiRequest('Bank', 'auditor1', 'GET', `/exports/recalls/${recallId}?format=csv&lang=en&minBlock=${recallBlock}`);
    expect(csv.status, csv.text.slice(0, 300)).to.equal(200);
    const exported = ids.slice(1).filter((id) => csv.text.includes(id));
    expect(exported).to.deep.equal(ids.slice(1));
    const bounded = await apiRequest('Bank', 'auditor1', 'GET', `/exports/recalls/${recallId}?format=csv&lang=en&source=ledger`);
    expect(bounded.status).to.equal(200);
    expect(bounded.text).to.not.include(ids[DEPTH]);
  });

  it("prints PartsCo's notice with every affected lot, beyond depth 50", async function () {
    const complete = await pdfText(await notice(`/recalls/${recallId}/notices?holder=PartsCoMSP&minBlock=${recallBlock}`));
    expect(ids.slice(1).filter((id) => !complete.includes(id))).to.deep.equal([]);
    const bounded = await pdfText(await notice(`/recalls/${recallId}/notices?holder=PartsCoMSP&source=ledger`));
    expect(bounded).to.not.include(ids[DEPTH]);
  });
});
