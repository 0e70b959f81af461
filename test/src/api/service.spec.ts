import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, closeApis, problemOf, uniqueId, type TestApi } from './support';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('API service endpoints', function () {
  let parts: TestApi;

  before(async function () {
    parts = await apiFor('PartsCo');
  });
  after(closeApis);

  describe('GET /readyz', function () {
    describe('when the peer is reachable', function () {
      it('responds with 200', async function () {
        const res = await request(parts.app).get('/readyz');
        expect(res.status).to.equal(200);
      });
    });
    describe('when the peer is unreachable', function () {
      it('responds with 503 and Retry-After', async function () {
        const dead = await apiFor('PartsCo', { LOTLINE_PEER_ENDPOINT: `127.0.0.1:${await closedPort()}` }, { readyTimeoutMs: 500 });
        const res = await request(dead.app).get('/readyz');
        expect(problemOf(res)).to.include({ status: 503, code: 'PEER_UNAVAILABLE' });
        expect(res.headers['retry-after']).to.equal('5');
      });
    });
  });

  describe('ledger calls when the peer is unreachable', function () {
    it('GET /lots/:id responds with 503 PEER_UNAVAILABLE and Retry-After', async function () {
      const dead = await apiFor('PartsCo', {
        LOTLINE_PEER_ENDPOINT: `127.0.0.1:${await closedPort()}`,
        LOTLINE_EVALUATE_TIMEOUT_MS: '3000',
      });
      const res = await request(dead.app)
        .get('/lots/PartsCoMSP%3Aany')
        .set('Authorization', await bearer('PartsCo', 'qm1'));
      expect(problemOf(res)).to.include({ status: 503, code: 'PEER_UNAVAILABLE' });
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    });
  });

  describe('GET /metrics', function () {
    it('exposes request counters by route in Prometheus text format', async function () {
      await request(parts.app).get('/healthz');
      const res = await request(parts.app).get('/metrics');
      expect(res.status).to.equal(200);
      expect(res.text).to.match(/lotline_api_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    });
  });

  describe('GET /openapi.json', function () {
    it('is an OpenAPI 3.1 document whose request schemas come from the validating zod schemas', async function () {
      const res = await request(parts.app).get('/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.body.openapi).to.equal('3.1.0');
      const create = res.body.paths['/lots'].post;
      const schema = create.requestBody.content['application/json'].schema;
      expect(schema.required).to.include.members(['id', 'product', 'quantity', 'process']);
      expect(schema.additionalProperties).to.equal(false);
      expect(create.responses['201']).to.not.equal(undefined);
      expect(create.responses['401'].content['application/problem+json']).to.not.equal(undefined);
      for (const path of [
        '/lots/{id}/trace',
        '/lots/{id}/transfers/current/acceptance',
        '/lots/{id}/holds/{holdId}/release',
        '/recalls/{id}',
        '/participants/{msp}',
        '/transactions/{txId}/proof',
        '/events',
        '/users',
      ]) {
        expect(res.body.paths, path).to.have.property(path);
      }
    });
  });

  describe('POST /users', function () {
    describe('as an org admin', function () {
      it('registers and enrolls the user with the CA role; the new user can call the API with that role', async function () {
        const name = uniqueId('user');
        const res = await request(parts.app)
          .post('/users')
          .set('Authorization', await bearer('PartsCo', 'admin1'))
          .send({ name, role: 'inspector' });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const me = await request(parts.app)
          .get('/me')
          .set('Authorization', await bearer('PartsCo', name));
        expect(me.status).to.equal(200);
        expect(me.body).to.include({ user: name, role: 'inspector' });
        const again = await request(parts.app)
          .post('/users')
          .set('Authorization', await bearer('PartsCo', 'admin1'))
          .send({ name, role: 'inspector' });
        expect(problemOf(again)).to.include({ status: 409, code: 'USER_EXISTS' });
      });
    });
    describe('as a quality manager', function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await request(parts.app)
          .post('/users')
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .send({ name: uniqueId('user'), role: 'admin' });
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });
    describe('with an unknown role', function () {
      it('responds with 400', async function () {
        const res = await request(parts.app)
          .post('/users')
          .set('Authorization', await bearer('PartsCo', 'admin1'))
          .send({ name: uniqueId('user'), role: 'superuser' });
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      });
    });
  });
});
