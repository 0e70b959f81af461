import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, closeApis, listen, newLot, type TestApi } from './support';

interface SseMessage {
  id?: string;
  event?: string;
  data: Record<string, unknown>;
}

/** A live SSE connection read with fetch (so the bearer header can be sent). */
class SseClient {
  readonly messages: SseMessage[] = [];
  readonly status: Promise<number>;
  readonly #abort = new AbortController();
  #buffer = '';

  constructor(url: string, headers: Record<string, string>) {
    this.status = fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.#abort.signal }).then((res) => {
      void this.#read(res);
      return res.status;
    });
  }

  async #read(res: Response): Promise<void> {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        this.#buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = this.#buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          const message: Partial<SseMessage> & { raw: string[] } = { raw: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.raw.push(line.slice(6));
          }
          if (message.raw.length > 0)
            this.messages.push({
              ...(message.id ? { id: message.id } : {}),
              ...(message.event ? { event: message.event } : {}),
              data: JSON.parse(message.raw.join('\n')) as Record<string, unknown>,
            });
          end = this.#buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  }

  async waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      if (Date.now() > until) throw new Error(`SSE: condition not met; got ${JSON.stringify(this.messages.map((m) => m.event))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

describe('API events (Server-Sent Events)', function () {
  let parts: TestApi;
  let baseUrl: string;

  before(async function () {
    parts = await apiFor('PartsCo');
    baseUrl = await listen(parts.app);
  });
  after(closeApis);

  async function post(path: string, body: object, user = 'qm1') {
    const res = await request(parts.app)
      .post(path)
      .set('Authorization', await bearer('PartsCo', user))
      .send(body);
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
    return res.body as { txId: string; blockNumber: number; result: Record<string, unknown> };
  }

  describe('GET /events', function () {
    it("delivers a lot's events filtered by lotId, and resumes after Last-Event-ID without loss or repetition", async function () {
      const lot = newLot('PartsCoMSP');
      const created = await post('/lots', lot);
      const other = newLot('PartsCoMSP');
      const lotPath = `/lots/${encodeURIComponent(lot.id)}`;

      const first = new SseClient(`${baseUrl}/events?lotId=${encodeURIComponent(lot.id)}&startBlock=${created.blockNumber}`, {
        authorization: await bearer('PartsCo', 'auditor1'),
      });
      expect(await first.status).to.equal(200);
      await first.waitFor((m) => m.some((e) => e.event === 'LotCreated'));
      expect(first.messages[0]).to.deep.include({ id: `${created.blockNumber}:${created.txId}`, event: 'LotCreated' });
      expect(first.messages[0]?.data).to.include({ lotId: lot.id, txId: created.txId, type: 'LotCreated' });

      const hold = await post(`${lotPath}/holds`, { reason: 'check', includeDescendants: false });
      await first.waitFor((m) => m.some((e) => e.event === 'HoldPlaced'));
      const lastSeen = first.messages.find((e) => e.event === 'HoldPlaced')?.id;
      expect(lastSeen).to.equal(`${hold.blockNumber}:${hold.txId}`);
      first.close();

      // While disconnected: one event of another lot (filtered out) and two of this lot.
      await post('/lots', other);
      const holdId = String(hold.result.holdId ?? hold.result.eventId);
      const release = await post(`${lotPath}/holds/${holdId}/release`, { reason: 'ok' });
      const finding = await post(`${lotPath}/quality-events`, { type: 'nonconformance', description: 'scratch' });

      const second = new SseClient(`${baseUrl}/events?lotId=${encodeURIComponent(lot.id)}`, {
        authorization: await bearer('PartsCo', 'auditor1'),
        'last-event-id': String(lastSeen),
      });
      expect(await second.status).to.equal(200);
      await second.waitFor((m) => m.length >= 2);
      second.close();
      expect(second.messages.map((m) => m.id)).to.deep.equal([
        `${release.blockNumber}:${release.txId}`,
        `${finding.blockNumber}:${finding.txId}`,
      ]);
      expect(second.messages.map((m) => m.event)).to.deep.equal(['HoldReleased', 'QualityEventRecorded']);
    });

    it('filters by event type', async function () {
      const lot = newLot('PartsCoMSP');
      const created = await post('/lots', lot);
      await post(`/lots/${encodeURIComponent(lot.id)}/quality-events`, { type: 'nonconformance', description: 'dent' });
      const stream = new SseClient(
        `${baseUrl}/events?lotId=${encodeURIComponent(lot.id)}&type=QualityEventRecorded&startBlock=${created.blockNumber}`,
        { authorization: await bearer('PartsCo', 'auditor1') },
      );
      await stream.waitFor((m) => m.length >= 1);
      await new Promise((r) => setTimeout(r, 500));
      stream.close();
      expect(stream.messages.map((m) => m.event)).to.deep.equal(['QualityEventRecorded']);
    });

    it('with a malformed Last-Event-ID responds with 400', async function () {
      const res = await request(parts.app)
        .get('/events')
        .set('Authorization', await bearer('PartsCo', 'auditor1'))
        .set('Last-Event-ID', 'yesterday');
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('INVALID_ARGUMENT');
    });

    it('without a token responds with 401', async function () {
      const res = await request(parts.app).get('/events');
      expect(res.status).to.equal(401);
    });
  });
});
