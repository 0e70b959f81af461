import { expect } from 'chai';
import { amountProblem, fromMicro, LotlineError, MAX_AMOUNT, schemas, toMicro } from '../src';

const MICRO = 1_000_000n;

/** What toMicro must give: whole units and millionths, added as bigints (independent of any float arithmetic). */
const micro = (units: bigint, millionths: bigint): bigint => units * MICRO + millionths;

function refusal(amount: number): string {
  try {
    toMicro(amount, 'quantity.amount');
  } catch (error) {
    expect(error).to.be.instanceOf(LotlineError);
    expect((error as LotlineError).code).to.equal('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error(`toMicro(${amount}) was accepted`);
}

describe('exact quantities', () => {
  describe('amounts near powers of two', () => {
    const cases: [number, bigint][] = [
      [16384.005, micro(16384n, 5000n)],
      [16384.004, micro(16384n, 4000n)],
      [16383.999999, micro(16383n, 999999n)], // 2^14 - 0.000001
      [1048576.000001, micro(1048576n, 1n)], // 2^20 + 0.000001
      [536870912.999999, micro(536870912n, 999999n)], // 2^29 + 0.999999
      [536870911.999999, micro(536870911n, 999999n)], // 2^29 - 0.000001
      [0.000001, 1n],
      [999999999.999999, micro(999999999n, 999999n)],
      [MAX_AMOUNT, micro(1000000000n, 0n)],
    ];
    for (const [amount, expected] of cases) {
      it(`reads ${amount} as exactly ${expected} micro-units, and back`, () => {
        expect(amountProblem(amount)).to.equal(undefined);
        expect(toMicro(amount)).to.equal(expected);
        expect(fromMicro(expected)).to.equal(amount);
      });
    }
  });

  it('keeps every remainder of 1000 draws of 0.001 from 1 exact, down to exactly 0', () => {
    let left = toMicro(1);
    const draw = toMicro(0.001);
    for (let i = 1; i <= 1000; i++) {
      left -= draw;
      // (1000 - i) / 1000 is the correctly rounded double of the exact decimal.
      expect(fromMicro(left)).to.equal((1000 - i) / 1000);
    }
    expect(left).to.equal(0n);
  });

  it('gives the full remainder 16384.005 after partial draws of 20000', () => {
    const left = toMicro(20000) - toMicro(3000.5) - toMicro(615.495);
    expect(fromMicro(left)).to.equal(16384.005);
    expect(left - toMicro(16384.005)).to.equal(0n);
  });

  describe('refusals name the limit', () => {
    it('refuses 7 decimals, at any magnitude', () => {
      for (const amount of [0.0000001, 1.0000001, 16384.0000001, 123456789.1234567]) {
        expect(refusal(amount)).to.match(/^INVALID_ARGUMENT: quantity\.amount .* has more than 6 decimals/);
      }
    });

    it('refuses amounts above the limit, up to 2^53 and beyond', () => {
      for (const amount of [1000000000.000001, 2 ** 30, 2 ** 53, 2 ** 53 + 2]) {
        expect(refusal(amount)).to.contain(`must be at most ${MAX_AMOUNT}`);
      }
    });

    it('refuses zero, negative and non-finite amounts', () => {
      expect(refusal(0)).to.contain('greater than 0');
      expect(refusal(-1)).to.contain('greater than 0');
      expect(refusal(Number.NaN)).to.contain('finite');
    });
  });

  describe('the shared quantity schema (API and chaincode)', () => {
    const quantityOf = (amount: number) => schemas.splitChild.shape.quantity.safeParse({ amount, unit: 'KGM' });

    it('accepts 16384.005, which a float check of the decimals refused', () => {
      expect(quantityOf(16384.005).success).to.equal(true);
    });

    it('refuses 16384.0000001 with the 6-decimal limit in its message', () => {
      const result = quantityOf(16384.0000001);
      expect(result.success).to.equal(false);
      expect(result.error?.issues.map((i) => i.message).join('; ')).to.contain('more than 6 decimals');
    });
  });
});
