/**
 * Making a bundle from a peer: the histories of a lot (and of the lots of its
 * backward trace, to a depth), the block of each of their transactions, every
 * configuration block back to genesis, and the genesis block. The blocks are
 * the peer's raw bytes; nothing is decoded beyond finding numbers and
 * last_config pointers.
 */
import { common } from '@hyperledger/fabric-protos';
import type { HistoryEntry } from '@lotline/domain';
import { BUNDLE_FORMAT, EvidenceTooLargeError, MAX_BUNDLE_BYTES, type EvidenceBundle, type EvidenceRecord } from './bundle';

/** What an export reads from the serving peer (a LotLedger provides all of it). */
export interface EvidenceSource {
  readonly channel: string;
  /** The serving peer (endpoint or name) and its organisation. */
  readonly servedBy: { readonly peer: string; readonly mspId: string };
  lotHistory(lotId: string): Promise<readonly HistoryEntry[]>;
  /** The ids of the lots in the backward trace of `lotId` to `depth`, without the lot itself. */
  backwardTrace(lotId: string, depth: number): Promise<readonly string[]>;
  rawBlock(number: number): Promise<Uint8Array>;
  rawBlockOfTransaction(txId: string): Promise<Uint8Array>;
}

/** Options of an export. */
export interface ExportOptions {
  readonly depth?: number;
  readonly maxBytes?: number;
  readonly now?: Date;
}

function lastConfigOf(block: common.Block): number {
  const raw = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  const value = raw === undefined || raw.length === 0 ? undefined : common.Metadata.deserializeBinary(raw).getValue_asU8();
  return value === undefined || value.length === 0
    ? 0
    : (common.OrdererBlockMetadata.deserializeBinary(value).getLastConfig()?.getIndex() ?? 0);
}

class BlockCollector {
  readonly blocks = new Map<number, Uint8Array>();
  readonly configs = new Set<number>([0]);
  #bytes = 0;

  constructor(
    private readonly source: EvidenceSource,
    private readonly maxBytes: number,
  ) {}

  add(number: number, bytes: Uint8Array): common.Block {
    if (!this.blocks.has(number)) {
      this.#bytes += bytes.length;
      if (this.#bytes > this.maxBytes) throw new EvidenceTooLargeError(this.#bytes, this.maxBytes);
      this.blocks.set(number, bytes);
    }
    return common.Block.deserializeBinary(bytes);
  }

  async byNumber(number: number): Promise<common.Block> {
    const known = this.blocks.get(number);
    return known !== undefined ? common.Block.deserializeBinary(known) : this.add(number, await this.source.rawBlock(number));
  }

  /** Add the block of a transaction and the configurations it needs; its number. */
  async ofTransaction(txId: string, knownBlocks: Map<string, number>): Promise<number> {
    const known = knownBlocks.get(txId);
    if (known !== undefined) return known;
    const bytes = await this.source.rawBlockOfTransaction(txId);
    const block = common.Block.deserializeBinary(bytes);
    const number = block.getHeader()?.getNumber() ?? -1;
    this.add(number, bytes);
    await this.configChain(lastConfigOf(block));
    return number;
  }

  /** Config block `index` and its predecessors down to genesis (each predecessor is last_config of the block before). */
  async configChain(index: number): Promise<void> {
    for (let current = index; !this.configs.has(current); ) {
      this.configs.add(current);
      await this.byNumber(current);
      const before = await this.source.rawBlock(current - 1);
      current = lastConfigOf(common.Block.deserializeBinary(before));
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}

/**
 * Make the evidence bundle of a lot.
 * @throws EvidenceTooLargeError over the size limit; the source's errors (an unknown lot, an unreachable peer).
 */
export async function exportEvidence(source: EvidenceSource, lotId: string, options: ExportOptions = {}): Promise<EvidenceBundle> {
  const depth = options.depth ?? 0;
  const maxBytes = options.maxBytes ?? MAX_BUNDLE_BYTES;
  const collector = new BlockCollector(source, maxBytes);
  await collector.byNumber(0);
  const lots = [lotId, ...(depth > 0 ? (await source.backwardTrace(lotId, depth)).filter((id) => id !== lotId) : [])];
  const records: EvidenceRecord[] = [];
  const blockOf = new Map<string, number>();
  for (const id of lots) {
    for (const entry of await source.lotHistory(id)) {
      const blockNumber = await collector.ofTransaction(entry.txId, blockOf);
      blockOf.set(entry.txId, blockNumber);
      records.push({ lotId: id, txId: entry.txId, blockNumber, timestamp: entry.timestamp, isDelete: entry.isDelete, value: entry.value });
    }
  }
  return assemble(source, collector, { lotId, depth, lots, records, transactions: [], maxBytes, now: options.now ?? new Date() });
}

/**
 * Make a bundle of transactions (no lot history): their blocks and the
 * configurations in force, as the proof endpoint verifies them.
 */
export async function exportTransactions(
  source: EvidenceSource,
  txIds: readonly string[],
  options: ExportOptions = {},
): Promise<EvidenceBundle> {
  const maxBytes = options.maxBytes ?? MAX_BUNDLE_BYTES;
  const collector = new BlockCollector(source, maxBytes);
  await collector.byNumber(0);
  const blockOf = new Map<string, number>();
  for (const txId of txIds) blockOf.set(txId, await collector.ofTransaction(txId, blockOf));
  return assemble(source, collector, {
    lotId: null,
    depth: 0,
    lots: [],
    records: [],
    transactions: txIds,
    maxBytes,
    now: options.now ?? new Date(),
  });
}

function assemble(
  source: EvidenceSource,
  collector: BlockCollector,
  parts: {
    lotId: string | null;
    depth: number;
    lots: readonly string[];
    records: readonly EvidenceRecord[];
    transactions: readonly string[];
    maxBytes: number;
    now: Date;
  },
): EvidenceBundle {
  const { now, ...rest } = parts;
  return {
    manifest: {
      format: BUNDLE_FORMAT,
      ...rest,
      channel: source.channel,
      servedBy: source.servedBy,
      createdAt: now.toISOString(),
      blocks: [...collector.blocks.keys()].sort((a, b) => a - b),
      configBlocks: [...collector.configs].sort((a, b) => a - b),
    },
    blocks: collector.blocks,
  };
}
