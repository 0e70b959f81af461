/**
 * The offline verifier of evidence bundles. It trusts nothing but the
 * genesis block in the bundle (whose header hash it reports, for comparison
 * with the channel's genesis block obtained elsewhere) and checks, with
 * @hyperledger/fabric-protos for decoding and node:crypto for X.509 and
 * ECDSA: each block's data hash, header hash and chaining; the orderers'
 * signatures against the configuration in force and its BlockValidation
 * policy; the chain of configurations back to genesis; each transaction's
 * creator, signature, id and well-formedness; its endorsements against the
 * channel's MSPs and the Endorsement policy; and each record against the
 * transaction's write set. Validity flags are not signed by anyone: they are
 * reported as the serving peer's claim.
 */
import { createHash, verify as verifySignature, type X509Certificate } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { canonicalJson, compositeKey, type ProofVerification } from '@lotline/domain';
import { BundleFormatError, readBundle, type EvidenceBundle, type EvidenceManifest } from './bundle';
import { configEnvelopeOf, readConfig, validateIdentity, type ChannelConfig, type ValidIdentity } from './config';
import { blockHeaderBytes, blockHeaderHash } from './der';
import { evaluatePolicy } from './policy';

/** The checks, by stable name. */
export const CHECKS = {
  BUNDLE: 'the file is a readable evidence bundle',
  BLOCK_PRESENT: 'every block the manifest lists or a record references is in the bundle',
  BLOCK_DECODES: 'the block decodes and has the number of its file',
  DATA_HASH: "data_hash is the SHA-256 of the block's data",
  PREVIOUS_HASH: "previous_hash is the SHA-256 of the ASN.1 DER of the previous block's header (number, previous_hash, data_hash)",
  GENESIS: 'block 0 is a config block with an empty previous_hash (and, when given, has the expected header hash): the trust anchor',
  LAST_CONFIG: 'the configuration that last_config points to is in the bundle',
  CONFIG_CHAIN: "each configuration's predecessor (sequence - 1) is in the bundle, back to genesis",
  ORDERER_SIGNATURE:
    "an orderer signature in SIGNATURES metadata verifies over (metadata value ‖ signature header ‖ header bytes) by an identity chaining to an orderer organisation's root CA in the configuration in force",
  BLOCK_VALIDATION_POLICY: "the valid orderer signatures satisfy the configuration's /Channel/Orderer/BlockValidation policy",
  WELL_FORMED: 'the envelope re-marshals to exactly its own bytes (CVE-2023-46132)',
  TX_IN_BLOCK: 'the transaction is in the block the manifest says, on the channel of the bundle',
  VALIDITY_FLAG: "the serving peer's transaction filter marks it VALID (unsigned: the serving peer's claim)",
  TX_ID: 'the transaction id is SHA-256(nonce ‖ creator)',
  CREATOR_CERT:
    "the creator's certificate chains to its MSP's root CA in the configuration, was valid at the transaction's time, and is on no revocation list",
  CREATOR_SIGNATURE: "the creator's signature over the payload verifies",
  ENDORSEMENT_SIGNATURE: 'each endorsement signature over (proposal response payload ‖ endorser) verifies',
  ENDORSER_CERT: "each endorser's certificate chains to its MSP's root CA in the configuration",
  ENDORSEMENT_POLICY: "the endorsing organisations satisfy the configuration's /Channel/Application/Endorsement policy",
  RECORD: "the record equals the transaction's write-set value byte for byte, after canonical JSON",
} as const;

/** A check's name. */
export type CheckName = keyof typeof CHECKS;

/** One check's outcome. */
export interface Finding {
  readonly check: CheckName;
  readonly ok: boolean;
  readonly block?: number;
  readonly txId?: string;
  readonly detail: string;
}

/** What the verifier found for one transaction. */
export interface TransactionVerdict {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly timestamp: string;
  readonly creator: string;
  readonly endorsingOrganizations: readonly string[];
  /** The serving peer's (unsigned) validation code. */
  readonly validationCode: string;
  readonly ok: boolean;
}

