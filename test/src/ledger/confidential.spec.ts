/**
 * Confidential inspection details on the real network. PartsCo's inspector
 * records an inspection whose measurements travel only as transient data and
 * are stored in the implicit collections of PartsCo (recorder) and AssemblyCo
 * (counterparty); the shared ledger holds their salted hash. The two parties
 * read them, each through its own peer, and prove that they match the hash;
 * City and Bank cannot read them; and a hash computed here from the read
 * details confirms the on-ledger one, while a tampered copy does not match.
 *
 * Endorsement: the chaincode policy is MAJORITY (3 of 4 organisations) and
 * only two organisations are members of the collections written, so the
 * Gateway refuses to pick endorsers on its own (it will not send transient
 * data outside the collections' members). The client names the endorsers: the
 * two parties and City, the network operator, whose peer therefore executes the
 * transaction with the details in memory (it stores nothing of them).
 */
import { randomBytes } from 'node:crypto';
import { canonicalDigest } from '@lotline/domain';
import { expect } from 'chai';
import type { Contract } from '@hyperledger/fabric-gateway';
import { ASSEMBLYCO, BANK, CITY, closeConnections, contractFor, PARTSCO, submitSynced } from '../support/identities';
import { errorCode, evaluate, eventually, expectRefused, submit, type Submitted } from '../support/ledger';
import { newLot } from '../support/lots';
import { config, connect, uniqueId } from '../support/network';

const ENDORSERS = [PARTSCO.msp, ASSEMBLYCO.msp, CITY.msp];
const CERT = { sha256: 'c'.repeat(64), uri: 'https://lab.partsco.example/certificates/42' };

interface Details {
  measurements: { characteristic: string; value: number; unit: string; lower: number; upper: number }[];
  salt: string;
}

