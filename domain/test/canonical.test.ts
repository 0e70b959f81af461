import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { canonicalDigest, canonicalJson } from '../src';

describe('canonical JSON', () => {
  it('sorts keys at every level and leaves no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } };
    expect(canonicalJson(value)).to.equal('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives equal documents the same text whatever their key order', () => {
    expect(canonicalJson({ x: 1, y: [{ q: 2, p: 1 }] })).to.equal(canonicalJson({ y: [{ p: 1, q: 2 }], x: 1 }));
  });

  it('leaves out undefined members, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).to.equal('{"b":2}');
  });

  it('orders keys by UTF-16 code unit, so upper case sorts before lower case', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3 })).to.equal('{"B":2,"a":3,"b":1}');
  });

  it('digests the canonical text with sha256', () => {
    const expected = createHash('sha256').update('{"a":1,"b":2}').digest('hex');
    expect(canonicalDigest({ b: 2, a: 1 })).to.equal(expected);
  });
});
