/**
 * Revoking a user: the CA revokes the certificate, the organisation's own
 * admin puts the CRL into its MSP in the channel configuration, and from then
 * on the API refuses the user's tokens and every peer refuses proposals
 * signed with the certificate, while the organisation's other users write.
 */
import { expect } from 'chai';
import path from 'node:path';
import { userDir } from '../../../network/src/config';
import { registerAndEnroll } from '../../../network/src/identities';
import { revokeUser } from '../../../network/src/membership';
import { connectOrg, ledgerOf } from '../../../network/src/peer-access';
import { apiFetch } from '../faults/api';
import { describeError } from '../support/ledger';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';

describe('membership: revoking a user', function () {
  this.timeout(240_000);
  const partsco = () => org('PartsCo');
  const user = uniqueId('qm-departed').toLowerCase();
  let blockNumber: number;

  before(async function () {
    await registerAndEnroll(config, partsco(), {
      name: user,
      type: 'client',
      role: 'quality_manager',
      msp: path.join(userDir(partsco(), user), 'msp'),
    });
    const before = await apiFetch('PartsCo', user, 'POST', '/lots', newLot('PartsCoMSP', uniqueId('PRE-REVOKE')));
    expect(before.status, JSON.stringify(before.body)).to.equal(201);
    blockNumber = (await revokeUser(config, partsco(), user, 'keyCompromise')).blockNumber;
  });

  it('reports the channel config block where the CRL took effect', function () {
    expect(blockNumber).to.be.a('number').greaterThan(0);
  });

  it("refuses the user's next API write with 403 IDENTITY_REVOKED, naming the config block", async function () {
    const res = await apiFetch('PartsCo', user, 'POST', '/lots', newLot('PartsCoMSP', uniqueId('POST-REVOKE')));
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('IDENTITY_REVOKED');
    expect(String(res.body.detail)).to.include(`block ${blockNumber}`);
  });

  for (const peer of ['PartsCo', 'Bank']) {
    it(`has the ${peer} peer refuse a direct proposal signed with the revoked certificate`, async function () {
      const connection = connectOrg(partsco(), user, { peerOrg: org(peer) });
      try {
        const ledger = ledgerOf(config, connection);
        // revokeUser returned only once every peer had committed the CRL block: the first proposal is refused.
        const err = await ledger.createLot(newLot('PartsCoMSP', uniqueId('DIRECT'))).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, 'the revoked certificate endorsed a proposal').to.be.instanceOf(Error);
        expect(describeError(err)).to.match(/access denied|revoked/i);
      } finally {
        connection.close();
      }
    });
  }

  it("still lets the organisation's other users write", async function () {
    const res = await apiFetch('PartsCo', 'qm1', 'POST', '/lots', newLot('PartsCoMSP', uniqueId('OTHER')));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
  });
});
