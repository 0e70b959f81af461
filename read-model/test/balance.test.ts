import { expect } from 'chai';
import { BALANCE_SHARDS, initialShare, remainingOf } from '../src';

describe('remaining quantity from balance shards', function () {
  it('with no shard written, is the whole quantity, spread with the remainder on the first shards', function () {
    const total = 1_000_003n;
    const shares = Array.from({ length: BALANCE_SHARDS }, (_, i) => initialShare(total, i));
    expect(shares.reduce((a, b) => a + b, 0n)).to.equal(total);
    expect(shares[0]).to.equal(shares[15]! + 1n);
    expect(remainingOf(total, new Map())).to.equal(total);
  });

  it('takes a written shard as stored and the others at their initial share', function () {
    const total = 1_600_000n;
    expect(remainingOf(total, new Map([[3, 0n]]))).to.equal(1_500_000n);
    expect(remainingOf(total, new Map(Array.from({ length: BALANCE_SHARDS }, (_, i) => [i, 0n] as [number, bigint])))).to.equal(0n);
  });
});
