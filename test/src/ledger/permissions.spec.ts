/**
 * The permission matrix of docs/design.md §3, enforced by the chaincode from the
 * caller's certificate (MSP ID and CA-issued `role` attribute): every write
 * action is tried by every identity (admin1, qm1, inspector1, auditor1 and the
 * role-less orgadmin) of every organisation, and must succeed exactly when the
 * explicit table below allows it, and otherwise be refused with FORBIDDEN.
 * Every identity may read.
 *
 * Lots used by lot-based actions are made by PartsCo and held by AssemblyCo,
 * so that the producer and the custodian are different organisations; City
 * and Bank are neither. Each (action, identity) case gets its own lot, so that
 * a wrongly allowed case cannot change the state another case sees.
 */
import { expect } from 'chai';
import type { Contract } from '@hyperledger/fabric-gateway';
import {
  ASSEMBLYCO,
  BANK,
  CITY,
  closeConnections,
  contractFor,
  describeIdentity,
  EVERYONE,
  type Identity,
  ORGS,
  PARTSCO,
  type Role,
  syncPeers,
} from '../support/identities';
import { allInBatches, describeError, errorCode, evaluate, inBatches, refusal, submit } from '../support/ledger';
import { newLot } from '../support/lots';
import { uniqueId } from '../support/network';

/** How an identity's organisation relates to the object acted on. */
type Relation = 'any' | 'producer' | 'custodian' | 'receiver' | 'city';

/** A grant: any of these roles, in an organisation with any of these relations. */
interface Grant {
  readonly roles: readonly Exclude<Role, null>[];
  readonly orgs: readonly Relation[];
}

/** The parties of the lots an action is tried on. */
const PARTIES = { producer: PARTSCO.msp, custodian: ASSEMBLYCO.msp, receiver: ASSEMBLYCO.msp } as const;
/** Pending transfers are proposed by PartsCo (still the custodian) to AssemblyCo. */
const PENDING_PARTIES = { producer: PARTSCO.msp, custodian: PARTSCO.msp, receiver: ASSEMBLYCO.msp } as const;

const MAKERS = ['admin', 'quality_manager', 'inspector'] as const;

/** docs/design.md §3 and chaincode/README.md "who", as data. Nobody not listed may act. */
const RULES = {
  createOwnLot: [{ roles: MAKERS, orgs: ['any'] }],
  createLotQualifiedByAnotherOrg: [],
  createLotClaimingAnotherProducer: [],
  recordInspection: [{ roles: ['inspector'], orgs: ['custodian', 'city'] }],
  recordNonconformance: [
    { roles: ['quality_manager', 'inspector'], orgs: ['custodian', 'producer'] },
    { roles: ['inspector'], orgs: ['city'] },
  ],
  placeHold: [{ roles: ['quality_manager'], orgs: ['custodian', 'producer'] }],
  releaseHold: [{ roles: ['quality_manager'], orgs: ['custodian', 'producer'] }],
  startRecall: [{ roles: ['quality_manager'], orgs: ['producer'] }],
  proposeTransfer: [{ roles: ['admin', 'quality_manager'], orgs: ['custodian'] }],
  acceptTransfer: [{ roles: ['admin', 'quality_manager'], orgs: ['receiver'] }],
  upsertParticipant: [{ roles: ['admin'], orgs: ['city'] }],
} satisfies Record<string, readonly Grant[]>;

type Action = keyof typeof RULES;

function relates(who: Identity, relation: Relation, parties: { producer: string; custodian: string; receiver: string }): boolean {
  switch (relation) {
    case 'any':
      return true;
    case 'city':
      return who.org.msp === CITY.msp;
    default:
      return parties[relation] === who.org.msp;
  }
}

/** The expected outcome of `who` attempting `action`, from the table. */
function allowed(action: Action, who: Identity, parties: { producer: string; custodian: string; receiver: string }): boolean {
  const grants: readonly Grant[] = RULES[action];
  return grants.some((g) => who.role !== null && g.roles.includes(who.role) && g.orgs.some((r) => relates(who, r, parties)));
}

const run = uniqueId('PERM');
const N = EVERYONE.length;
const CERT = { sha256: 'a'.repeat(64), uri: 'https://lab.example/certificates/1' };

/** The lots each lot-based action is tried on (index = the identity's index in EVERYONE). */
interface Fixture {
  inspectionLot: string;
  nonconformanceLot: string;
  holdLots: string[];
  releaseLots: { lotId: string; holdId: string }[];
  recallLots: string[];
  proposeLots: string[];
  pendingLots: string[];
}

const partsQm = () => contractFor(PARTSCO, 'qm1');
const assemblyQm = () => contractFor(ASSEMBLYCO, 'qm1');

