/**
 * LotLedger: the typed client of the Lotline chaincode, shared by the API, the
 * EPCIS routes, the demo seed, the CLI and the tests. It encodes arguments,
 * decodes results, classifies failures into the client's stage errors,
 * resubmits a transaction that conflicted or whose endorsements diverged as a
 * NEW transaction (the one retry loop, {@link submitTransaction}), and prints
 * nothing. A write resolves only once its transaction committed VALID.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  GatewayError,
  type ChaincodeEvent,
  type CloseableAsyncIterable,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import { classifyError, validationCodeName } from './classify';
import { TransactionNotFoundError } from './errors';
import { decodeTransaction } from './proof';
import type { RetryPolicy } from './retry';
import { evaluateTransaction, submitTransaction, type SubmitOptions as TransactionOptions, type Submitted } from './transactions';
import {
  LIMITS,
  TRANSIENT_DETAILS_KEY,
  type HistoryPage,
  type LedgerEvent,
  type Lot,
  type PageRequest,
  type Participant,
  type QualityEvent,
  type QualityEventList,
  type RecallRecord,
  type RecallReport,
  type Trace,
  type TraceDirection,
  type TransactionProof,
  type Transfer,
} from '@lotline/domain';

/** Entries per page of a paginated list when the caller does not say. */
const DEFAULT_PAGE = 100;

/** What a LotLedger works on. */
export interface LotLedgerOptions {
  readonly gateway: Gateway;
  readonly channel: string;
  readonly chaincode: string;
  /** The retry policy of submits (default {@link DEFAULT_RETRY_POLICY}). */
  readonly retry?: RetryPolicy;
}

/** Options of a submit. */
export interface SubmitOptions {
  /** Transient data (private, not on the ledger). */
  readonly transient?: Record<string, Uint8Array>;
  /** Endorse with exactly these organisations' peers (needed for private data writes beyond the collection members). */
  readonly endorsingOrganizations?: readonly string[];
}

/** Where to resume a chaincode event stream: after this transaction of this block. */
export interface EventPosition {
  readonly blockNumber: number;
  readonly txId?: string;
}

/** A committed transaction as the peer's ledger records it. */
export interface TransactionStatus {
  readonly txId: string;
  /** The validation code's name (`VALID`, `MVCC_READ_CONFLICT`...). */
  readonly validationCode: string;
  readonly valid: boolean;
  readonly blockNumber: number;
}

const decoder = new TextDecoder();

/** The Lotline contracts behind one Gateway (one identity). */
export class LotLedger {
  readonly #network: Network;
  readonly #channel: string;
  readonly #chaincode: string;
  readonly #contracts = new Map<string, Contract>();
  readonly #retry: RetryPolicy | undefined;

  constructor(options: LotLedgerOptions) {
    this.#network = options.gateway.getNetwork(options.channel);
    this.#channel = options.channel;
    this.#chaincode = options.chaincode;
    this.#retry = options.retry;
  }

  /** The fabric-gateway Contract of one of the chaincode's contracts (`Lot`, `Quality`, `Participant`, `Epcis`...). */
  contract(name: string): Contract {
    let contract = this.#contracts.get(name);
    if (contract === undefined) {
      contract = this.#network.getContract(this.#chaincode, name);
      this.#contracts.set(name, contract);
    }
    return contract;
  }

  /**
   * Evaluate `Contract:Transaction` and decode its JSON result.
   * @throws EvaluateError
   */
  evaluate<T>(contract: string, transaction: string, ...args: string[]): Promise<T> {
    return evaluateTransaction<T>(this.contract(contract), transaction, args);
  }

