import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { sign, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { common, msp } from '@hyperledger/fabric-protos';
import { readBundle, verifyEvidence, type EvidenceBundle, type Finding } from '../src';
import { envelopeAt, fixDataHash, flipped, withBlock } from './tamper';

const original = readBundle(readFileSync(path.join(__dirname, 'fixtures', 'lot.evidence.zip')));
const { manifest } = original;
/** The asked-for lot's record (the child lot, created by a split), and the block holding it. */
const target = manifest.records.find((r) => r.lotId === manifest.lotId) as (typeof manifest.records)[number];

function failuresOf(bundle: EvidenceBundle): Finding[] {
  const report = verifyEvidence(bundle);
  expect(report.ok, 'the tampered bundle must not verify').to.equal(false);
  expect(report.failures.length).to.equal(report.findings.filter((f) => !f.ok).length);
  return [...report.failures];
}

function failed(failures: Finding[], check: Finding['check'], where: { block?: number; txId?: string } = {}): Finding {
  const found = failures.find(
    (f) =>
      f.check === check && (where.block === undefined || f.block === where.block) && (where.txId === undefined || f.txId === where.txId),
  );
  expect(found, `${check} should fail at ${JSON.stringify(where)}; failures: ${JSON.stringify(failures, null, 2)}`).to.not.equal(undefined);
  return found as Finding;
}

function checks(failures: Finding[]): string[] {
  return [...new Set(failures.map((f) => f.check))].sort();
}

/** The index in its block of a transaction. */
function indexOf(block: common.Block, txId: string): number {
  return (block.getData()?.getDataList_asU8() ?? []).findIndex((raw) => {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(raw).getPayload_asU8());
    return common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() as Uint8Array).getTxId() === txId;
  });
}

function editTarget(edit: (tx: ReturnType<typeof envelopeAt>) => void): EvidenceBundle {
  return withBlock(
    original,
    target.blockNumber,
    (block) => {
      const tx = envelopeAt(block, indexOf(block, target.txId));
      edit(tx);
      tx.save();
    },
    { fixDataHash: true },
  );
}

/** PEM of a DER certificate, in 64-character lines as OpenSSL reads it. */
const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;

const mspOf = (endorser: Uint8Array) => msp.SerializedIdentity.deserializeBinary(endorser).getMspid();