/** The verifier's report. */
export interface VerificationReport {
  readonly ok: boolean;
  readonly manifest: Omit<EvidenceManifest, 'records'> | null;
  readonly trustAnchor: { readonly genesisHeaderHash: string | null; readonly configSequences: readonly number[] };
  readonly transactions: readonly TransactionVerdict[];
  readonly findings: readonly Finding[];
  readonly failures: readonly Finding[];
  /** What the verifier cannot establish from the bundle alone. */
  readonly notes: readonly string[];
}

const NOTES = [
  "Validity flags are not signed: a transaction's VALID flag comes from the serving peer's transaction filter (block metadata no orderer signs). Compare with a second organisation's peer.",
  "Completeness is the serving peer's claim: the bundle proves that each record it holds was ordered and endorsed, not that the lot's history has no other records.",
  'Trust starts at the genesis block in the bundle: compare its header hash with the channel genesis block your organisation holds.',
  "Configuration updates are trusted through the orderers' signature on their block; the admins' signatures on the update are not re-evaluated.",
  "Endorsements are judged against the channel's /Channel/Application/Endorsement policy (MAJORITY of the Application organisations), the policy Lotline's chaincode is defined with; the chaincode definition itself (in _lifecycle state) is not in the bundle.",
];

interface Decoded {
  readonly number: number;
  readonly block: common.Block;
  readonly header: common.BlockHeader;
}

