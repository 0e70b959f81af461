/**
 * Proof that the network is real: every peer joined the channel, the
 * chaincode is committed under a majority endorsement policy, writes made
 * through one organisation's peer are read through every other's, an
 * under-endorsed transaction is invalidated, and the ordering service
 * survives the loss of one orderer.
 */
import { expect } from 'chai';
import { checkEndorsers, NotEndorsableError, waitUntilEndorsable } from '@lotline/ledger-client';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin } from '../../../network/src/binaries';
import { committedDefinition } from '../../../network/src/chaincode';
import { hasRaftLeader, ordererProcessName, peerAdminEnv, peerChannels, startOrderer, waitForRaftLeader } from '../../../network/src/nodes';
import { killProcess, runningPid } from '../../../network/src/processes';
import { closeAll, config, connect, contract, org, uniqueId } from '../support/network';
import { eventually } from '../support/ledger';
import { newLot } from '../support/lots';

const decoder = new TextDecoder();

describe('the Fabric network', function () {
  after(closeAll);

  describe('channel membership', function () {
    for (const ref of ['City', 'PartsCo', 'AssemblyCo', 'Bank']) {
      it(`has the ${ref} peer joined to the lotline channel`, async function () {
        const channels = await peerChannels(config, org(ref));
        expect(channels).to.include(config.channel);
      });
    }
  });

  describe('chaincode definition', function () {
    it('is committed with the channel majority endorsement policy', async function () {
      const definition = await committedDefinition(config, org('City'));
      expect(definition, 'no committed definition').to.not.equal(undefined);
      // validation_parameter is an ApplicationPolicy referring to the channel's Endorsement policy.
      const raw = Buffer.from(definition?.validation_parameter ?? '', 'base64').toString('latin1');
      expect(raw).to.include('/Channel/Application/Endorsement');
    });

    it('ships no test contract: Baseline:PutValue is not a transaction of the deployed chaincode', async function () {
      // The benchmark's one-putState baseline is its own chaincode (test/bench/baseline-chaincode), deployed only by npm run bench.
      const admin = contract(connect('PartsCo', 'admin1'), 'Baseline');
      const err: unknown = await admin.evaluateTransaction('PutValue', uniqueId('baseline'), 'v').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'Baseline:PutValue answered').to.be.instanceOf(Error);
      const details = JSON.stringify((err as { details?: unknown }).details ?? []);
      expect(`${(err as Error).message} ${details}`).to.include('Contract name is not known: Baseline');
    });

    it('uses a channel Endorsement policy that requires a MAJORITY of the peer organisations', function () {
      const work = mkdtempSync(path.join(tmpdir(), 'lotline-cfg-'));
      try {
        const block = path.join(work, 'config.block');
        execFileSync(bin(config, 'peer'), ['channel', 'fetch', 'config', block, '-c', config.channel, ...ordererFlags()], {
          env: peerAdminEnv(config, org('City')),
          stdio: 'pipe',
        });
        const jsonFile = path.join(work, 'config.json');
        execFileSync(bin(config, 'configtxlator'), ['proto_decode', '--input', block, '--type', 'common.Block', '--output', jsonFile]);
        const decoded = JSON.parse(readFileSync(jsonFile, 'utf8')) as ConfigBlock;
        const app = decoded.data.data[0]?.payload.data.config.channel_group.groups.Application;
        expect(app?.policies.Endorsement?.policy.value).to.deep.include({ rule: 'MAJORITY', sub_policy: 'Endorsement' });
        expect(Object.keys(app?.groups ?? {}).sort()).to.deep.equal(['AssemblyCoMSP', 'BankMSP', 'CityMSP', 'PartsCoMSP']);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });

  describe('the readiness rule (service discovery on the gateway peer)', function () {
    const everyOrg = () => config.orgs.map((o) => o.mspId).sort();

    for (const ref of ['PartsCo', 'Bank']) {
      it(`lists endorsers of lotline for every organisation on the ${ref} peer`, async function () {
        const conn = connect(ref, 'auditor1');
        const state = await checkEndorsers({
          client: conn.client,
          signing: conn.signing,
          channel: config.channel,
          chaincode: config.chaincode,
          organizations: everyOrg(),
        });
        expect(state.endorsing).to.deep.equal(everyOrg());
        expect(state.missing).to.deep.equal([]);
      });
    }

    it('names every organisation as missing for a chaincode that is not deployed, and gives up with an error naming them', async function () {
      const conn = connect('City', 'auditor1');
      const target = {
        client: conn.client,
        signing: conn.signing,
        channel: config.channel,
        chaincode: 'not-deployed',
        organizations: everyOrg(),
      };
      const state = await checkEndorsers(target);
      expect(state.missing).to.deep.equal(everyOrg());
      const progress: number[] = [];
      const waited = await waitUntilEndorsable(target, {
        timeoutMs: 1000,
        intervalMs: 200,
        onProgress: (p) => progress.push(p.checks),
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(waited).to.be.instanceOf(NotEndorsableError);
      expect((waited as NotEndorsableError).missing).to.deep.equal(everyOrg());
      expect((waited as Error).message)
        .to.include('BankMSP')
        .and.include('not-deployed');
      expect(progress.length, 'progress reported while waiting').to.be.greaterThan(1);
    });
  });

  describe('a transaction submitted through one organisation', function () {
    it('is readable through every other organisation’s peer', async function () {
      const lot = newLot('PartsCoMSP', uniqueId('NET'));
      await contract(connect('PartsCo', 'qm1')).submitTransaction('CreateLot', JSON.stringify(lot));
      for (const ref of ['City', 'AssemblyCo', 'Bank']) {
        const bytes = await contract(connect(ref, 'auditor1')).evaluateTransaction('ReadLot', lot.id);
        const read = JSON.parse(decoder.decode(bytes)) as { id: string; producer: string };
        expect(read.id, `read through the ${ref} peer`).to.equal(lot.id);
        expect(read.producer).to.equal('PartsCoMSP');
      }
    });
  });

  describe('a proposal endorsed by fewer organisations than the policy needs', function () {
    it('is invalidated at commit with ENDORSEMENT_POLICY_FAILURE and writes nothing', async function () {
      const lot = newLot('PartsCoMSP', uniqueId('UNDER'));
      const c = contract(connect('PartsCo', 'qm1'));
      const proposal = c.newProposal('CreateLot', { arguments: [JSON.stringify(lot)], endorsingOrganizations: ['PartsCoMSP'] });
      const transaction = await proposal.endorse();
      const commit = await transaction.submit();
      const status = await commit.getStatus();
      expect(status.successful).to.equal(false);
      expect(status.code).to.equal(10); // TxValidationCode.ENDORSEMENT_POLICY_FAILURE
      const reader = contract(connect('City', 'auditor1'));
      const err = await reader.evaluateTransaction('ReadLot', lot.id).then(
        () => undefined,
        (e: unknown) => e as Error & { details?: { message: string }[] },
      );
      expect(err, 'the under-endorsed lot must not exist').to.not.equal(undefined);
      expect(JSON.stringify(err?.details ?? err?.message)).to.include('LOT_NOT_FOUND');
    });
  });

  describe('with one orderer killed', function () {
    const victim = () => org('City');

    after(async function () {
      await startOrderer(config, victim());
      await waitForRaftLeader(config);
    });

    it('still commits transactions', async function () {
      const pid = killProcess(config, ordererProcessName(victim()));
      expect(pid, 'the City orderer was not running').to.be.a('number');
      expect(runningPid(config, ordererProcessName(victim()))).to.equal(undefined);
      await waitForRaftLeader(config, 30);
      expect(await hasRaftLeader(config)).to.equal(true);
      const lot = newLot('AssemblyCoMSP', uniqueId('RAFT'));
      const c = contract(connect('AssemblyCo', 'qm1'));
      // Polls while the ordering service re-elects (bounded in time); not a transaction retry policy.
      await eventually(() => c.submitTransaction('CreateLot', JSON.stringify(lot)), 20_000, 500);
      const bytes = await contract(connect('Bank', 'auditor1')).evaluateTransaction('ReadLot', lot.id);
      expect((JSON.parse(decoder.decode(bytes)) as { id: string }).id).to.equal(lot.id);
    });
  });
});

function ordererFlags(): string[] {
  const o = org('PartsCo');
  return ['-o', `${o.host}:${o.ports.orderer}`, '--tls', '--cafile', path.join(o.paths.msp, 'tlscacerts', 'tlsca.pem')];
}

interface ConfigBlock {
  data: {
    data: {
      payload: {
        data: {
          config: {
            channel_group: {
              groups: {
                Application: {
                  groups: Record<string, unknown>;
                  policies: Record<string, { policy: { value: Record<string, unknown> } } | undefined>;
                };
              };
            };
          };
        };
      };
    }[];
  };
}
