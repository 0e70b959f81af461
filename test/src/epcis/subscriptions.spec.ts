/**
 * EPCIS 2.0 query subscriptions beyond the plain webhook (query.spec.ts):
 * signed webhook deliveries (`signatureToken` → `GS1-Signature`), checked by a
 * receiver on 127.0.0.1 that recomputes the HMAC with node:crypto; scheduled
 * subscriptions (`schedule`, every second here), which deliver at their times
 * whether or not a block arrived; WebSocket subscriptions (`GET
 * /epcis/queries/{name}/events` with `Upgrade: websocket`) with a real `ws`
 * client through a real HTTP server.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { WebSocket } from 'ws';
import { createApiServer } from '../../../gateway-api/src/http/server';
import { WEBSOCKET_PROTOCOL } from '../../../gateway-api/src/http/upgrade';
import { uniqueId } from '../support/network';
import { closeEpcis, epcisApp, freshObjectEvent, registerPrefixes } from './support';

type Json = Record<string, unknown>;

const app = epcisApp({ LOTLINE_EPCIS_WEBHOOK_HOSTS: '127.0.0.1' });
const USER = 'PartsCo/qm1';
/** The GS1 company prefix and item reference of the SGTINs these specs capture (no other spec uses the item reference). */
const ITEM = '4012345.033333';

/** A new ObjectEvent (no ledger operation: bizStep storing) of one new SGTIN. */
const freshEvent = (serial: string): Json => freshObjectEvent(ITEM, serial);

function capture(events: Json[]): request.Test {
  return request(app)
    .post('/epcis/capture')
    .set('content-type', 'application/ld+json')
    .set('x-test-user', USER)
    .send(
      JSON.stringify({
        '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: new Date().toISOString(),
        epcisBody: { eventList: events },
      }),
    );
}

/** A request a receiver got: its headers and its body exactly as sent. */
interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}

/** A webhook receiver on 127.0.0.1 that answers 204 and keeps every request. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly #server: Server;
  #waiters: { text: string; resolve: (d: Delivery) => void }[] = [];

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const delivery = { headers: req.headers, raw: Buffer.concat(chunks) };
        this.deliveries.push(delivery);
        res.writeHead(204).end();
        const text = delivery.raw.toString('utf8');
        for (const w of this.#waiters.filter((x) => text.includes(x.text))) w.resolve(delivery);
        this.#waiters = this.#waiters.filter((x) => !text.includes(x.text));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** The first delivery whose body contains `text` (60 s at most). */
  async delivering(text: string): Promise<Delivery> {
    const found = this.deliveries.find((d) => d.raw.toString('utf8').includes(text));
    if (found !== undefined) return found;
    return Promise.race([
      new Promise<Delivery>((resolve) => this.#waiters.push({ text, resolve })),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no delivery containing ${text} within 60 s (${this.deliveries.length} deliveries)`)), 60_000),
      ),
    ]);
  }

  stop(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }
}

const eventsOf = (raw: Buffer): Json[] => {
  const doc = JSON.parse(raw.toString('utf8')) as Json;
  expect(doc.type).to.equal('EPCISQueryDocument');
  return ((((doc.epcisBody as Json).queryResults as Json).resultsBody as Json).eventList as Json[]) ?? [];
};

