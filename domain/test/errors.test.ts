import { expect } from 'chai';
import { errorCodeOf, fail, findErrorCode, LotlineError } from '../src';

describe('error codes', () => {
  it('a coded error begins its message with the code', () => {
    const error = fail('LOT_NOT_FOUND', 'lot X does not exist');
    expect(error).to.be.instanceOf(LotlineError);
    expect(error.code).to.equal('LOT_NOT_FOUND');
    expect(error.message).to.equal('LOT_NOT_FOUND: lot X does not exist');
  });

  it('finds the code after the text that the peer and gRPC put first', () => {
    expect(findErrorCode('2 UNKNOWN: chaincode response 500, FORBIDDEN: PartsCoMSP auditor may not create lots')).to.deep.equal({
      code: 'FORBIDDEN',
      detail: 'PartsCoMSP auditor may not create lots',
    });
  });

  it('finds no code in a message without one', () => {
    expect(errorCodeOf('MVCC_READ_CONFLICT happened')).to.equal(undefined);
    expect(errorCodeOf('2 UNKNOWN: something broke')).to.equal(undefined);
  });
});