class Findings {
  readonly list: Finding[] = [];
  add(check: CheckName, ok: boolean, detail: string, where: { block?: number; txId?: string } = {}): boolean {
    this.list.push({ check, ok, detail, ...where });
    return ok;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function signatureVerifies(data: Uint8Array, cert: X509Certificate, signature: Uint8Array): boolean {
  try {
    return verifySignature('sha256', data, cert.publicKey, signature);
  } catch {
    return false;
  }
}

function headerBytes(header: common.BlockHeader): Buffer {
  return blockHeaderBytes(BigInt(header.getNumber()), header.getPreviousHash_asU8(), header.getDataHash_asU8());
}

function signaturesMetadata(block: common.Block): common.Metadata | undefined {
  const raw = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  return raw === undefined || raw.length === 0 ? undefined : common.Metadata.deserializeBinary(raw);
}

function lastConfigOf(block: common.Block): number | undefined {
  const value = signaturesMetadata(block)?.getValue_asU8();
  if (value === undefined || value.length === 0) return undefined;
  return common.OrdererBlockMetadata.deserializeBinary(value).getLastConfig()?.getIndex();
}

function decodeBlocks(bundle: EvidenceBundle, found: Findings): Map<number, Decoded> {
  const decoded = new Map<number, Decoded>();
  const wanted = new Set([
    ...bundle.manifest.blocks,
    ...bundle.manifest.configBlocks,
    ...bundle.manifest.records.map((r) => r.blockNumber),
  ]);
  for (const number of [...wanted].sort((a, b) => a - b)) {
    const bytes = bundle.blocks.get(number);
    if (
      !found.add('BLOCK_PRESENT', bytes !== undefined, bytes !== undefined ? 'present' : `blocks/${number}.block is missing`, {
        block: number,
      })
    )
      continue;
    try {
      const block = common.Block.deserializeBinary(bytes as Uint8Array);
      const header = block.getHeader();
      if (header === undefined) throw new Error('it has no header');
      if (header.getNumber() !== number) throw new Error(`its header says block ${header.getNumber()}`);
      found.add('BLOCK_DECODES', true, 'decodes', { block: number });
      decoded.set(number, { number, block, header });
    } catch (error) {
      found.add(
        'BLOCK_DECODES',
        false,
        `blocks/${number}.block does not decode as a block: ${error instanceof Error ? error.message : String(error)}`,
        {
          block: number,
        },
      );
    }
  }
  return decoded;
}

function checkHashes(blocks: Map<number, Decoded>, found: Findings): void {
  for (const { number, block, header } of blocks.values()) {
    const data = block.getData()?.getDataList_asU8() ?? [];
    const computed = sha256(...data);
    const stated = Buffer.from(header.getDataHash_asU8());
    found.add(
      'DATA_HASH',
      computed.equals(stated),
      computed.equals(stated) ? hex(stated) : `data_hash ${hex(stated)} but the data hashes to ${hex(computed)}`,
      {
        block: number,
      },
    );
    const previous = blocks.get(number - 1);
    if (previous !== undefined) {
      const expected = blockHeaderHash(
        BigInt(previous.header.getNumber()),
        previous.header.getPreviousHash_asU8(),
        previous.header.getDataHash_asU8(),
      );
      const actual = Buffer.from(header.getPreviousHash_asU8());
      found.add(
        'PREVIOUS_HASH',
        expected.equals(actual),
        expected.equals(actual)
          ? `chains to block ${number - 1}`
          : `previous_hash ${hex(actual)} but block ${number - 1}'s header hashes to ${hex(expected)}`,
        { block: number },
      );
    }
  }
}

/** Verify the orderers' signatures of a block under `config`. */
function checkOrdererSignature(entry: Decoded, config: ChannelConfig, found: Findings): void {
  const where = { block: entry.number };
  const metadata = signaturesMetadata(entry.block);
  const signatures = metadata?.getSignaturesList() ?? [];
  const signers: ValidIdentity[] = [];
  const reasons: string[] = [];
  const bytes = headerBytes(entry.header);
  for (const signature of signatures) {
    const sigHeader = signature.getSignatureHeader_asU8();
    let creator: Uint8Array;
    try {
      creator = common.SignatureHeader.deserializeBinary(sigHeader).getCreator_asU8();
    } catch {
      reasons.push('a signature header does not decode');
      continue;
    }
    const validated = validateIdentity(creator, config.ordererMsps);
    if (validated.identity === undefined) {
      reasons.push(`signer: ${validated.reason}`);
      continue;
    }
    const signed = Buffer.concat([metadata?.getValue_asU8() ?? new Uint8Array(), sigHeader, bytes]);
    if (!signatureVerifies(signed, validated.identity.cert, signature.getSignature_asU8())) {
      reasons.push(
        `the signature by ${validated.identity.mspId} (${validated.identity.cert.subject.split('\n').join(', ')}) does not verify`,
      );
      continue;
    }
    signers.push(validated.identity);
  }
  found.add(
    'ORDERER_SIGNATURE',
    signers.length > 0,
    signers.length > 0
      ? `signed by ${signers.map((s) => s.mspId).join(', ')} under the configuration of block ${config.blockNumber}`
      : signatures.length === 0
        ? 'the block has no orderer signature'
        : reasons.join('; '),
    where,
  );
  const ordererGroup = config.channelGroup.getGroupsMap().get('Orderer');
  const outcome =
    ordererGroup === undefined
      ? { satisfied: false, explanation: 'the configuration has no Orderer group' }
      : evaluatePolicy(ordererGroup, '/Channel/Orderer', 'BlockValidation', signers);
  found.add('BLOCK_VALIDATION_POLICY', outcome.satisfied, outcome.explanation, where);
}

function checkConfigs(
  blocks: Map<number, Decoded>,
  manifest: EvidenceManifest,
  found: Findings,
  options: VerifyOptions,
): Map<number, ChannelConfig> {
  const configs = new Map<number, ChannelConfig>();
  for (const number of manifest.configBlocks) {
    const entry = blocks.get(number);
    if (entry === undefined) continue;
    try {
      configs.set(number, readConfig(entry.block));
    } catch (error) {
      found.add(
        'CONFIG_CHAIN',
        false,
        `block ${number} is listed as a config block but ${error instanceof Error ? error.message : String(error)}`,
        { block: number },
      );
    }
  }
  const genesis = configs.get(0);
  const genesisBlock = blocks.get(0);
  const genesisOk = genesis !== undefined && genesisBlock?.header.getPreviousHash_asU8().length === 0;
  const hash = genesisBlock === undefined ? undefined : hex(sha256(headerBytes(genesisBlock.header)));
  const expected = options.genesisHeaderHash?.toLowerCase();
  const pinned = expected === undefined || expected === hash;
  found.add(
    'GENESIS',
    genesisOk && pinned,
    !genesisOk
      ? 'the bundle has no genesis config block (block 0 with an empty previous_hash)'
      : pinned
        ? `block 0 is the channel genesis block${expected !== undefined ? ', with the expected header hash' : ''}`
        : `block 0's header hash is ${hash}, not the expected ${expected}: this bundle is of another channel, or forged`,
    { block: 0 },
  );
  const bySequence = new Map([...configs.values()].map((c) => [c.sequence, c]));
  for (const config of configs.values()) {
    if (config.blockNumber === 0) continue;
    const entry = blocks.get(config.blockNumber) as Decoded;
    const predecessor = bySequence.get(config.sequence - 1);
    if (
      !found.add(
        'CONFIG_CHAIN',
        predecessor !== undefined,
        predecessor !== undefined
          ? `configuration sequence ${config.sequence} follows sequence ${predecessor.sequence} (block ${predecessor.blockNumber})`
          : `the configuration with sequence ${config.sequence - 1}, which must have accepted this one, is not in the bundle: the chain starts at block ${config.blockNumber}`,
        { block: config.blockNumber },
      )
    )
      continue;
    checkOrdererSignature(entry, predecessor as ChannelConfig, found);
  }
  return configs;
}

function configInForce(entry: Decoded, configs: Map<number, ChannelConfig>, found: Findings): ChannelConfig | undefined {
  const index = lastConfigOf(entry.block);
  const config = index === undefined ? undefined : configs.get(index);
  found.add(
    'LAST_CONFIG',
    config !== undefined,
    config !== undefined
      ? `configuration of block ${index}`
      : index === undefined
        ? 'the block has no last_config in its SIGNATURES metadata'
        : `last_config points to block ${index}, which is not a config block in the bundle`,
    { block: entry.number },
  );
  return config;
}

function checkWellFormed(entry: Decoded, found: Findings): void {
  if (configEnvelopeOf(entry.block) !== undefined) return; // a config block holds one transaction only (as protoutil.VerifyTransactionsAreWellFormed)
  const data = entry.block.getData()?.getDataList_asU8() ?? [];
  const bad = data.findIndex((raw) => {
    try {
      const env = common.Envelope.deserializeBinary(raw);
      return (
        env.getPayload_asU8().length === 0 ||
        env.getSignature_asU8().length === 0 ||
        !Buffer.from(env.serializeBinary()).equals(Buffer.from(raw))
      );
    } catch {
      return true;
    }
  });
  found.add('WELL_FORMED', bad < 0, bad < 0 ? `${data.length} envelopes` : `envelope ${bad} does not re-marshal to its own bytes`, {
    block: entry.number,
  });
}

interface Located {
  readonly entry: Decoded;
  readonly index: number;
  readonly envelope: common.Envelope;
  readonly payload: common.Payload;
  readonly channelHeader: common.ChannelHeader;
  readonly signatureHeader: common.SignatureHeader;
}

function locate(entry: Decoded, txId: string): Located | undefined {
  const data = entry.block.getData()?.getDataList_asU8() ?? [];
  for (const [index, raw] of data.entries()) {
    try {
      const envelope = common.Envelope.deserializeBinary(raw);
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      const header = payload.getHeader();
      if (header === undefined) continue;
      const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      if (channelHeader.getTxId() !== txId) continue;
      return {
        entry,
        index,
        envelope,
        payload,
        channelHeader,
        signatureHeader: common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()),
      };
    } catch {
      continue;
    }
  }
  return undefined;
}

function timestampOf(header: common.ChannelHeader): Date {
  const ts = header.getTimestamp() as unknown as { getSeconds(): number; getNanos(): number } | undefined;
  return ts === undefined ? new Date(0) : new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6));
}

