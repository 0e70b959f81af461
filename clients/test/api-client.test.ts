import { expect } from 'chai';
import { ApiClient, ApiError } from '../src/api-client';
import { SseParser } from '../src/sse';
import { adviceFor, exitCodeFor } from '../src/cli/exit-codes';
import { parseMeasurement } from '../src/cli/commands/quality';

/** A fetch that records requests and answers with one canned response. */
function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: input instanceof Request ? input.url : input.toString(), init });
    return Promise.resolve(
      new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    );
  };
  return { impl: impl as typeof fetch, calls };
}

describe('ApiClient', () => {
  it('sends the bearer token and encodes lot ids in the path', async () => {
    const f = fakeFetch(200, { id: 'PartsCoMSP:A/1' });
    const client = new ApiClient({ baseUrl: 'http://api.test:3002', token: 'T', fetch: f.impl });
    await client.getLot('PartsCoMSP:A/1');
    expect(f.calls[0]?.url).to.equal('http://api.test:3002/lots/PartsCoMSP%3AA%2F1');
    expect((f.calls[0]?.init?.headers as Record<string, string>).authorization).to.equal('Bearer T');
  });

  it('resolves a relative base such as ../ against the page', () => {
    const client = new ApiClient({ baseUrl: 'http://h/explorer/../' });
    expect(client.url('lots/x/trace', { direction: 'forward', depth: undefined })).to.equal('http://h/lots/x/trace?direction=forward');
  });

  describe('when the API answers with problem+json', () => {
    it('throws an ApiError with the problem code, status and detail', async () => {
      const f = fakeFetch(404, {
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'LOT_NOT_FOUND',
        detail: 'lot X does not exist',
      });
      const err = await new ApiClient({ baseUrl: 'http://a/', fetch: f.impl }).getLot('X').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ApiError);
      expect(err).to.include({ status: 404, code: 'LOT_NOT_FOUND', message: 'LOT_NOT_FOUND: lot X does not exist' });
      expect(exitCodeFor(err)).to.equal(2);
      expect(adviceFor(err)).to.match(/lot id/);
    });

    it('keeps Retry-After of a 503, and maps it to exit code 4', async () => {
      const f = fakeFetch(503, { status: 503, code: 'UNAVAILABLE', detail: 'peer down' }, { 'retry-after': '5' });
      const err = (await new ApiClient({ baseUrl: 'http://a/', fetch: f.impl }).health().catch((e: unknown) => e)) as ApiError;
      expect(err.retryAfterSeconds).to.equal(5);
      expect(exitCodeFor(err)).to.equal(4);
    });

    it('tells the user how to recover from a stopped chaincode server or missing endorsers', () => {
      const down = new ApiError({ status: 503, code: 'CHAINCODE_UNAVAILABLE', message: 'CHAINCODE_UNAVAILABLE: down' });
      expect(adviceFor(down)).to.match(/npm start/);
      expect(exitCodeFor(down)).to.equal(4);
      const few = new ApiError({ status: 503, code: 'ENDORSERS_UNAVAILABLE', message: 'ENDORSERS_UNAVAILABLE: few' });
      expect(adviceFor(few)).to.match(/peer/);
      expect(adviceFor(few)).to.not.equal(adviceFor(down));
    });

    it('maps 401 and 403 to exit code 3, 409 to 5 and 400 to 1', () => {
      for (const [status, code] of [
        [401, 3],
        [403, 3],
        [409, 5],
        [400, 1],
      ] as const) {
        expect(exitCodeFor(new ApiError({ status, code: 'X', message: 'X' }))).to.equal(code);
      }
    });
  });

  it('when the API is unreachable, throws UNAVAILABLE with status 0', async () => {
    const failing = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    const err = (await new ApiClient({ baseUrl: 'http://127.0.0.1:9/', fetch: failing }).health().catch((e: unknown) => e)) as ApiError;
    expect(err).to.include({ status: 0, code: 'UNAVAILABLE' });
    expect(exitCodeFor(err)).to.equal(4);
  });

  it('reads the transaction id and block number of a committed write', async () => {
    const f = fakeFetch(201, { txId: 'abc', blockNumber: 7, result: { id: 'L' } });
    const r = await new ApiClient({ baseUrl: 'http://a/', fetch: f.impl }).createLot({
      id: 'L',
      product: { code: 'p', name: 'n' },
      quantity: { amount: 1, unit: 'EA' },
      process: { site: 's', line: 'l' },
    });
    expect(r).to.deep.equal({ value: { id: 'L' }, txId: 'abc', blockNumber: '7' });
  });
});

describe('SseParser', () => {
  it('joins data lines, keeps the last event id, and ignores comments', () => {
    const p = new SseParser();
    expect(p.push(': hello\nid: 4\nevent: RecallStarted\ndata: {"a":\n')).to.deep.equal([]);
    expect(p.push('data: 1}\n\ndata: x\r\n\r\n')).to.deep.equal([
      { id: '4', event: 'RecallStarted', data: '{"a":\n1}' },
      { id: '4', event: 'message', data: 'x' },
    ]);
  });
});

describe('parseMeasurement', () => {
  it('reads characteristic=value unit[lower,upper]', () => {
    expect(parseMeasurement('zinc coating thickness=6.1um[8,12]')).to.deep.equal({
      characteristic: 'zinc coating thickness',
      value: 6.1,
      unit: 'um',
      lower: 8,
      upper: 12,
    });
  });
  it('refuses a spec without limits, saying how to write it', () => {
    expect(() => parseMeasurement('thickness=6.1um')).to.throw(/characteristic=value unit\[lower,upper\]/);
  });
});
