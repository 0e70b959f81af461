import { expect } from 'chai';
import { compositeKey, splitCompositeKey } from '../src';

describe('composite keys', () => {
  it("are built in Fabric's format: U+0000, then the type and each attribute followed by U+0000", () => {
    expect(compositeKey('lot', ['PartsCoMSP:A', 'balance'])).to.equal('\u0000lot\u0000PartsCoMSP:A\u0000balance\u0000');
    expect(compositeKey('recall', [])).to.equal('\u0000recall\u0000');
  });

  it('split back into their type and attributes', () => {
    expect(splitCompositeKey(compositeKey('qe', ['PartsCoMSP:A', 'tx1']))).to.deep.equal({
      objectType: 'qe',
      attributes: ['PartsCoMSP:A', 'tx1'],
    });
  });

  it('treat a simple key as one attribute with no type', () => {
    expect(splitCompositeKey('plain')).to.deep.equal({ objectType: '', attributes: ['plain'] });
  });
});