function validationCodeOf(entry: Decoded, index: number): number | undefined {
  const filter = entry.block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  return filter?.[index];
}

function codeName(code: number | undefined): string {
  if (code === undefined) return 'UNKNOWN';
  return Object.entries(peer.TxValidationCode).find(([, v]) => v === code)?.[0] ?? String(code);
}

interface EndorsedAction {
  readonly namespaceWrites: Map<string, ledger.rwset.kvrwset.KVWrite[]>;
  readonly endorsingOrganizations: string[];
}

function checkEndorsements(tx: Located, config: ChannelConfig, at: Date, found: Findings): EndorsedAction {
  const where = { block: tx.entry.number, txId: tx.channelHeader.getTxId() };
  const namespaceWrites = new Map<string, ledger.rwset.kvrwset.KVWrite[]>();
  const endorsers: ValidIdentity[] = [];
  const actions = peer.Transaction.deserializeBinary(tx.payload.getData_asU8()).getActionsList();
  let signaturesOk = true;
  let certsOk = true;
  const problems: string[] = [];
  for (const action of actions) {
    const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
    if (endorsed === undefined) continue;
    const prp = endorsed.getProposalResponsePayload_asU8();
    for (const endorsement of endorsed.getEndorsementsList()) {
      const validated = validateIdentity(endorsement.getEndorser_asU8(), config.applicationMsps, at);
      if (validated.identity === undefined) {
        certsOk = false;
        problems.push(validated.reason);
        continue;
      }
      const signed = Buffer.concat([prp, endorsement.getEndorser_asU8()]);
      if (!signatureVerifies(signed, validated.identity.cert, endorsement.getSignature_asU8())) {
        signaturesOk = false;
        problems.push(`the endorsement by ${validated.identity.mspId} does not verify`);
        continue;
      }
      endorsers.push(validated.identity);
    }
    const ccAction = peer.ChaincodeAction.deserializeBinary(peer.ProposalResponsePayload.deserializeBinary(prp).getExtension_asU8());
    for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(ccAction.getResults_asU8()).getNsRwsetList()) {
      const writes = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8()).getWritesList();
      namespaceWrites.set(ns.getNamespace(), [...(namespaceWrites.get(ns.getNamespace()) ?? []), ...writes]);
    }
  }
  const orgs = [...new Set(endorsers.map((e) => e.mspId))].sort();
  found.add('ENDORSER_CERT', certsOk, certsOk ? `endorsers of ${orgs.join(', ')}` : problems.join('; '), where);
  found.add('ENDORSEMENT_SIGNATURE', signaturesOk, signaturesOk ? `${endorsers.length} endorsements verify` : problems.join('; '), where);
  const application = config.channelGroup.getGroupsMap().get('Application');
  const outcome =
    application === undefined
      ? { satisfied: false, explanation: 'the configuration has no Application group' }
      : evaluatePolicy(application, '/Channel/Application', 'Endorsement', endorsers);
  found.add('ENDORSEMENT_POLICY', outcome.satisfied, outcome.explanation, where);
  return { namespaceWrites, endorsingOrganizations: orgs };
}

