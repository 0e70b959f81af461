/**
 * Following a peer's committed blocks with fabric-gateway block events,
 * decoded: the feed an off-chain read model is built from.
 */
import type { Gateway } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { classifyError } from './classify';
import { decodeBlock, type DecodedBlock } from './proof';

/**
 * Where a feed resumes: fabric-gateway's `Checkpoint` (the next block
 * expected). A read model keeps it in its own database, in the same
 * transaction as the rows of the block before it.
 */
export interface Checkpoint {
  getBlockNumber(): bigint | undefined;
  getTransactionId(): string | undefined;
}

/** What {@link followBlocks} needs. */
export interface BlockFeedOptions {
  readonly channel: string;
  /** The next block to deliver; block 0 when it has none. */
  readonly checkpoint: Checkpoint;
}

/**
 * The committed blocks of the gateway's peer, in order from the checkpoint,
 * decoded (VALID transactions with their write sets). The iterable ends when
 * `signal` aborts; a broken stream throws a LedgerError, and the caller
 * resumes from its checkpoint.
 */
export async function* followBlocks(gateway: Gateway, options: BlockFeedOptions, signal?: AbortSignal): AsyncGenerator<DecodedBlock> {
  const network = gateway.getNetwork(options.channel);
  const what = `block events from ${String(options.checkpoint.getBlockNumber() ?? 0n)}`;
  let blocks;
  try {
    blocks = await network.getBlockEvents({ checkpoint: options.checkpoint, startBlock: 0n });
  } catch (error) {
    throw classifyError(error, { stage: 'evaluate', transaction: what });
  }
  const stop = (): void => blocks.close();
  signal?.addEventListener('abort', stop);
  try {
    for await (const block of blocks) yield decodeBlock(block);
  } catch (error) {
    if (signal?.aborted !== true) throw classifyError(error, { stage: 'evaluate', transaction: what });
  } finally {
    signal?.removeEventListener('abort', stop);
    blocks.close();
  }
}

/** The peer's ledger height (blocks committed) on a channel, from qscc `GetChainInfo`. */
export async function chainHeight(gateway: Gateway, channel: string): Promise<bigint> {
  try {
    const bytes = await gateway.getNetwork(channel).getContract('qscc').evaluateTransaction('GetChainInfo', channel);
    return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
  } catch (error) {
    throw classifyError(error, { stage: 'evaluate', transaction: `qscc GetChainInfo ${channel}` });
  }
}