describe('confidential inspection measurements', function () {
  this.timeout(120_000);
  const run = uniqueId('CONF');
  const lotId = `${PARTSCO.msp}:${run}`;
  const characteristic = `bore-diameter-${run}`;
  const details: Details = {
    measurements: [
      { characteristic, value: 10.013, unit: 'mm', lower: 9.95, upper: 10.05 },
      { characteristic: `roundness-${run}`, value: 0.004, unit: 'mm', lower: 0, upper: 0.01 },
    ],
    salt: randomBytes(16).toString('hex'),
  };
  const inspection = { verdict: 'pass', certificate: CERT, confidential: { counterpartyMsp: ASSEMBLYCO.msp } };
  const inspector = () => contractFor(PARTSCO, 'inspector1', 'Quality');
  let recorded: Submitted<any> | undefined;
  const eventId = () => recorded?.result.eventId as string;

  /** Everything the details could be recognised by in a public record. */
  const secrets = [details.salt, characteristic, '10.013'];
  const leaks = (text: string) => secrets.filter((s) => text.includes(s));

  before(async function () {
    await submit(contractFor(PARTSCO, 'qm1'), 'CreateLot', [JSON.stringify(newLot(PARTSCO.msp, run))]);
    recorded = await submitSynced(inspector(), 'RecordInspection', [lotId, JSON.stringify(inspection)], {
      transientData: { details: JSON.stringify(details) },
      endorsingOrganizations: ENDORSERS,
    });
  });

  after(closeConnections);

  describe('on the shared ledger', function () {
    it('holds the inspection with its hash but without the measurements or the salt', async function () {
      const { events } = await evaluate(contractFor(BANK, 'auditor1', 'Quality'), 'ListQualityEvents', lotId, '1000', '');
      const event = (events as { eventId: string }[]).find((e) => e.eventId === eventId());
      expect(event, 'the public inspection event').to.deep.include({ type: 'inspection', verdict: 'pass', measurements: [] });
      expect((event as any).confidential).to.deep.include({ counterpartyMsp: ASSEMBLYCO.msp });
      expect((event as any).confidential.detailsHash).to.match(/^[0-9a-f]{64}$/);
      expect(leaks(JSON.stringify(events)), 'details visible in the public record').to.deep.equal([]);
      expect(leaks(JSON.stringify(recorded?.result)), 'details in the transaction result').to.deep.equal([]);
    });

    it('carries neither the measurements nor the salt in the committed block or its chaincode event', async function () {
      const network = connect(BANK.ref, 'auditor1').gateway.getNetwork(config.channel);
      const startBlock = BigInt(recorded?.blockNumber ?? 0);
      const blocks = await network.getBlockEvents({ startBlock });
      let blockBytes: Uint8Array;
      try {
        const first = await blocks[Symbol.asyncIterator]().next();
        blockBytes = (first.value as { serializeBinary(): Uint8Array }).serializeBinary();
      } finally {
        blocks.close();
      }
      const raw = Buffer.from(blockBytes).toString('latin1');
      expect(raw, 'the block holds the transaction').to.include(eventId());
      expect(leaks(raw), 'details in the block').to.deep.equal([]);

      const events = await network.getChaincodeEvents(config.chaincode, { startBlock });
      const giveUp = setTimeout(() => events.close(), 15_000);
      let payload: string | undefined;
      try {
        for await (const event of events) {
          if (event.transactionId !== eventId()) continue;
          payload = Buffer.from(event.payload).toString('utf8');
          break;
        }
      } catch {
        // closed by the timer: payload stays undefined and the assertion below fails
      } finally {
        clearTimeout(giveUp);
        events.close();
      }
      expect(payload, 'the chaincode event of the inspection').to.be.a('string');
      expect(JSON.parse(payload ?? '{}')).to.include({ lotId, eventId: eventId(), confidential: true });
      expect(leaks(payload ?? ''), 'details in the chaincode event').to.deep.equal([]);
    });
  });

  describe('for the recorder organisation', function () {
    it('reads the details through its own peer, for any of its members', async function () {
      for (const user of ['inspector1', 'auditor1']) {
        const read = await evaluate(contractFor(PARTSCO, user, 'Quality'), 'ReadConfidentialDetails', lotId, eventId());
        expect(read.details, `${user} of PartsCo`).to.deep.equal(details);
        expect(read.collection).to.equal(`_implicit_org_${PARTSCO.msp}`);
      }
    });

    it('proves the details match the on-ledger hash', async function () {
      const proof = await evaluate(inspector(), 'VerifyConfidentialDetails', lotId, eventId());
      expect(proof.matches).to.equal(true);
      expect(proof.computedHash).to.equal(proof.onLedgerHash);
      expect(proof.onLedgerHash).to.equal(recorded?.result.confidential.detailsHash);
    });
  });

  describe('for the counterparty organisation', function () {
    it('receives its copy by gossip and reads it through its own peer', async function () {
      const read = await eventually(
        () => evaluate(contractFor(ASSEMBLYCO, 'qm1', 'Quality'), 'ReadConfidentialDetails', lotId, eventId()),
        20_000,
      );
      expect(read.details).to.deep.equal(details);
      expect(read.collection).to.equal(`_implicit_org_${ASSEMBLYCO.msp}`);
    });

    it('proves its copy matches the on-ledger hash', async function () {
      const proof = await eventually(() =>
        evaluate(contractFor(ASSEMBLYCO, 'auditor1', 'Quality'), 'VerifyConfidentialDetails', lotId, eventId()),
      );
      expect(proof).to.deep.include({ matches: true, onLedgerHash: recorded?.result.confidential.detailsHash });
      expect(proof.computedHash).to.equal(proof.onLedgerHash);
    });
  });

  describe('for a third organisation', function () {
    for (const org of [CITY, BANK]) {
      it(`refuses ${org.ref} reading or verifying the details with FORBIDDEN, even as its admin`, async function () {
        for (const user of ['admin1', 'auditor1']) {
          const quality = contractFor(org, user, 'Quality');
          await expectRefused(
            quality.evaluateTransaction('ReadConfidentialDetails', lotId, eventId()),
            'FORBIDDEN',
            `${org.ref} ${user} read`,
          );
          await expectRefused(
            quality.evaluateTransaction('VerifyConfidentialDetails', lotId, eventId()),
            'FORBIDDEN',
            `${org.ref} ${user} verify`,
          );
        }
      });
    }

    it('refuses Bank with FORBIDDEN even when it asks through the recorder’s own peer', async function () {
      const throughParts = connect(BANK.ref, 'auditor1', PARTSCO.ref)
        .gateway.getNetwork(config.channel)
        .getContract(config.chaincode, 'Quality');
      await expectRefused(throughParts.evaluateTransaction('ReadConfidentialDetails', lotId, eventId()), 'FORBIDDEN');
    });
  });

  describe('checking the hash independently', function () {
    let read: { details: Details; detailsHash: string } | undefined;
    let onLedgerHash = '';

    before(async function () {
      read = await evaluate(contractFor(ASSEMBLYCO, 'qm1', 'Quality'), 'ReadConfidentialDetails', lotId, eventId());
      const { events } = await evaluate(contractFor(BANK, 'auditor1', 'Quality'), 'ListQualityEvents', lotId, '1000', '');
      onLedgerHash = (events as { eventId: string; confidential?: { detailsHash: string } }[]).find((e) => e.eventId === eventId())
        ?.confidential?.detailsHash as string;
    });

    it('finds that sha256 of the canonical details and salt equals the hash on the shared ledger', function () {
      expect(canonicalDigest(read?.details)).to.equal(onLedgerHash);
      expect(canonicalDigest(details)).to.equal(onLedgerHash);
    });

    it('finds that a copy with one altered measurement, or another salt, does not match', function () {
      const original = read?.details as Details;
      const altered: Details = { ...original, measurements: original.measurements.map((m, i) => (i === 0 ? { ...m, value: 10.012 } : m)) };
      const resalted: Details = { ...original, salt: `${original.salt}x` };
      expect(canonicalDigest(altered)).to.not.equal(onLedgerHash);
      expect(canonicalDigest(resalted)).to.not.equal(onLedgerHash);
      expect(canonicalDigest(original)).to.equal(onLedgerHash);
    });
  });

  describe('recording rules', function () {
    const record = (contract: Contract, body: unknown, transient?: unknown, endorsers = ENDORSERS) =>
      contract.submit('RecordInspection', {
        arguments: [lotId, JSON.stringify(body)],
        ...(transient !== undefined ? { transientData: { details: JSON.stringify(transient) } } : {}),
        endorsingOrganizations: endorsers,
      });

    it('when the confidential measurements are outside their limits, a pass verdict is refused with INVALID_ARGUMENT', async function () {
      const outside = { ...details, measurements: [{ ...details.measurements[0], value: 10.2 }] };
      await expectRefused(record(inspector(), inspection, outside), 'INVALID_ARGUMENT');
    });

    it('when measurements are also given publicly, the confidential inspection is refused with INVALID_ARGUMENT', async function () {
      await expectRefused(record(inspector(), { ...inspection, measurements: details.measurements }, details), 'INVALID_ARGUMENT');
    });

    it('when the transient details are missing, the confidential inspection is refused with INVALID_ARGUMENT', async function () {
      await expectRefused(record(inspector(), inspection), 'INVALID_ARGUMENT');
    });

    it('without trusted endorsers named, the Gateway will not send the details beyond the two parties', async function () {
      const err = await inspector()
        .submit('RecordInspection', { arguments: [lotId, JSON.stringify(inspection)], transientData: { details: JSON.stringify(details) } })
        .then(
          () => undefined,
          (e: unknown) => e as { code?: number },
        );
      expect(err, 'the submit must fail').to.not.equal(undefined);
      expect(errorCode(err), 'not a chaincode refusal').to.equal(undefined);
      expect(err?.code, 'gRPC FAILED_PRECONDITION').to.equal(9);
    });
  });
});
