/**
 * LotLedger: the typed client of the Lotline chaincode, shared by the API and
 * the CLI. It encodes arguments, decodes results, maps failures to ApiErrors
 * (by chaincode code or gRPC status), resubmits a transaction invalidated by
 * an MVCC or phantom read conflict as a NEW transaction, and prints nothing.
 * A write resolves only once its transaction committed as VALID.
 */
import {
  GatewayError,
  type ChaincodeEvent,
  type CloseableAsyncIterable,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApiError } from '../errors';
import { commitFailure, ledgerError, RETRYABLE_VALIDATION_CODES } from './errors';
import { decodeTransaction } from './proof';
import type {
  Committed,
  HistoryEntry,
  LedgerEvent,
  Lot,
  Participant,
  QualityEvent,
  QualityEventList,
  RecallReport,
  Trace,
  TraceDirection,
  TransactionProof,
  Transfer,
} from '@lotline/domain';

/** The transient-data key of confidential inspection details (chaincode `TRANSIENT_DETAILS_KEY`). */
export const TRANSIENT_DETAILS_KEY = 'details';

export interface LotLedgerOptions {
  readonly gateway: Gateway;
  readonly channel: string;
  readonly chaincode: string;
  /** Resubmissions after an MVCC/phantom read conflict (default 3). */
  readonly retries?: number;
  /** Base delay between resubmissions, doubled each time, with jitter (default 100 ms). */
  readonly retryDelayMs?: number;
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

const decoder = new TextDecoder();

function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Lotline contracts behind one Gateway (one identity). */
export class LotLedger {
  readonly #network: Network;
  readonly #channel: string;
  readonly #chaincode: string;
  readonly #contracts = new Map<string, Contract>();
  readonly #retries: number;
  readonly #retryDelayMs: number;

  constructor(options: LotLedgerOptions) {
    this.#network = options.gateway.getNetwork(options.channel);
    this.#channel = options.channel;
    this.#chaincode = options.chaincode;
    this.#retries = options.retries ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
  }

  #contract(name: string): Contract {
    let contract = this.#contracts.get(name);
    if (contract === undefined) {
      contract = this.#network.getContract(this.#chaincode, name);
      this.#contracts.set(name, contract);
    }
    return contract;
  }

  /** Evaluate `Contract:Transaction` and decode its JSON result. */
  async evaluate<T>(contract: string, transaction: string, ...args: string[]): Promise<T> {
    try {
      return decode<T>(await this.#contract(contract).evaluateTransaction(transaction, ...args));
    } catch (error) {
      throw ledgerError(error, `${contract}:${transaction}`);
    }
  }

  /**
   * Submit `Contract:Transaction`, wait for its commit, and resolve only when it
   * is VALID. MVCC/phantom read conflicts are resubmitted as new transactions.
   */
  async submit<T>(contract: string, transaction: string, args: readonly string[], options: SubmitOptions = {}): Promise<Committed<T>> {
    for (let attempt = 0; ; attempt += 1) {
      let submitted;
      try {
        submitted = await this.#contract(contract).submitAsync(transaction, {
          arguments: [...args],
          ...(options.transient !== undefined ? { transientData: options.transient } : {}),
          ...(options.endorsingOrganizations !== undefined ? { endorsingOrganizations: [...options.endorsingOrganizations] } : {}),
        });
      } catch (error) {
        throw ledgerError(error, `${contract}:${transaction}`);
      }
      let status;
      try {
        status = await submitted.getStatus();
      } catch (error) {
        throw ledgerError(error, `${contract}:${transaction} commit status`);
      }
      if (status.successful) {
        return { result: decode<T>(submitted.getResult()), txId: status.transactionId, blockNumber: Number(status.blockNumber) };
      }
      if (!RETRYABLE_VALIDATION_CODES.has(status.code) || attempt >= this.#retries) {
        throw commitFailure(status.code, status.transactionId);
      }
      await sleep(this.#retryDelayMs * 2 ** attempt * (0.5 + Math.random()));
    }
  }

  // --- lots --------------------------------------------------------------------

  createLot(lot: unknown): Promise<Committed<Lot>> {
    return this.submit('Lot', 'CreateLot', [JSON.stringify(lot)]);
  }