function checkTransaction(
  txId: string,
  entry: Decoded,
  config: ChannelConfig,
  manifest: EvidenceManifest,
  found: Findings,
): { verdict: TransactionVerdict; writes: Map<string, ledger.rwset.kvrwset.KVWrite[]> } | undefined {
  const where = { block: entry.number, txId };
  const before = found.list.length;
  const tx = locate(entry, txId);
  const onChannel = tx !== undefined && tx.channelHeader.getChannelId() === manifest.channel;
  if (
    !found.add(
      'TX_IN_BLOCK',
      onChannel,
      tx === undefined
        ? `block ${entry.number} has no transaction ${txId}`
        : onChannel
          ? `index ${tx.index}`
          : `it is on channel ${tx.channelHeader.getChannelId()}`,
      where,
    )
  ) {
    return undefined;
  }
  const located = tx as Located;
  const code = validationCodeOf(entry, located.index);
  found.add(
    'VALIDITY_FLAG',
    code === peer.TxValidationCode.VALID,
    `${codeName(code)} (unsigned: the serving peer's transaction filter)`,
    where,
  );
  const creator = located.signatureHeader.getCreator_asU8();
  const computedId = hex(sha256(located.signatureHeader.getNonce_asU8(), creator));
  found.add('TX_ID', computedId === txId, computedId === txId ? 'matches' : `SHA-256(nonce ‖ creator) is ${computedId}`, where);
  const at = timestampOf(located.channelHeader);
  const validated = validateIdentity(creator, config.applicationMsps, at);
  found.add(
    'CREATOR_CERT',
    validated.identity !== undefined,
    validated.identity !== undefined
      ? `${validated.identity.mspId}: ${validated.identity.cert.subject.split('\n').join(', ')}`
      : validated.reason,
    where,
  );
  if (validated.identity !== undefined) {
    const ok = signatureVerifies(located.envelope.getPayload_asU8(), validated.identity.cert, located.envelope.getSignature_asU8());
    found.add('CREATOR_SIGNATURE', ok, ok ? 'verifies' : "the creator's signature over the payload does not verify", where);
  }
  let endorsed: EndorsedAction;
  try {
    endorsed = checkEndorsements(located, config, at, found);
  } catch (error) {
    found.add(
      'ENDORSEMENT_SIGNATURE',
      false,
      `the transaction's endorsed action does not decode: ${error instanceof Error ? error.message : String(error)}`,
      where,
    );
    endorsed = { namespaceWrites: new Map(), endorsingOrganizations: [] };
  }
  let creatorName = '(unknown)';
  try {
    creatorName = msp.SerializedIdentity.deserializeBinary(creator).getMspid();
  } catch {
    // reported by CREATOR_CERT
  }
  const verdict: TransactionVerdict = {
    txId,
    blockNumber: entry.number,
    txIndex: located.index,
    timestamp: at.toISOString(),
    creator: creatorName,
    endorsingOrganizations: endorsed.endorsingOrganizations,
    validationCode: codeName(code),
    ok: found.list.slice(before).every((f) => f.ok),
  };
  return { verdict, writes: endorsed.namespaceWrites };
}

