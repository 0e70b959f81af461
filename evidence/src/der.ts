/**
 * The little ASN.1 DER this verifier needs, written out: the encoding of a
 * block header that Fabric's `protoutil.BlockHeaderBytes` hashes and the
 * orderers sign (a SEQUENCE of INTEGER number, OCTET STRING previous_hash,
 * OCTET STRING data_hash, as Go's `encoding/asn1` marshals it), and a reader
 * of tag-length-value items for the serial numbers of a revocation list.
 */
import { createHash } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), Buffer.from(content)]);
}

/** DER INTEGER content of a non-negative integer: minimal big-endian, a leading 0 when the high bit is set. */
function unsignedInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return bytes;
}

/** The bytes Fabric hashes and signs for a block header (`protoutil.BlockHeaderBytes`). */
export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return tlv(0x30, Buffer.concat([tlv(0x02, unsignedInteger(number)), tlv(0x04, previousHash), tlv(0x04, dataHash)]));
}

/** SHA-256 of {@link blockHeaderBytes}: what the next block's `previous_hash` holds. */
export function blockHeaderHash(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return createHash('sha256')
    .update(blockHeaderBytes(number, previousHash, dataHash))
    .digest();
}

/** One DER item: its tag, its content and the whole encoding. */
export interface DerItem {
  readonly tag: number;
  readonly content: Buffer;
  readonly whole: Buffer;
}

/** Read the item at `offset` (definite lengths only, as DER requires). */
export function readItem(bytes: Buffer, offset = 0): DerItem & { readonly end: number } {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER item');
  let start = offset + 2;
  let size = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    size = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[start + i];
      if (lengthByte === undefined) throw new Error('truncated DER length');
      size = size * 256 + lengthByte;
    }
    start += count;
  }
  const end = start + size;
  if (end > bytes.length) throw new Error('DER item runs past its container');
  return { tag, content: bytes.subarray(start, end), whole: bytes.subarray(offset, end), end };
}

/** The items inside a constructed item's content. */
export function children(content: Buffer): DerItem[] {
  const items: DerItem[] = [];
  for (let offset = 0; offset < content.length; ) {
    const item = readItem(content, offset);
    items.push(item);
    offset = item.end;
  }
  return items;
}
