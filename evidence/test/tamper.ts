/**
 * Tampering helpers for the verifier's tests: edit one block of a real
 * bundle at the protobuf level, optionally recomputing its data_hash (as an
 * attacker would, so that the check that fails is the one the edit aims at).
 */
import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import type { EvidenceBundle } from '../src';

/** Recompute a block's data_hash from its data. */
export function fixDataHash(block: common.Block): void {
  const hash = createHash('sha256');
  for (const tx of block.getData()?.getDataList_asU8() ?? []) hash.update(tx);
  block.getHeader()?.setDataHash(hash.digest());
}

/** A copy of `bundle` with block `number` edited. */
export function withBlock(
  bundle: EvidenceBundle,
  number: number,
  edit: (block: common.Block) => void,
  options: { fixDataHash?: boolean } = {},
): EvidenceBundle {
  const bytes = bundle.blocks.get(number);
  if (bytes === undefined) throw new Error(`the fixture has no block ${number}`);
  const block = common.Block.deserializeBinary(bytes);
  edit(block);
  if (options.fixDataHash === true) fixDataHash(block);
  const blocks = new Map(bundle.blocks);
  blocks.set(number, block.serializeBinary());
  return { ...bundle, blocks };
}

/** Flip one bit of a byte in a copy of `bytes` (negative index: from the end). */
export function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/** The parts of the envelope at `index` of a block, and a function that writes them back. */
export function envelopeAt(block: common.Block, index: number) {
  const data = block.getData() as common.BlockData;
  const list = data.getDataList_asU8();
  const envelope = common.Envelope.deserializeBinary(list[index] as Uint8Array);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const header = payload.getHeader() as common.Header;
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = transaction.getActionsList()[0] as peer.TransactionAction;
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsed = actionPayload.getAction() as peer.ChaincodeEndorsedAction;
  return {
    envelope,
    signatureHeader,
    endorsed,
    /** Re-marshal everything from the inside out into the block. */
    save(): void {
      header.setSignatureHeader(signatureHeader.serializeBinary());
      actionPayload.setAction(endorsed);
      action.setPayload(actionPayload.serializeBinary());
      payload.setData(transaction.serializeBinary());
      envelope.setPayload(payload.serializeBinary());
      const updated = [...list];
      updated[index] = envelope.serializeBinary();
      data.setDataList(updated);
    },
  };
}