function checkRecord(
  record: EvidenceManifest['records'][number],
  writes: Map<string, ledger.rwset.kvrwset.KVWrite[]>,
  found: Findings,
): void {
  const where = { block: record.blockNumber, txId: record.txId };
  const key = compositeKey('lot', [record.lotId]);
  const write = [...writes.values()].flat().find((w) => w.getKey() === key);
  if (write === undefined) {
    found.add('RECORD', false, `the transaction's write set has no key for lot ${record.lotId}`, where);
    return;
  }
  if (write.getIsDelete() || record.isDelete) {
    const same = write.getIsDelete() === record.isDelete;
    found.add(
      'RECORD',
      same,
      same ? 'a deletion, as the write set says' : `the record says isDelete=${record.isDelete}, the write set ${write.getIsDelete()}`,
      where,
    );
    return;
  }
  const expected = Buffer.from(canonicalJson(record.value), 'utf8');
  const actual = Buffer.from(write.getValue_asU8());
  const same = expected.equals(actual);
  found.add(
    'RECORD',
    same,
    same
      ? `lot ${record.lotId}: sha256 ${hex(sha256(actual))}`
      : `lot ${record.lotId}: the record's canonical JSON (sha256 ${hex(sha256(expected))}) differs from the write set's value (sha256 ${hex(sha256(actual))})`,
    where,
  );
}

