/**
 * Evidence bundles on the real network: exported from the Bank's API (its own
 * peer), verified offline by the auditor with @lotline/evidence and the CLI,
 * and refused once tampered with.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { readBundle, verifyBundleFile, writeBundle } from '@lotline/evidence';
import { cli } from '../support/cli';
import { apiFor, bearer, binary, closeApis, listen, newLot, problemOf, type TestApi } from './support';

describe('API evidence bundles', function () {
  let parts: TestApi;
  let bank: TestApi;
  let parent: { id: string } & Record<string, unknown>;
  let childId: string;

  before(async function () {
    [parts, bank] = await Promise.all([apiFor('PartsCo'), apiFor('Bank')]);
    parent = newLot('PartsCoMSP');
    const auth = await bearer('PartsCo', 'qm1');
    expect((await request(parts.app).post('/lots').set('Authorization', auth).send(parent)).status).to.equal(201);
    childId = `${parent.id}-child`;
    const split = await request(parts.app)
      .post(`/lots/${encodeURIComponent(parent.id)}/splits`)
      .set('Authorization', auth)
      .send({ id: childId, product: parent.product, quantity: { amount: 5, unit: 'EA' }, process: parent.process });
    expect(split.status, JSON.stringify(split.body)).to.equal(201);
  });
  after(closeApis);

  const evidence = (id: string) => `/lots/${encodeURIComponent(id)}/evidence`;

  describe("GET /lots/:id/evidence on the Bank's API, by the Bank's auditor", function () {
    let zip: Buffer;

    before(async function () {
      const res = await request(bank.app)
        .get(evidence(childId))
        .query({ depth: 1 })
        .set('Authorization', await bearer('Bank', 'auditor1'))
        .buffer(true)
        .parse(binary);
      expect(res.status, String(res.body)).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/zip/);
      zip = res.body as Buffer;
      expect(res.headers['x-evidence-sha256']).to.match(/^[0-9a-f]{64}$/);
    });

    it("holds the child's and (depth 1) the parent's histories, served by the Bank's peer, and verifies offline", function () {
      const { manifest } = readBundle(zip);
      expect(manifest).to.include({ lotId: childId, depth: 1, channel: 'lotline' });
      expect(manifest.servedBy.mspId).to.equal('BankMSP');
      expect(manifest.lots).to.deep.equal([childId, parent.id]);
      expect(manifest.records.map((r) => r.lotId)).to.include.members([childId, parent.id]);
      expect(manifest.configBlocks).to.include(0);
      const report = verifyBundleFile(zip);
      expect(report.failures, JSON.stringify(report.failures, null, 2)).to.deep.equal([]);
      expect(report.ok).to.equal(true);
      expect(report.transactions.every((t) => t.creator === 'PartsCoMSP')).to.equal(true);
    });

    it('fails verification with RECORD once a record in it is altered', function () {
      const bundle = readBundle(zip);
      const records = bundle.manifest.records.map((r) =>
        r.lotId === childId ? { ...r, value: { ...(r.value as object), quantity: { amount: 500, unit: 'EA' } } } : r,
      );
      const report = verifyBundleFile(writeBundle({ ...bundle, manifest: { ...bundle.manifest, records } }));
      expect(report.ok).to.equal(false);
      expect(report.failures.map((f) => f.check)).to.deep.equal(['RECORD']);
    });

    it('the CLI exports it from the API and verifies the file with exit 0, and exits 2 on a damaged copy', async function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'lotline-evidence-'));
      const file = path.join(dir, 'child.zip');
      const env = { LOTLINE_API_URL: await listen(bank.app), LOTLINE_TOKEN: (await bearer('Bank', 'auditor1')).slice('Bearer '.length) };
      const exported = await cli(['evidence', 'export', childId, '-o', file, '--depth', '1'], env);
      expect(exported.code, exported.out).to.equal(0);
      const verified = await cli(['evidence', 'verify', file], env);
      expect(verified.code, verified.out).to.equal(0);
      expect(verified.out).to.contain('VERIFIED: every check passed');
      const compared = await cli(['evidence', 'verify', file, '--compare-peer', 'PartsCo', '--peer-user', 'auditor1'], env);
      expect(compared.code, compared.out).to.equal(0);
      expect(compared.out).to.contain("validity flags compared with PartsCo's peer");
      expect(compared.out).to.not.contain('DIFFERS');
      const html = path.join(dir, 'child.html');
      const reported = await cli(['evidence', 'report', file, '-o', html], env);
      expect(reported.code, reported.out).to.equal(0);
      expect(readFileSync(html, 'utf8')).to.contain(createHash('sha256').update(readFileSync(file)).digest('hex'));
      const damaged = readBundle(zip);
      const blocks = new Map(damaged.blocks);
      const some = damaged.manifest.records[0]?.blockNumber as number;
      // A byte inside the block's data (past the ~70-byte header); the trailing metadata is the peer's own, unsigned.
      const bytes = Buffer.from(blocks.get(some) as Uint8Array);
      bytes[200] = (bytes[200] ?? 0) ^ 0x01;
      blocks.set(some, bytes);
      writeFileSync(file, writeBundle({ ...damaged, blocks }));
      const failed = await cli(['evidence', 'verify', file], env);
      expect(failed.code, failed.out).to.equal(2);
      expect(failed.out).to.contain('NOT VERIFIED');
    });
  });

  describe('for a lot that does not exist', function () {
    it('responds 404 LOT_NOT_FOUND as problem+json', async function () {
      const res = await request(bank.app)
        .get(evidence('PartsCoMSP:no-such-lot-for-evidence'))
        .set('Authorization', await bearer('Bank', 'auditor1'));
      expect(res.status).to.equal(404);
      expect(problemOf(res).code).to.equal('LOT_NOT_FOUND');
    });
  });

  describe('with a depth out of range', function () {
    it('responds 400 INVALID_ARGUMENT naming the query', async function () {
      const res = await request(bank.app)
        .get(evidence(parent.id))
        .query({ depth: 99 })
        .set('Authorization', await bearer('Bank', 'auditor1'));
      expect(res.status).to.equal(400);
      expect(problemOf(res).code).to.equal('INVALID_ARGUMENT');
      expect(String(problemOf(res).body.detail)).to.contain('depth');
    });
  });
});