function ids(kind: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${PARTSCO.msp}:${run}-${kind}-${i}`);
}

/** PartsCo makes every lot; all but the pending ones are handed to AssemblyCo; the release lots get a hold. */
async function buildFixture(): Promise<Fixture> {
  const f: Fixture = {
    inspectionLot: `${PARTSCO.msp}:${run}-inspect`,
    nonconformanceLot: `${PARTSCO.msp}:${run}-nc`,
    holdLots: ids('hold', N),
    releaseLots: [],
    recallLots: ids('recall', N),
    proposeLots: ids('propose', N),
    pendingLots: ids('pending', N),
  };
  const releaseIds = ids('release', N);
  const handedOver = [f.inspectionLot, f.nonconformanceLot, ...f.holdLots, ...releaseIds, ...f.recallLots, ...f.proposeLots];
  const all = [...handedOver, ...f.pendingLots];
  const lots = all.map((id) => newLot(PARTSCO.msp, id.slice(PARTSCO.msp.length + 1)));
  await submit(partsQm(), 'ImportLots', [JSON.stringify({ lots })], { deadlineMs: 120_000 });
  await allInBatches(all, 25, (id) => submit(partsQm(), 'ProposeTransfer', [id, ASSEMBLYCO.msp]));
  await allInBatches(handedOver, 25, (id) => submit(assemblyQm(), 'AcceptTransfer', [id]));
  const holds = await allInBatches(releaseIds, 20, (id) =>
    submit(contractFor(ASSEMBLYCO, 'qm1', 'Quality'), 'PlaceHold', [
      id,
      JSON.stringify({ reason: 'fixture hold', includeDescendants: false }),
    ]),
  );
  f.releaseLots = releaseIds.map((lotId, i) => ({ lotId, holdId: holds[i]?.result.holdId as string }));
  await syncPeers(holds.reduce((max, h) => (h.blockNumber > max ? h.blockNumber : max), 0));
  return f;
}

/** One row of the matrix: how to attempt the action as `who`, and what a success must show. */
interface ActionCase {
  readonly action: Action;
  readonly title: string;
  readonly parties?: typeof PARTIES | typeof PENDING_PARTIES;
  attempt(who: Identity, index: number, f: Fixture): Promise<unknown>;
  checkSuccess?(result: any, who: Identity): void;
}

const quality = (who: Identity): Contract => contractFor(who.org, who.user, 'Quality');
const lotContract = (who: Identity): Contract => contractFor(who.org, who.user);
const otherOrg = (who: Identity) => ORGS[(ORGS.indexOf(who.org) + 1) % ORGS.length] ?? CITY;
const at = <T>(list: readonly T[], i: number): T => {
  const item = list[i];
  if (item === undefined) throw new Error(`no fixture item ${i}`);
  return item;
};

const CASES: readonly ActionCase[] = [
  {
    action: 'createOwnLot',
    title: 'creating a lot qualified by the caller’s own MSP ID',
    attempt: (who, i) => submit(lotContract(who), 'CreateLot', [JSON.stringify(newLot(who.org.msp, `${run}-own-${i}`))]),
    checkSuccess: (lot, who) => {
      expect(lot.producer, 'producer').to.equal(who.org.msp);
      expect(lot.custodian, 'custodian').to.equal(who.org.msp);
    },
  },
  {
    action: 'createLotQualifiedByAnotherOrg',
    title: 'creating a lot whose id is qualified by another organisation’s MSP ID',
    attempt: (who, i) => submit(lotContract(who), 'CreateLot', [JSON.stringify(newLot(otherOrg(who).msp, `${run}-foreign-${i}`))]),
  },
  {
    action: 'createLotClaimingAnotherProducer',
    title: 'creating a lot whose fields claim another organisation as producer and custodian',
    attempt: (who, i) => {
      const lot = { ...newLot(who.org.msp, `${run}-claim-${i}`), producer: otherOrg(who).msp, custodian: otherOrg(who).msp };
      return submit(lotContract(who), 'CreateLot', [JSON.stringify(lot)]);
    },
  },
  {
    action: 'recordInspection',
    title: 'recording an inspection on a lot made by PartsCo and held by AssemblyCo',
    attempt: (who, _i, f) =>
      submit(quality(who), 'RecordInspection', [f.inspectionLot, JSON.stringify({ verdict: 'pass', measurements: [], certificate: CERT })]),
    checkSuccess: (event, who) => {
      expect(event.recordedBy.msp, 'recorder MSP').to.equal(who.org.msp);
      expect(event.recordedBy.role, 'recorder role').to.equal(who.role);
    },
  },
  {
    action: 'recordNonconformance',
    title: 'recording a nonconformance on a lot made by PartsCo and held by AssemblyCo',
    attempt: (who, i, f) =>
      submit(quality(who), 'RecordQualityEvent', [
        f.nonconformanceLot,
        JSON.stringify({ type: 'nonconformance', description: `finding ${i}` }),
      ]),
    checkSuccess: (event, who) => expect(event.recordedBy.msp).to.equal(who.org.msp),
  },
  {
    action: 'placeHold',
    title: 'placing a hold on a lot made by PartsCo and held by AssemblyCo',
    attempt: (who, i, f) =>
      submit(quality(who), 'PlaceHold', [at(f.holdLots, i), JSON.stringify({ reason: 'suspect', includeDescendants: true })]),
    checkSuccess: (event, who) => expect(event.recordedBy.msp).to.equal(who.org.msp),
  },
  {
    action: 'releaseHold',
    title: 'releasing a hold on a lot made by PartsCo and held by AssemblyCo',
    attempt: (who, i, f) => {
      const { lotId, holdId } = at(f.releaseLots, i);
      return submit(quality(who), 'ReleaseHold', [lotId, holdId, 'cleared']);
    },
  },
  {
    action: 'startRecall',
    title: 'starting a recall of a lot made by PartsCo and held by AssemblyCo',
    attempt: (who, i, f) => submit(quality(who), 'StartRecall', [at(f.recallLots, i), JSON.stringify({ reason: 'defect' })]),
    checkSuccess: (recall, who) => expect(recall.startedBy.msp).to.equal(who.org.msp),
  },
  {
    action: 'proposeTransfer',
    title: 'proposing to hand a lot held by AssemblyCo (made by PartsCo) to City',
    attempt: (who, i, f) => submit(lotContract(who), 'ProposeTransfer', [at(f.proposeLots, i), CITY.msp]),
    checkSuccess: (transfer) => expect(transfer).to.include({ from: ASSEMBLYCO.msp, to: CITY.msp }),
  },
  {
    action: 'acceptTransfer',
    title: 'accepting a transfer that PartsCo proposed to AssemblyCo',
    parties: PENDING_PARTIES,
    attempt: (who, i, f) => submit(lotContract(who), 'AcceptTransfer', [at(f.pendingLots, i)]),
    checkSuccess: (lot) => expect(lot.custodian).to.equal(ASSEMBLYCO.msp),
  },
  {
    action: 'upsertParticipant',
    title: 'adding a participant to the registry',
    attempt: (who, i) =>
      submit(contractFor(who.org, who.user, 'Participant'), 'UpsertParticipant', [
        JSON.stringify({
          msp: `${run}-${i}`,
          name: `Test participant ${i}`,
          kind: 'supplier',
          location: { city: 'Testville', country: 'DE' },
          capabilities: ['permission-test'],
          certifications: [],
        }),
      ]),
  },
];

describe('the permission matrix, for every role of every organisation', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;
  const fixtureReady = () => {
    if (fixture === undefined) throw new Error('the fixture was not built');
    return fixture;
  };

  before(async function () {
    fixture = await buildFixture();
  });

  after(closeConnections);

  for (const c of CASES) {
    describe(c.title, function () {
      let outcomes: PromiseSettledResult<unknown>[] = [];

      before(async function () {
        const f = fixtureReady();
        outcomes = await inBatches(EVERYONE, 10, (who, i) => c.attempt(who, i, f));
      });

      EVERYONE.forEach((who, i) => {
        const expected = allowed(c.action, who, c.parties ?? PARTIES);
        it(`${expected ? 'is allowed' : 'is refused with FORBIDDEN'} for ${describeIdentity(who)}`, function () {
          const outcome = outcomes[i];
          expect(outcome, 'the attempt was not made').to.not.equal(undefined);
          if (outcome?.status === 'fulfilled') {
            expect(expected, `${describeIdentity(who)} succeeded`).to.equal(true);
            c.checkSuccess?.((outcome.value as { result: unknown }).result, who);
          } else if (outcome?.status === 'rejected') {
            if (expected) expect.fail(`expected success, got ${describeError(outcome.reason)}`);
            expect(errorCode(outcome.reason), describeError(outcome.reason)).to.equal('FORBIDDEN');
          }
        });
      });
    });
  }

  describe('a refused claim of another organisation', function () {
    it('leaves no lot behind, neither under the foreign id nor under the claimed producer', async function () {
      const reader = contractFor(BANK, 'auditor1');
      const probes = EVERYONE.flatMap((who, i) => [`${otherOrg(who).msp}:${run}-foreign-${i}`, `${who.org.msp}:${run}-claim-${i}`]);
      const codes = await allInBatches(probes, 10, (id) => refusal(reader.evaluateTransaction('ReadLot', id)));
      expect(new Set(codes)).to.deep.equal(new Set(['LOT_NOT_FOUND']));
    });
  });

  describe('reading', function () {
    for (const who of EVERYONE) {
      it(`lets ${describeIdentity(who)} read a lot, its trace, history and quality events, and the registry`, async function () {
        const f = fixtureReady();
        const lots = lotContract(who);
        const [lot, trace, history, events, participants] = await Promise.all([
          evaluate(lots, 'ReadLot', f.inspectionLot),
          evaluate(lots, 'TraceLot', f.inspectionLot, 'backward', '5', '10'),
          evaluate(lots, 'GetLotHistory', f.inspectionLot, '1000', ''),
          evaluate(quality(who), 'ListQualityEvents', f.inspectionLot, '1000', ''),
          evaluate(contractFor(who.org, who.user, 'Participant'), 'SearchParticipants', 'permission-test'),
        ]);
        expect(lot).to.include({ id: f.inspectionLot, producer: PARTSCO.msp, custodian: ASSEMBLYCO.msp });
        expect(trace.root).to.equal(f.inspectionLot);
        expect(history.history.length, 'history entries (create + transfer)').to.be.at.least(2);
        expect(events.lotId).to.equal(f.inspectionLot);
        expect(participants).to.be.an('array');
      });
    }
  });
});