describe('tampering with a real bundle', function () {
  it('the fixture has the shape these tests need: consecutive blocks, and the target endorsed by three organisations', function () {
    expect(original.blocks.has(target.blockNumber - 1), 'the block before the target is in the bundle').to.equal(true);
    const block = common.Block.deserializeBinary(original.blocks.get(target.blockNumber) as Uint8Array);
    expect(
      envelopeAt(block, indexOf(block, target.txId))
        .endorsed.getEndorsementsList()
        .map((e) => mspOf(e.getEndorser_asU8())),
    ).to.include('PartsCoMSP');
  });

  it('untouched, it verifies', function () {
    expect(verifyEvidence(original).failures).to.deep.equal([]);
  });

  describe('one flipped byte', function () {
    it("in a block's data fails DATA_HASH at that block", function () {
      const bundle = withBlock(original, target.blockNumber, (block) => {
        const data = block.getData() as common.BlockData;
        data.setDataList(data.getDataList_asU8().map((tx, i) => (i === 0 ? flipped(tx, -1) : tx)));
      });
      expect(failed(failuresOf(bundle), 'DATA_HASH', { block: target.blockNumber }).detail).to.contain('the data hashes to');
    });

    it("in a block's header (previous_hash) fails PREVIOUS_HASH and the orderer signature at that block", function () {
      const bundle = withBlock(original, target.blockNumber, (block) => {
        const header = block.getHeader() as common.BlockHeader;
        header.setPreviousHash(flipped(header.getPreviousHash_asU8(), 3));
      });
      const failures = failuresOf(bundle);
      expect(failed(failures, 'PREVIOUS_HASH', { block: target.blockNumber }).detail).to.contain(
        `block ${target.blockNumber - 1}'s header hashes to`,
      );
      failed(failures, 'ORDERER_SIGNATURE', { block: target.blockNumber });
      expect(failures.every((f) => f.block === target.blockNumber)).to.equal(true);
    });

    it("in the orderer's signature fails ORDERER_SIGNATURE and BlockValidation, nothing else", function () {
      const bundle = withBlock(original, target.blockNumber, (block) => {
        const list = (block.getMetadata() as common.BlockMetadata).getMetadataList_asU8();
        const signatures = common.Metadata.deserializeBinary(list[common.BlockMetadataIndex.SIGNATURES] as Uint8Array);
        const first = signatures.getSignaturesList()[0] as common.MetadataSignature;
        first.setSignature(flipped(first.getSignature_asU8(), 10));
        const updated = [...list];
        updated[common.BlockMetadataIndex.SIGNATURES] = signatures.serializeBinary();
        block.getMetadata()?.setMetadataList(updated);
      });
      const failures = failuresOf(bundle);
      expect(checks(failures)).to.deep.equal(['BLOCK_VALIDATION_POLICY', 'ORDERER_SIGNATURE']);
      expect(failed(failures, 'ORDERER_SIGNATURE', { block: target.blockNumber }).detail).to.contain('does not verify');
    });

    it('in an endorsement signature fails ENDORSEMENT_SIGNATURE for that transaction (even with data_hash recomputed)', function () {
      const failures = failuresOf(
        editTarget(({ endorsed }) => {
          const e = endorsed.getEndorsementsList()[0] as NonNullable<ReturnType<typeof endorsed.getEndorsementsList>[number]>;
          e.setSignature(flipped(e.getSignature_asU8(), 20));
        }),
      );
      expect(failed(failures, 'ENDORSEMENT_SIGNATURE', { txId: target.txId }).detail).to.contain('does not verify');
      expect(checks(failures)).to.not.include('DATA_HASH');
    });

    it("in the creator's certificate fails CREATOR_CERT (and the transaction id no longer matches)", function () {
      const failures = failuresOf(
        editTarget(({ signatureHeader }) => {
          const id = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
          const der = new X509Certificate(Buffer.from(id.getIdBytes_asU8())).raw;
          const tampered = Buffer.from(flipped(der, -5)); // inside the CA's signature over the certificate
          id.setIdBytes(Buffer.from(pem(tampered)));
          signatureHeader.setCreator(id.serializeBinary());
        }),
      );
      expect(failed(failures, 'CREATOR_CERT', { txId: target.txId }).detail).to.contain('does not chain to a root CA of PartsCoMSP');
      failed(failures, 'TX_ID', { txId: target.txId });
    });

    it('in the record fails RECORD, and only RECORD', function () {
      const records = manifest.records.map((r) =>
        r === target ? { ...r, value: { ...(r.value as object), product: { code: 'BRK-100', name: 'brake calipeR' } } } : r,
      );
      const failures = failuresOf({ ...original, manifest: { ...manifest, records } });
      expect(failures.map((f) => [f.check, f.txId])).to.deep.equal([['RECORD', target.txId]]);
      expect(failures[0]?.detail).to.contain('differs from the write set');
    });

    it("in the configuration's root certificate of PartsCoMSP fails CREATOR_CERT of PartsCo's transactions, and changes the trust anchor", function () {
      const bundle = withBlock(original, 0, (block) => {
        const data = block.getData() as common.BlockData;
        const envelope = common.Envelope.deserializeBinary(data.getDataList_asU8()[0] as Uint8Array);
        const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
        const configEnvelope = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
        const config = configEnvelope.getConfig() as common.Config;
        const group = config.getChannelGroup()?.getGroupsMap().get('Application')?.getGroupsMap().get('PartsCoMSP') as common.ConfigGroup;
        const value = group.getValuesMap().get('MSP') as common.ConfigValue;
        const mspConfig = msp.MSPConfig.deserializeBinary(value.getValue_asU8());
        const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
        const root = new X509Certificate(Buffer.from(fabric.getRootCertsList_asU8()[0] as Uint8Array));
        const spki = root.publicKey.export({ type: 'spki', format: 'der' });
        const at = root.raw.indexOf(spki) + spki.length - 2; // a byte of the CA's public key
        const tampered = Buffer.from(flipped(root.raw, at));
        fabric.setRootCertsList([Buffer.from(pem(tampered))]);
        mspConfig.setConfig(fabric.serializeBinary());
        value.setValue(mspConfig.serializeBinary());
        payload.setData(configEnvelope.serializeBinary());
        envelope.setPayload(payload.serializeBinary());
        data.setDataList([envelope.serializeBinary()]);
        fixDataHash(block);
      });
      const failures = failuresOf(bundle);
      expect(failed(failures, 'CREATOR_CERT', { txId: target.txId }).detail).to.contain('PartsCoMSP');
      expect(checks(failures)).to.not.include('DATA_HASH');
      expect(verifyEvidence(bundle).trustAnchor.genesisHeaderHash).to.not.equal(verifyEvidence(original).trustAnchor.genesisHeaderHash);
    });
  });

  describe('a block removed from the middle', function () {
    it('fails BLOCK_PRESENT for it, whether or not the manifest still lists it', function () {
      const blocks = new Map(original.blocks);
      blocks.delete(target.blockNumber);
      failed(failuresOf({ ...original, blocks }), 'BLOCK_PRESENT', { block: target.blockNumber });
      const unlisted = { ...manifest, blocks: manifest.blocks.filter((n) => n !== target.blockNumber) };
      expect(failed(failuresOf({ manifest: unlisted, blocks }), 'BLOCK_PRESENT', { block: target.blockNumber }).detail).to.contain(
        'missing',
      );
    });
  });

  describe('a substituted transaction', function () {
    it('endorsed by a self-made CA that claims PartsCoMSP fails ENDORSER_CERT and the Endorsement policy', function () {
      const dir = mkdtempSync(path.join(tmpdir(), 'lotline-fake-ca-'));
      const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
      run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=PartsCo/CN=ca.partsco', '-days', '3650', '-sha256', '-out', 'ca.pem');
      run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'peer.key');
      run('req', '-new', '-key', 'peer.key', '-subj', '/OU=peer/O=PartsCo/CN=peer0.partsco', '-out', 'peer.csr');
      run(
        'x509',
        '-req',
        '-in',
        'peer.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '3650',
        '-sha256',
        '-out',
        'peer.pem',
      );
      const fake = new msp.SerializedIdentity();
      fake.setMspid('PartsCoMSP');
      fake.setIdBytes(readFileSync(path.join(dir, 'peer.pem')));
      const key = readFileSync(path.join(dir, 'peer.key'));
      const failures = failuresOf(
        editTarget(({ endorsed }) => {
          const prp = endorsed.getProposalResponsePayload_asU8();
          for (const e of endorsed.getEndorsementsList()) {
            if (mspOf(e.getEndorser_asU8()) !== 'PartsCoMSP') continue;
            e.setEndorser(fake.serializeBinary());
            e.setSignature(sign('sha256', Buffer.concat([prp, fake.serializeBinary()]), key));
          }
        }),
      );
      expect(failed(failures, 'ENDORSER_CERT', { txId: target.txId }).detail).to.contain('does not chain to a root CA of PartsCoMSP');
      expect(failed(failures, 'ENDORSEMENT_POLICY', { txId: target.txId }).detail).to.contain('2 of 4 organisations');
    });

    it('endorsed by too few organisations fails the Endorsement policy (MAJORITY: 3 of 4), while each signature verifies', function () {
      const failures = failuresOf(
        editTarget(({ endorsed }) => {
          endorsed.setEndorsementsList(endorsed.getEndorsementsList().slice(0, 2));
        }),
      );
      expect(failed(failures, 'ENDORSEMENT_POLICY', { txId: target.txId }).detail).to.match(
        /is MAJORITY Endorsement: 2 of 4 organisations .*3 needed/,
      );
      expect(checks(failures)).to.not.include.members(['ENDORSEMENT_SIGNATURE', 'ENDORSER_CERT', 'DATA_HASH']);
    });

    it('whose envelope does not re-marshal to its own bytes (a duplicated field) fails WELL_FORMED', function () {
      const bundle = withBlock(
        original,
        target.blockNumber,
        (block) => {
          const data = block.getData() as common.BlockData;
          const i = indexOf(block, target.txId);
          const raw = data.getDataList_asU8()[i] as Uint8Array;
          const signature = common.Envelope.deserializeBinary(raw).getSignature_asU8();
          // Field 2 (signature) again: protobuf parsers keep the last one, so the envelope decodes the same.
          const duplicate = Buffer.concat([Buffer.from([0x12, signature.length]), signature]);
          data.setDataList(data.getDataList_asU8().map((tx, j) => (j === i ? Buffer.concat([tx, duplicate]) : tx)));
        },
        { fixDataHash: true },
      );
      expect(failed(failuresOf(bundle), 'WELL_FORMED', { block: target.blockNumber }).detail).to.contain('does not re-marshal');
    });
  });
});
