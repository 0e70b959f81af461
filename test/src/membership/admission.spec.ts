/**
 * Membership governance end to end on the running test network: a fifth firm
 * (GalvaTech) prepares on its own, is refused with 2 of 4 admin signatures
 * and admitted with 3, joins, writes, counts in the endorsement majority
 * (3 of 5), and is removed again, after which its users are refused and its
 * records still trace. Runs last (test/.mocharc.json): it changes the
 * channel configuration, and leaves the channel with its four founders.
 */
import { expect } from 'chai';
import type { Contract } from '@hyperledger/fabric-gateway';
import { loadConfig, type Org } from '../../../network/src/config';
import {
  candidateOrg,
  fetchConfig,
  forgetMember,
  joinChannel,
  NotEnoughSignaturesError,
  peerHeight,
  prepareMembershipRequest,
  proposeAdmission,
  proposeRemoval,
  recordMembership,
  signatureStatus,
  signProposal,
  submitProposal,
} from '../../../network/src/membership';
import { connectOrg, ledgerOf } from '../../../network/src/peer-access';
import { stopTiers } from '../../../network/src/processes';
import { eventually } from '../support/ledger';
import { newLot } from '../support/lots';
import { config, org, uniqueId } from '../support/network';
import type { Connection } from '@lotline/ledger-client';

const GALVA = 'GalvaTechMSP';
const CERT = { sha256: 'a'.repeat(64), uri: 'https://galvatech.example/certs/1' };