  /**
   * Submit `Contract:Transaction`, wait for its commit, and resolve only when it
   * is VALID; conflicts and divergent endorsements are retried as new transactions.
   * @throws EndorseError, SubmitError / CommitStatusError (outcome unknown), CommitError
   */
  submit<T>(contract: string, transaction: string, args: readonly string[], options: SubmitOptions = {}): Promise<Submitted<T>> {
    const sent: TransactionOptions = {
      arguments: args,
      ...(options.transient !== undefined ? { transientData: options.transient } : {}),
      ...(options.endorsingOrganizations !== undefined ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
    };
    return submitTransaction<T>(this.contract(contract), transaction, sent, this.#retry !== undefined ? { policy: this.#retry } : {});
  }

  // --- lots --------------------------------------------------------------------

  createLot(lot: unknown): Promise<Submitted<Lot>> {
    return this.submit('Lot', 'CreateLot', [JSON.stringify(lot)]);
  }

  splitLot(parentId: string, child: unknown): Promise<Submitted<Lot>> {
    return this.submit('Lot', 'SplitLot', [parentId, JSON.stringify(child)]);
  }

  /**
   * Create up to LIMITS.batchLots lots in one transaction (`ImportLots`), in order,
   * with the CreateLot rules; inputs may name lots created earlier in the batch.
   */
  importLots(lots: readonly unknown[]): Promise<Submitted<{ count: number; lotIds: string[] }>> {
    return this.submit('Lot', 'ImportLots', [JSON.stringify({ lots })]);
  }

  readLot(id: string): Promise<Lot> {
    return this.evaluate('Lot', 'ReadLot', id);
  }

  traceLot(id: string, direction: TraceDirection, maxDepth: number, maxNodes: number): Promise<Trace> {
    return this.evaluate('Lot', 'TraceLot', id, direction, String(maxDepth), String(maxNodes));
  }

  /** One page of a lot's history (default 100 entries). */
  lotHistory(id: string, page: PageRequest = {}): Promise<HistoryPage> {
    return this.evaluate('Lot', 'GetLotHistory', id, String(page.limit ?? DEFAULT_PAGE), page.bookmark ?? '');
  }

  // --- custody -----------------------------------------------------------------

  proposeTransfer(lotId: string, toMsp: string): Promise<Submitted<Transfer>> {
    return this.submit('Lot', 'ProposeTransfer', [lotId, toMsp]);
  }

  acceptTransfer(lotId: string): Promise<Submitted<Lot>> {
    return this.submit('Lot', 'AcceptTransfer', [lotId]);
  }

  rejectTransfer(lotId: string, reason: string): Promise<Submitted<Record<string, unknown>>> {
    return this.submit('Lot', 'RejectTransfer', [lotId, reason]);
  }

  cancelTransfer(lotId: string): Promise<Submitted<Record<string, unknown>>> {
    return this.submit('Lot', 'CancelTransfer', [lotId]);
  }

  // --- quality -----------------------------------------------------------------

  /**
   * Record an inspection; `details` ({measurements, salt}) goes as transient data only.
   * A confidential inspection writes to the implicit collections of two organisations, so
   * the Gateway needs `endorsingOrganizations` that satisfy the chaincode policy explicitly.
   */
  recordInspection(
    lotId: string,
    inspection: unknown,
    details?: unknown,
    endorsingOrganizations?: readonly string[],
  ): Promise<Submitted<QualityEvent>> {
    return this.submit('Quality', 'RecordInspection', [lotId, JSON.stringify(inspection)], {
      ...(details !== undefined ? { transient: { [TRANSIENT_DETAILS_KEY]: Buffer.from(JSON.stringify(details)) } } : {}),
      ...(endorsingOrganizations !== undefined ? { endorsingOrganizations } : {}),
    });
  }

  recordQualityEvent(lotId: string, event: unknown): Promise<Submitted<QualityEvent>> {
    return this.submit('Quality', 'RecordQualityEvent', [lotId, JSON.stringify(event)]);
  }

  /** One page of a lot's quality events, oldest first (default 100). */
  listQualityEvents(lotId: string, page: PageRequest = {}): Promise<QualityEventList> {
    return this.evaluate('Quality', 'ListQualityEvents', lotId, String(page.limit ?? DEFAULT_PAGE), page.bookmark ?? '');
  }

  placeHold(lotId: string, hold: unknown): Promise<Submitted<QualityEvent>> {
    return this.submit('Quality', 'PlaceHold', [lotId, JSON.stringify(hold)]);
  }

  releaseHold(lotId: string, holdId: string, reason: string): Promise<Submitted<QualityEvent>> {
    return this.submit('Quality', 'ReleaseHold', [lotId, holdId, reason]);
  }

  /** Record a recall; its report of affected lots is read with getRecall. */
  startRecall(lotId: string, recall: unknown): Promise<Submitted<RecallRecord>> {
    return this.submit('Quality', 'StartRecall', [lotId, JSON.stringify(recall)]);
  }

  /** A recall report, computed when read, within the trace bounds (default: the largest). */
  getRecall(recallId: string, bounds: { maxDepth?: number; maxNodes?: number } = {}): Promise<RecallReport> {
    return this.evaluate(
      'Quality',
      'GetRecall',
      recallId,
      String(bounds.maxDepth ?? LIMITS.traceDepth),
      String(bounds.maxNodes ?? LIMITS.traceNodes),
    );
  }

  readConfidentialDetails(lotId: string, eventId: string): Promise<Record<string, unknown>> {
    return this.evaluate('Quality', 'ReadConfidentialDetails', lotId, eventId);
  }

  // --- participants --------------------------------------------------------------

  upsertParticipant(participant: unknown): Promise<Submitted<Participant>> {
    return this.submit('Participant', 'UpsertParticipant', [JSON.stringify(participant)]);
  }

  readParticipant(mspId: string): Promise<Participant> {
    return this.evaluate('Participant', 'ReadParticipant', mspId);
  }

  searchParticipants(capability: string): Promise<Participant[]> {
    return this.evaluate('Participant', 'SearchParticipants', capability);
  }

  listParticipants(): Promise<Participant[]> {
    return this.evaluate('Participant', 'ListParticipants');
  }

  // --- transactions and events ---------------------------------------------------------

  async #qscc(name: string, txId: string, what = `transaction ${txId}`): Promise<Uint8Array> {
    try {
      return await this.#network.getContract('qscc').evaluateTransaction(name, this.#channel, txId);
    } catch (error) {
      // qscc answers an unknown id with an error response (gRPC UNKNOWN from the gateway); unreachable peers are UNAVAILABLE.
      if (error instanceof GatewayError && error.code === Number(GrpcStatus.UNKNOWN)) {
        throw new TransactionNotFoundError({
          message: `the peer has no ${what} on channel ${this.#channel}`,
          transaction: `qscc:${name}`,
          transactionId: txId,
          cause: error,
        });
      }
      throw classifyError(error, { stage: 'evaluate', transaction: `qscc:${name}`, transactionId: txId });
    }
  }

  /**
   * What qscc returns for a transaction: the ProcessedTransaction (envelope and
   * validation code) and the Block holding it, undecoded.
   * @throws TransactionNotFoundError when the peer does not know the transaction.
   */
  async rawTransaction(txId: string): Promise<{ readonly processedTransaction: Uint8Array; readonly block: Uint8Array }> {
    const processedTransaction = await this.#qscc('GetTransactionByID', txId);
    return { processedTransaction, block: await this.#qscc('GetBlockByTxID', txId) };
  }

  /**
   * Block `number` as the peer stores it (qscc `GetBlockByNumber`: the marshalled common.Block).
   * @throws TransactionNotFoundError when the peer has no such block.
   */
  rawBlock(number: number): Promise<Uint8Array> {
    return this.#qscc('GetBlockByNumber', String(number), `block ${number}`);
  }

  /**
   * The block holding transaction `txId`, as the peer stores it (qscc `GetBlockByTxID`).
   * @throws TransactionNotFoundError when the peer does not know the transaction.
   */
  rawBlockOfTransaction(txId: string): Promise<Uint8Array> {
    return this.#qscc('GetBlockByTxID', txId);
  }

  /**
   * The transaction as the peer's ledger holds it, read through qscc and decoded.
   * @throws TransactionNotFoundError when the peer does not know the transaction.
   */
  async transaction(txId: string): Promise<TransactionProof> {
    const raw = await this.rawTransaction(txId);
    return decodeTransaction(raw.processedTransaction, raw.block);
  }

  /**
   * Whether a transaction committed, and how: the lookup for an outcome-unknown
   * failure (its `transactionId`).
   * @throws TransactionNotFoundError when the peer has not committed it (yet).
   */
  async transactionStatus(txId: string): Promise<TransactionStatus> {
    const raw = await this.rawTransaction(txId);
    const processed = peer.ProcessedTransaction.deserializeBinary(raw.processedTransaction);
    const block = raw.block;
    const code = processed.getValidationcode();
    return {
      txId,
      validationCode: validationCodeName(code),
      valid: code === peer.TxValidationCode.VALID,
      blockNumber: common.Block.deserializeBinary(block).getHeader()?.getNumber() ?? -1,
    };
  }

  /**
   * Resolves once this ledger's peer has committed block `blockNumber`, so that
   * a transaction committed through another organisation's peer is visible here
   * (a write answers with its block number; a dependent step by another
   * organisation waits for that block on every endorsing peer).
   * @throws EvaluateError when the peer does not reach the block within `withinMs`
   */
  async waitForBlock(blockNumber: number | bigint, withinMs = 30_000): Promise<void> {
    let blocks: CloseableAsyncIterable<unknown>;
    try {
      blocks = await this.#network.getBlockEvents({ startBlock: BigInt(blockNumber) });
    } catch (error) {
      throw classifyError(error, { stage: 'evaluate', transaction: `block events from ${String(blockNumber)}` });
    }
    const timer = setTimeout(() => blocks.close(), withinMs);
    try {
      const first = await blocks[Symbol.asyncIterator]().next();
      if (first.done === true) {
        throw classifyError(new Error(`the peer did not reach block ${String(blockNumber)} within ${withinMs} ms`), {
          stage: 'evaluate',
          transaction: `block events from ${String(blockNumber)}`,
        });
      }
    } finally {
      clearTimeout(timer);
      blocks.close();
    }
  }

  /**
   * Chaincode events from the peer, starting after `after` (exclusive of that
   * transaction) or at `startBlock`, or from the next block. Close the iterable to stop.
   */
  async events(position: { after?: EventPosition; startBlock?: number }): Promise<CloseableAsyncIterable<LedgerEvent>> {
    const { after, startBlock } = position;
    let raw: CloseableAsyncIterable<ChaincodeEvent>;
    try {
      raw = await this.#network.getChaincodeEvents(this.#chaincode, {
        ...(after !== undefined
          ? { checkpoint: { getBlockNumber: () => BigInt(after.blockNumber), getTransactionId: () => after.txId } }
          : startBlock !== undefined
            ? { startBlock: BigInt(startBlock) }
            : {}),
      });
    } catch (error) {
      throw classifyError(error, { stage: 'evaluate', transaction: 'chaincode events' });
    }
    async function* mapped(): AsyncGenerator<LedgerEvent> {
      for await (const event of raw) {
        let payload: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(decoder.decode(event.payload));
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed as Record<string, unknown>;
        } catch {
          payload = {};
        }
        yield {
          id: `${event.blockNumber}:${event.transactionId}`,
          blockNumber: Number(event.blockNumber),
          txId: event.transactionId,
          type: event.eventName,
          payload,
        };
      }
    }
    const iterator = mapped();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: () => raw.close(),
      [Symbol.dispose]: () => raw.close(),
    };
  }
}
