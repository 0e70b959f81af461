import { expect } from 'chai';
import { inBatches } from '../src/batches';

async function* delivered(items: number[], pauseAfter: number): AsyncGenerator<number> {
  for (const item of items) {
    yield item;
    if (item === pauseAfter) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('reading a feed in batches', function () {
  it('groups what arrived while the consumer was busy, in order, never more than the maximum', async function () {
    const seen: number[][] = [];
    for await (const batch of inBatches(delivered([1, 2, 3, 4, 5, 6, 7, 8], 1), 3)) {
      seen.push(batch);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    // 1 alone (nothing else had arrived); then 2-7 arrive while the consumer is busy (read ahead up to 2 × 3).
    expect(seen).to.deep.equal([[1], [2, 3, 4], [5, 6, 7], [8]]);
  });

  it('delivers the items read before the source failed, then its error', async function () {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw new Error('stream broken');
    }
    const seen: number[] = [];
    const run = async () => {
      for await (const batch of inBatches(failing(), 10)) seen.push(...batch);
    };
    await run().then(
      () => expect.fail('the failure was swallowed'),
      (error: Error) => expect(error.message).to.equal('stream broken'),
    );
    expect(seen).to.deep.equal([1, 2]);
  });
});