describe('EPCIS subscriptions', function () {
  const name = `subs-${uniqueId('q').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
  const receivers: Receiver[] = [];
  const receiver = async (): Promise<{ receiver: Receiver; dest: string }> => {
    const r = new Receiver();
    receivers.push(r);
    return { receiver: r, dest: await r.start() };
  };
  const subscribe = (body: Json): request.Test =>
    request(app).post(`/epcis/queries/${name}/subscriptions`).set('x-test-user', USER).send(body);

  before(async function () {
    await registerPrefixes('PartsCo', ['4012345']);
    const res = await request(app)
      .post('/epcis/queries')
      .set('x-test-user', USER)
      .send({ name, query: { EQ_bizStep: 'storing', MATCH_epc: [`urn:epc:idpat:sgtin:${ITEM}.*`] } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  });
  after(async function () {
    for (const r of receivers) r.stop();
    await request(app).delete(`/epcis/queries/${name}`).set('x-test-user', USER);
    await closeEpcis();
  });

  describe('webhook signatureToken', function () {
    it('refuses a token too short or with spaces with 400 EPCIS_SIGNATURE_TOKEN, storing nothing', async function () {
      const { dest } = await receiver();
      for (const signatureToken of ['short', 'sixteen chars with spaces']) {
        const res = await subscribe({ dest, stream: true, signatureToken });
        expect(res.status, signatureToken).to.equal(400);
        expect(res.type).to.equal('application/problem+json');
        expect(res.body.code).to.equal('EPCIS_SIGNATURE_TOKEN');
        expect(res.body.errors[0].pointer).to.equal('/signatureToken');
      }
      const listed = await request(app).get(`/epcis/queries/${name}/subscriptions`).set('x-test-user', USER);
      expect(listed.body.subscriptions.filter((s: Json) => s.dest === dest)).to.deep.equal([]);
    });

    it('signs each delivery with GS1-Signature (HMAC-SHA256 of the body), and an unsigned subscription gets no such header', async function () {
      const token = `tok-${uniqueId('secret')}-0123456789abcdef`;
      const signed = await receiver();
      const plain = await receiver();
      const created = await subscribe({ dest: signed.dest, stream: true, signatureToken: token });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.signed).to.equal(true);
      expect(JSON.stringify(created.body)).not.to.include(token);
      const unsigned = await subscribe({ dest: plain.dest, stream: true });
      expect(unsigned.status, JSON.stringify(unsigned.body)).to.equal(201);
      expect(unsigned.body.signed).to.equal(false);

      const serial = uniqueId('sig');
      expect((await capture([freshEvent(serial)])).status).to.equal(201);
      const [withSignature, without] = await Promise.all([signed.receiver.delivering(serial), plain.receiver.delivering(serial)]);

      const header = withSignature.headers['gs1-signature'];
      expect(header)
        .to.be.a('string')
        .and.match(/^sha256=[0-9a-f]{64}$/);
      const expected = Buffer.from(`sha256=${createHmac('sha256', token).update(withSignature.raw).digest('hex')}`);
      expect(timingSafeEqual(Buffer.from(header as string), expected)).to.equal(true);
      const forged = `sha256=${createHmac('sha256', `${token}x`).update(withSignature.raw).digest('hex')}`;
      expect(header).not.to.equal(forged);
      expect(eventsOf(withSignature.raw).map((e) => (e.epcList as string[])[0])).to.include(`urn:epc:id:sgtin:${ITEM}.${serial}`);

      expect(without.headers).not.to.have.property('gs1-signature');
      expect(eventsOf(without.raw).map((e) => (e.epcList as string[])[0])).to.include(`urn:epc:id:sgtin:${ITEM}.${serial}`);

      const listed = await request(app).get(`/epcis/queries/${name}/subscriptions`).set('x-test-user', USER);
      expect(listed.status).to.equal(200);
      expect(JSON.stringify(listed.body)).not.to.include(token);
      const byId = new Map((listed.body.subscriptions as Json[]).map((s) => [s.subscriptionID, s]));
      expect(byId.get(created.body.subscriptionID)).to.include({ signed: true });
      expect(byId.get(unsigned.body.subscriptionID)).to.include({ signed: false });
      for (const id of [created.body.subscriptionID, unsigned.body.subscriptionID]) {
        expect((await request(app).delete(`/epcis/queries/${name}/subscriptions/${id}`).set('x-test-user', USER)).status).to.equal(204);
      }
    });
  });

  describe('scheduled subscriptions', function () {
    it('refuses stream with schedule (400 EPCIS_SUBSCRIPTION_MODE) and schedules outside the standard grammar (400 EPCIS_SCHEDULE)', async function () {
      const { dest } = await receiver();
      const both = await subscribe({ dest, stream: true, schedule: { second: '0' } });
      expect(both.status).to.equal(400);
      expect(both.body.code).to.equal('EPCIS_SUBSCRIPTION_MODE');
      for (const [schedule, pointer] of [
        [{ second: '*' }, '/schedule/second'],
        [{ hour: '[0-24]' }, '/schedule/hour'],
        [{ month: '2', dayOfMonth: '30' }, '/schedule'],
        [{}, '/schedule'],
      ] as const) {
        const res = await subscribe({ dest, schedule });
        expect(res.status, JSON.stringify(schedule)).to.equal(400);
        expect(res.type).to.equal('application/problem+json');
        expect(res.body.code, JSON.stringify(res.body)).to.equal('EPCIS_SCHEDULE');
        expect(res.body.errors[0].pointer).to.equal(pointer);
      }
      const unknown = await subscribe({ dest, schedule: { seconds: '0' } });
      expect(unknown.status).to.equal(400);
      const listed = await request(app).get(`/epcis/queries/${name}/subscriptions`).set('x-test-user', USER);
      expect(listed.body.subscriptions.filter((s: Json) => s.dest === dest)).to.deep.equal([]);
    });

    it('with reportIfEmpty, reports at its scheduled times even when no block arrives', async function () {
      const { receiver: r, dest } = await receiver();
      const created = await subscribe({ dest, reportIfEmpty: true, schedule: { second: '[0-59]' } });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.schedule).to.deep.equal({ second: '[0-59]' });
      expect(created.body).not.to.have.property('stream');
      const first = await r.delivering('EPCISQueryDocument');
      const doc = JSON.parse(first.raw.toString('utf8')) as Json;
      expect(((doc.epcisBody as Json).queryResults as Json).subscriptionID).to.equal(created.body.subscriptionID);
      expect(eventsOf(first.raw)).to.deep.equal([]);
      const deleted = await request(app)
        .delete(`/epcis/queries/${name}/subscriptions/${created.body.subscriptionID}`)
        .set('x-test-user', USER);
      expect(deleted.status).to.equal(204);
    });

    it('delivers the events captured since its last delivery at the next scheduled time (second [0-59]), signed when asked', async function () {
      const token = `tok-${uniqueId('sched')}-0123456789abcdef`;
      const { receiver: r, dest } = await receiver();
      const created = await subscribe({ dest, schedule: { second: '[0-59]' }, signatureToken: token });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const listed = await request(app).get(`/epcis/queries/${name}/subscriptions`).set('x-test-user', USER);
      const mine = (listed.body.subscriptions as Json[]).find((s) => s.subscriptionID === created.body.subscriptionID);
      expect(mine).to.include({ signed: true });
      expect(mine?.schedule).to.deep.equal({ second: '[0-59]' });
      expect(Number.isNaN(Date.parse(mine?.nextRunAt as string))).to.equal(false);

      const serials = [uniqueId('sch1'), uniqueId('sch2')];
      const captured = await capture(serials.map(freshEvent));
      expect(captured.status, JSON.stringify(captured.body)).to.equal(201);
      const delivery = await r.delivering(serials[1] as string);
      expect(eventsOf(delivery.raw).map((e) => (e.epcList as string[])[0])).to.include.members(
        serials.map((s) => `urn:epc:id:sgtin:${ITEM}.${s}`),
      );
      expect(delivery.headers['gs1-signature']).to.equal(`sha256=${createHmac('sha256', token).update(delivery.raw).digest('hex')}`);
      // Without reportIfEmpty, no run posts an empty document.
      for (const d of r.deliveries) expect(eventsOf(d.raw).length).to.be.greaterThan(0);
      const deleted = await request(app)
        .delete(`/epcis/queries/${name}/subscriptions/${created.body.subscriptionID}`)
        .set('x-test-user', USER);
      expect(deleted.status).to.equal(204);
    });
  });

  describe('WebSocket subscriptions', function () {
    let base = '';
    let server: Server | undefined;
    const sockets: WebSocket[] = [];
    before(async function () {
      server = createApiServer(app);
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(function () {
      for (const s of sockets) s.terminate();
      server?.closeAllConnections();
      server?.close();
    });

    /** A subscribed socket (open), the 101's headers, and its messages as they come. */
    async function subscribeSocket(
      query: string,
      queryName = name,
    ): Promise<{ socket: WebSocket; headers: IncomingHttpHeaders; messages: Json[]; next: (test: (d: Json) => boolean) => Promise<Json> }> {
      const socket = new WebSocket(`${base}/epcis/queries/${queryName}/events?${query}`, [WEBSOCKET_PROTOCOL], {
        headers: { 'x-test-user': USER },
      });
      sockets.push(socket);
      const messages: Json[] = [];
      const waiters: { test: (d: Json) => boolean; resolve: (d: Json) => void }[] = [];
      socket.on('message', (data: Buffer) => {
        const doc = JSON.parse(data.toString('utf8')) as Json;
        messages.push(doc);
        for (const w of waiters.splice(0)) {
          if (w.test(doc)) w.resolve(doc);
          else waiters.push(w);
        }
      });
      const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
        let upgraded: IncomingHttpHeaders = {};
        socket.on('upgrade', (res) => (upgraded = res.headers));
        socket.on('open', () => resolve(upgraded));
        socket.on('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
        socket.on('error', reject);
      });
      const next = (test: (d: Json) => boolean): Promise<Json> => {
        const found = messages.find(test);
        if (found !== undefined) return Promise.resolve(found);
        return Promise.race([
          new Promise<Json>((resolve) => waiters.push({ test, resolve })),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no such message within 60 s: ${JSON.stringify(messages)}`)), 60_000),
          ),
        ]);
      };
      return { socket, headers, messages, next };
    }

    /** The refusal of a handshake: status and problem. */
    function refusal(path: string): Promise<{ status: number; body: Json }> {
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(`${base}${path}`, [WEBSOCKET_PROTOCOL], { headers: { 'x-test-user': USER } });
        sockets.push(socket);
        socket.on('unexpected-response', (_req, res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as Json });
          });
        });
        socket.on('open', () => reject(new Error(`${path}: the handshake was accepted`)));
        socket.on('error', reject);
      });
    }

    const epcsOf = (doc: Json): string[] => {
      expect(doc.type).to.equal('EPCISQueryDocument');
      const results = (doc.epcisBody as Json).queryResults as Json;
      expect(results.queryName).to.equal(name);
      return ((results.resultsBody as Json).eventList as Json[]).map((e) => (e.epcList as string[])[0] as string);
    };

    it('with stream=true, sends each newly indexed batch of matching events as one EPCISQueryDocument message', async function () {
      const { socket, headers, next } = await subscribeSocket('stream=true');
      expect(socket.protocol).to.equal(WEBSOCKET_PROTOCOL);
      expect(headers['gs1-epcis-version']).to.equal('2.0.0');
      const serials = [uniqueId('ws1'), uniqueId('ws2')];
      const captured = await capture(serials.map(freshEvent));
      expect(captured.status, JSON.stringify(captured.body)).to.equal(201);
      const wanted = serials.map((s) => `urn:epc:id:sgtin:${ITEM}.${s}`);
      // Both events are in one block, so one message holds both.
      const doc = await next((d) => epcsOf(d).includes(wanted[0] as string));
      expect(epcsOf(doc)).to.include.members(wanted);
      const later = uniqueId('ws3');
      expect((await capture([freshEvent(later)])).status).to.equal(201);
      const second = await next((d) => epcsOf(d).includes(`urn:epc:id:sgtin:${ITEM}.${later}`));
      expect(epcsOf(second)).not.to.include(wanted[0]);
      socket.close();
    });

    it('with a schedule (second=[0-59]) and reportIfEmpty=true, sends a document at its times even without new events', async function () {
      const { socket, next } = await subscribeSocket('second=[0-59]&reportIfEmpty=true');
      const empty = await next((d) => epcsOf(d).length === 0);
      expect(epcsOf(empty)).to.deep.equal([]);
      const serial = uniqueId('wss');
      expect((await capture([freshEvent(serial)])).status).to.equal(201);
      await next((d) => epcsOf(d).includes(`urn:epc:id:sgtin:${ITEM}.${serial}`));
      socket.close();
    });

    it('refuses bad handshakes with 4xx problem+json: mode, schedule, parameter, unknown query', async function () {
      for (const [path, status, code] of [
        [`/epcis/queries/${name}/events`, 400, 'EPCIS_SUBSCRIPTION_MODE'],
        [`/epcis/queries/${name}/events?stream=true&second=0`, 400, 'EPCIS_SUBSCRIPTION_MODE'],
        [`/epcis/queries/${name}/events?stream=yes`, 400, 'EPCIS_QUERY_PARAMETER'],
        [`/epcis/queries/${name}/events?stream=true&reportIfEmpty=true`, 400, 'EPCIS_QUERY_PARAMETER'],
        [`/epcis/queries/${name}/events?stream=true&perPage=5`, 400, 'EPCIS_QUERY_PARAMETER'],
        [`/epcis/queries/${name}/events?second=*`, 400, 'EPCIS_SCHEDULE'],
        [`/epcis/queries/no-such-query-${Date.now()}/events?stream=true`, 404, 'EPCIS_QUERY_NOT_FOUND'],
      ] as const) {
        const res = await refusal(path);
        expect(res.status, path).to.equal(status);
        expect(res.body.code, path).to.equal(code);
      }
      const plain = await request(app).get(`/epcis/queries/${name}/events`).query({ stream: 'true' }).set('x-test-user', USER);
      expect(plain.status).to.equal(400);
      expect(plain.body.code).to.equal('EPCIS_QUERY_PARAMETER');
    });

    it('closes the socket (4404) when its named query is deleted', async function () {
      const other = `${name}-del`.slice(0, 64);
      const created = await request(app)
        .post('/epcis/queries')
        .set('x-test-user', USER)
        .send({ name: other, query: { EQ_bizStep: 'storing' } });
      expect(created.status).to.equal(201);
      const { socket } = await subscribeSocket('stream=true', other);
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      expect((await request(app).delete(`/epcis/queries/${other}`).set('x-test-user', USER)).status).to.equal(204);
      expect(await closed).to.equal(4404);
    });
  });
});