describe('membership: admitting and removing a member firm by majority vote', function () {
  this.timeout(300_000);
  let galva: Org;
  let requestFile: string;
  const connections: Connection[] = [];
  const as = (o: Org, user: string, peer?: Org) => {
    const c = connectOrg(o, user, peer ? { peerOrg: peer } : {});
    connections.push(c);
    return c;
  };
  const lotContract = (c: Connection): Contract => c.gateway.getNetwork(config.channel).getContract(config.chaincode, 'Lot');
  let galvaLot: string;

  before(async function () {
    galva = candidateOrg(config, 'GalvaTech').org;
    requestFile = (await prepareMembershipRequest(config, 'GalvaTech')).file;
    // The registry lists the firm before it is a member (as the demo seed does).
    await ledgerOf(config, as(org('City'), 'admin1')).upsertParticipant({
      msp: GALVA,
      name: 'GalvaTech Surface GmbH (alternative plater, not yet a member)',
      kind: 'supplier',
      location: { city: 'Lindenau', country: 'DE' },
      capabilities: ['zinc_plating'],
      certifications: [],
      membership: 'applicant',
    });
  });

  after(async function () {
    for (const c of connections.splice(0)) c.close();
    forgetMember(config, GALVA);
    await stopTiers(config, [['api-galvatech'], ['chaincode-galvatech'], ['peer-galvatech'], ['ca-galvatech']]);
  });

  describe('admission', function () {
    let proposal: string;

    it('is refused by the orderer with 2 of 4 admin signatures, and the error says 1 more is needed', async function () {
      proposal = (await proposeAdmission(config, org('City'), requestFile)).dir;
      await signProposal(proposal, org('City'));
      expect(signatureStatus(proposal)).to.deep.include({ signed: ['CityMSP'], required: 3, more: 2 });
      // PartsCo submits: its admin's signature is the second.
      const err = await submitProposal(config, proposal, org('PartsCo')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(NotEnoughSignaturesError);
      expect(err).to.deep.include({ satisfied: 2, required: 3 });
      expect((err as Error).message).to.include('1 more is needed');
      const members = Object.keys((await fetchConfig(config, org('City'))).config.channel_group.groups.Application?.groups ?? {});
      expect(members).to.not.include(GALVA);
    });

    it('is applied with 3 of 4, and the registry then lists the firm as a member', async function () {
      await signProposal(proposal, org('AssemblyCo'));
      const applied = await submitProposal(config, proposal, org('PartsCo'));
      expect(applied.signed).to.deep.equal(['AssemblyCoMSP', 'CityMSP', 'PartsCoMSP']);
      const { config: channel, blockNumber } = await fetchConfig(config, org('Bank'));
      expect(blockNumber).to.equal(applied.blockNumber);
      expect(Object.keys(channel.channel_group.groups.Application?.groups ?? {})).to.include(GALVA);
      await recordMembership(config, GALVA, 'member');
      const record = await ledgerOf(config, as(org('Bank'), 'auditor1')).readParticipant(GALVA);
      expect(record.membership).to.equal('member');
      expect(record.name).to.not.include('not yet a member');
    });

    it('lets the new peer join from the config block and reach the same height as the founders', async function () {
      const joined = await joinChannel(config, 'GalvaTech');
      expect(joined.endorsement).to.deep.equal({ required: 3, of: 5 });
      await eventually(async () => expect(await peerHeight(config, galva)).to.equal(await peerHeight(config, org('City'))), 30_000);
    });

    it("lets the firm's users create a lot and record an inspection through its own peer", async function () {
      galvaLot = `${GALVA}:${uniqueId('PLATE')}`;
      await ledgerOf(config, as(galva, 'qm1')).createLot({ ...newLot(GALVA, galvaLot.split(':')[1] ?? ''), id: galvaLot });
      const inspected = await ledgerOf(config, as(galva, 'inspector1')).recordInspection(galvaLot, {
        verdict: 'pass',
        measurements: [],
        certificate: CERT,
      });
      expect(inspected.result.lotId).to.equal(galvaLot);
      const read = await ledgerOf(config, as(org('City'), 'auditor1')).readLot(galvaLot);
      expect(read.producer).to.equal(GALVA);
    });

    it('counts the firm in MAJORITY Endorsement: 2 of 5 endorsements are invalid at commit, 3 of 5 valid', async function () {
      const submitWith = async (orgs: string[]) => {
        const lot = newLot('PartsCoMSP', uniqueId('MAJ5'));
        const proposalTx = lotContract(as(org('PartsCo'), 'qm1')).newProposal('CreateLot', {
          arguments: [JSON.stringify(lot)],
          endorsingOrganizations: orgs,
        });
        return (await (await proposalTx.endorse()).submit()).getStatus();
      };
      const two = await submitWith(['PartsCoMSP', GALVA]);
      expect(two.successful, '2 of 5').to.equal(false);
      expect(two.code).to.equal(10); // ENDORSEMENT_POLICY_FAILURE
      const three = await submitWith(['PartsCoMSP', GALVA, 'BankMSP']);
      expect(three.successful, '3 of 5 (one of them the new member)').to.equal(true);
    });
  });

  describe('removal', function () {
    it('is applied with 3 of 5 signatures (the member being removed counts among the five)', async function () {
      const { dir } = await proposeRemoval(config, org('City'), GALVA);
      await signProposal(dir, org('City'));
      expect(signatureStatus(dir)).to.deep.include({ required: 3, more: 2 });
      await signProposal(dir, org('AssemblyCo'));
      await submitProposal(config, dir, org('PartsCo'));
      forgetMember(config, GALVA);
      await recordMembership(config, GALVA, 'former_member');
      const members = Object.keys((await fetchConfig(config, org('City'))).config.channel_group.groups.Application?.groups ?? {});
      expect(members.sort()).to.deep.equal(['AssemblyCoMSP', 'BankMSP', 'CityMSP', 'PartsCoMSP']);
      expect(loadConfig().orgs.map((o) => o.mspId)).to.not.include(GALVA);
    });

    it("refuses the removed firm's users' next proposal, through its own peer and through a member's", async function () {
      for (const peer of [galva, org('City')]) {
        const lot = newLot(GALVA, uniqueId('AFTER'));
        await eventually(async () => {
          const err = await ledgerOf(config, as(galva, 'qm1', peer))
            .createLot(lot)
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(err, `a proposal through the ${peer.name} peer`).to.be.instanceOf(Error);
        }, 30_000);
      }
    });

    it('keeps everything it wrote on the ledger: its lot and inspection still trace', async function () {
      const auditor = ledgerOf(config, as(org('Bank'), 'auditor1'));
      const lot = await auditor.readLot(galvaLot);
      expect(lot.producer).to.equal(GALVA);
      const events = await auditor.listQualityEvents(galvaLot);
      expect(events.events.map((e) => e.type)).to.include('inspection');
      expect((await auditor.readParticipant(GALVA)).membership).to.equal('former_member');
    });
  });
});