  splitLot(parentId: string, child: unknown): Promise<Committed<Lot>> {
    return this.submit('Lot', 'SplitLot', [parentId, JSON.stringify(child)]);
  }

  readLot(id: string): Promise<Lot> {
    return this.evaluate('Lot', 'ReadLot', id);
  }

  traceLot(id: string, direction: TraceDirection, maxDepth: number, maxNodes: number): Promise<Trace> {
    return this.evaluate('Lot', 'TraceLot', id, direction, String(maxDepth), String(maxNodes));
  }

  lotHistory(id: string): Promise<HistoryEntry[]> {
    return this.evaluate('Lot', 'GetLotHistory', id);
  }

  // --- custody -----------------------------------------------------------------

  proposeTransfer(lotId: string, toMsp: string): Promise<Committed<Transfer>> {
    return this.submit('Lot', 'ProposeTransfer', [lotId, toMsp]);
  }

  acceptTransfer(lotId: string): Promise<Committed<Lot>> {
    return this.submit('Lot', 'AcceptTransfer', [lotId]);
  }

  rejectTransfer(lotId: string, reason: string): Promise<Committed<Record<string, unknown>>> {
    return this.submit('Lot', 'RejectTransfer', [lotId, reason]);
  }

  cancelTransfer(lotId: string): Promise<Committed<Record<string, unknown>>> {
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
  ): Promise<Committed<QualityEvent>> {
    return this.submit('Quality', 'RecordInspection', [lotId, JSON.stringify(inspection)], {
      ...(details !== undefined ? { transient: { [TRANSIENT_DETAILS_KEY]: Buffer.from(JSON.stringify(details)) } } : {}),
      ...(endorsingOrganizations !== undefined ? { endorsingOrganizations } : {}),
    });
  }

  recordQualityEvent(lotId: string, event: unknown): Promise<Committed<QualityEvent>> {
    return this.submit('Quality', 'RecordQualityEvent', [lotId, JSON.stringify(event)]);
  }

  listQualityEvents(lotId: string): Promise<QualityEventList> {
    return this.evaluate('Quality', 'ListQualityEvents', lotId);
  }

  placeHold(lotId: string, hold: unknown): Promise<Committed<QualityEvent>> {
    return this.submit('Quality', 'PlaceHold', [lotId, JSON.stringify(hold)]);
  }

  releaseHold(lotId: string, holdId: string, reason: string): Promise<Committed<QualityEvent>> {
    return this.submit('Quality', 'ReleaseHold', [lotId, holdId, reason]);
  }

  startRecall(lotId: string, recall: unknown): Promise<Committed<RecallReport>> {
    return this.submit('Quality', 'StartRecall', [lotId, JSON.stringify(recall)]);
  }

  getRecall(recallId: string): Promise<RecallReport> {
    return this.evaluate('Quality', 'GetRecall', recallId);
  }

  readConfidentialDetails(lotId: string, eventId: string): Promise<Record<string, unknown>> {
    return this.evaluate('Quality', 'ReadConfidentialDetails', lotId, eventId);
  }

  // --- participants --------------------------------------------------------------

  upsertParticipant(participant: unknown): Promise<Committed<Participant>> {
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

  /**
   * The transaction as the peer's ledger holds it, read through qscc.
   * @throws ApiError 404 TRANSACTION_NOT_FOUND when the peer does not know the transaction.
   */
  async transaction(txId: string): Promise<TransactionProof> {
    const qscc = this.#network.getContract('qscc');
    let processed: Uint8Array;
    let block: Uint8Array;
    try {
      processed = await qscc.evaluateTransaction('GetTransactionByID', this.#channel, txId);
      block = await qscc.evaluateTransaction('GetBlockByTxID', this.#channel, txId);
    } catch (error) {
      // qscc answers an unknown id with an error response (gRPC UNKNOWN from the gateway); unreachable peers are UNAVAILABLE.
      if (error instanceof GatewayError && error.code === Number(GrpcStatus.UNKNOWN)) {
        throw new ApiError({
          status: 404,
          code: 'TRANSACTION_NOT_FOUND',
          title: 'Not found',
          detail: `the peer has no transaction ${txId} on ${this.#channel}`,
          cause: error,
        });
      }
      throw ledgerError(error, 'qscc');
    }
    return decodeTransaction(processed, block);
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
      throw ledgerError(error, 'chaincode events');
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