/** Options of a verification. */
export interface VerifyOptions {
  /** The header hash of the channel's genesis block as the auditor holds it: GENESIS fails when the bundle's differs. */
  readonly genesisHeaderHash?: string;
}

/** Verify a bundle in memory. */
export function verifyEvidence(bundle: EvidenceBundle, options: VerifyOptions = {}): VerificationReport {
  const found = new Findings();
  const { manifest } = bundle;
  const blocks = decodeBlocks(bundle, found);
  checkHashes(blocks, found);
  const configs = checkConfigs(blocks, manifest, found, options);
  const configBlocks = new Set(configs.keys());
  const inForce = new Map<number, ChannelConfig>();
  for (const entry of blocks.values()) {
    if (configBlocks.has(entry.number)) continue;
    const config = configInForce(entry, configs, found);
    if (config === undefined) continue;
    inForce.set(entry.number, config);
    checkOrdererSignature(entry, config, found);
    checkWellFormed(entry, found);
  }
  const transactions: TransactionVerdict[] = [];
  const writesByTx = new Map<string, Map<string, ledger.rwset.kvrwset.KVWrite[]>>();
  const wanted = new Map<string, number>();
  for (const r of manifest.records) wanted.set(r.txId, r.blockNumber);
  for (const txId of manifest.transactions) {
    const at = [...blocks.values()].find((b) => locate(b, txId) !== undefined);
    wanted.set(txId, at?.number ?? -1);
  }
  for (const [txId, number] of wanted) {
    const entry = blocks.get(number);
    const config = inForce.get(number);
    if (entry === undefined || config === undefined) {
      found.add(
        'TX_IN_BLOCK',
        false,
        number < 0 ? `no block in the bundle holds transaction ${txId}` : `block ${number} could not be checked`,
        { block: number, txId },
      );
      continue;
    }
    const checked = checkTransaction(txId, entry, config, manifest, found);
    if (checked === undefined) continue;
    transactions.push(checked.verdict);
    writesByTx.set(txId, checked.writes);
  }
  for (const record of manifest.records) {
    const writes = writesByTx.get(record.txId);
    if (writes !== undefined) checkRecord(record, writes, found);
  }
  const genesis = blocks.get(0);
  const failures = found.list.filter((f) => !f.ok);
  const summary: Omit<EvidenceManifest, 'records'> = Object.fromEntries(
    Object.entries(manifest).filter(([key]) => key !== 'records'),
  ) as Omit<EvidenceManifest, 'records'>;
  return {
    ok: failures.length === 0,
    manifest: summary,
    trustAnchor: {
      genesisHeaderHash: genesis === undefined ? null : hex(sha256(headerBytes(genesis.header))),
      configSequences: [...configs.values()].map((c) => c.sequence).sort((a, b) => a - b),
    },
    transactions,
    findings: found.list,
    failures,
    notes: NOTES,
  };
}

/** Verify a bundle file's bytes: an unreadable file is a failed BUNDLE check, not an exception. */
export function verifyBundleFile(zip: Uint8Array, options: VerifyOptions = {}): VerificationReport {
  let bundle: EvidenceBundle;
  try {
    bundle = readBundle(zip);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const failure: Finding = {
      check: 'BUNDLE',
      ok: false,
      detail: error instanceof BundleFormatError ? detail : `the bundle cannot be read: ${detail}`,
    };
    return {
      ok: false,
      manifest: null,
      trustAnchor: { genesisHeaderHash: null, configSequences: [] },
      transactions: [],
      findings: [failure],
      failures: [failure],
      notes: NOTES,
    };
  }
  return verifyEvidence(bundle, options);
}

/** The verdict in the proof endpoint's shape (@lotline/domain `ProofVerification`). */
export function proofVerification(report: VerificationReport): ProofVerification {
  return {
    ok: report.ok,
    checks: report.findings.length,
    failures: report.failures.map((f) => ({ ...f })),
    genesisHeaderHash: report.trustAnchor.genesisHeaderHash,
    notes: [...report.notes],
  };
}
