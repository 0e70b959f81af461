import { expect } from 'chai';
import { checkDigit, gtinProblem, lgtinDigitalLinkPath, lgtinUrn, parseLgtin } from '../src';

describe('GS1 keys', () => {
  it('computes the GS1 mod-10 check digit (GS1 General Specifications example 9501101530003)', () => {
    expect(checkDigit('950110153000')).to.equal('3');
    expect(checkDigit('0950110153000')).to.equal('3');
  });

  it('accepts a GTIN-14 with its check digit and explains a wrong length or check digit', () => {
    expect(gtinProblem('09501101530003')).to.equal(undefined);
    expect(gtinProblem('09501101530004')).to.include('check digit').and.include('is 3');
    expect(gtinProblem('9501101530003')).to.include('14 digits');
    expect(gtinProblem('0950110153000X')).to.include('14 digits');
  });

  it('reads the GTIN-14 and lot of an LGTIN URN whatever its company prefix split, and writes the canonical URN back', () => {
    const canonical = parseLgtin('urn:epc:class:lgtin:9501101.053000.LOT%2F7');
    expect(canonical).to.deep.equal({ gtin: '09501101530003', lot: 'LOT/7' });
    expect(parseLgtin('urn:epc:class:lgtin:950110153.0000.LOT%2F7')).to.deep.equal(canonical);
    expect(lgtinUrn({ gtin: '09501101530003', lot: 'LOT/7' })).to.equal('urn:epc:class:lgtin:9501101.053000.LOT%2F7');
  });

  it('writes and reads the Digital Link path of an LGTIN', () => {
    const path = lgtinDigitalLinkPath({ gtin: '09501101530003', lot: 'ロット 1' });
    expect(path).to.equal(`/01/09501101530003/10/${encodeURIComponent('ロット 1')}`);
    expect(parseLgtin(`https://id.example.jp${path}`)).to.deep.equal({ gtin: '09501101530003', lot: 'ロット 1' });
  });
});
