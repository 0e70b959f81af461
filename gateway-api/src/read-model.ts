/**
 * The API's read model (@lotline/read-model): opened and indexing from the
 * start of the process, inside it. Reads wait for it to open; a read with
 * `?minBlock=N` waits (at most `LOTLINE_READ_WAIT_MS`) until block N is
 * indexed, so a client reads its own writes; a read that finds no such lot or
 * recall first catches up with the peer's height, once, so a record written
 * through this API is never reported missing. Coded read-model errors become
 * problems with the chaincode's statuses.
 */
import type { Gateway } from '@hyperledger/fabric-gateway';
import { LotlineError } from '@lotline/domain';
import { ReadModel, type IndexerStatus } from '@lotline/read-model';
import type { Logger } from 'pino';
import type { ReadModelConfig } from './config';
import { ApiError } from './errors';
import { ruleRefusal } from './ledger/errors';

/** The read model as the routes see it. */
export interface ReadModelService {
  /**
   * Run `work` on the read model once it has indexed `minBlock` (if given).
   * @throws ApiError 503 READ_MODEL_BEHIND when it does not reach the block in time
   */
  read<T>(minBlock: number | undefined, work: (model: ReadModel) => Promise<T>, options?: ReadOptions): Promise<T>;
  /** Aborted when the read model closes (ends streams and deliveries that follow it). */
  readonly closing: AbortSignal;
  /** The indexer's state and lag, or `opening`. */
  status(): Promise<IndexerStatus | { readonly state: 'opening' | 'failed'; readonly lastError?: string }>;
  close(): Promise<void>;
}

/** How a read waits for the index. */
export interface ReadOptions {
  /**
   * Without `minBlock`, first catch up with the peer's height at the time of
   * the read (bounded by `LOTLINE_READ_WAIT_MS`): for answers that cannot
   * tell "not indexed yet" from "none" (EPCIS queries).
   */
  readonly latest?: boolean;
}

function asProblem(error: unknown): unknown {
  if (!(error instanceof LotlineError)) return error;
  return ruleRefusal(error.code, error.message.slice(error.code.length + 2), error);
}

/**
 * The read model, or 503 READ_MODEL_UNAVAILABLE naming what needs it (`what`: "lot search", "the EPCIS query
 * interface") for an API configured without one.
 */
export function requireReadModel(reads: ReadModelService | undefined, what: string): ReadModelService {
  if (reads !== undefined) return reads;
  throw new ApiError({
    status: 503,
    code: 'READ_MODEL_UNAVAILABLE',
    title: 'Service unavailable',
    detail: `this API runs without a read model (set LOTLINE_READ_DB_DIR or LOTLINE_READ_DB_URL and restart it): ${what} needs one`,
    retryAfterSeconds: 5,
  });
}

/** Open the read model in the background and serve reads from it. */
export function startReadModel(
  config: ReadModelConfig,
  options: { gateway: () => Gateway; channel: string; chaincode: string; logger: Logger },
): ReadModelService {
  let failure: string | undefined;
  const closing = new AbortController();
  const opening = ReadModel.open({
    location: config.location,
    gateway: options.gateway,
    channel: options.channel,
    chaincode: options.chaincode,
    onError: (error) => options.logger.warn({ err: error }, 'read model: block stream failed; resuming from the checkpoint'),
  });
  opening.then(
    (model) => options.logger.info({ store: model.store.location }, 'read model open, indexing'),
    (error: unknown) => {
      failure = error instanceof Error ? error.message : String(error);
      options.logger.error({ err: error }, 'read model failed to open');
    },
  );
  const unavailable = (detail: string): ApiError =>
    new ApiError({ status: 503, code: 'READ_MODEL_UNAVAILABLE', title: 'Service unavailable', detail, retryAfterSeconds: 5 });
  return {
    closing: closing.signal,
    async read(minBlock, work, readOptions = {}) {
      let model: ReadModel;
      try {
        model = await opening;
      } catch {
        throw unavailable(
          `the read model did not open (${failure ?? 'unknown error'}); read with ?source=ledger, or fix the store and restart the API`,
        );
      }
      if (minBlock !== undefined && !(await model.waitFor(minBlock, config.waitMs))) {
        throw new ApiError({
          status: 503,
          code: 'READ_MODEL_BEHIND',
          title: 'Service unavailable',
          detail: `the read model has indexed up to block ${String(model.indexer.nextBlock - 1n)} and did not reach block ${minBlock} within ${config.waitMs} ms; retry, or read with ?source=ledger`,
          retryAfterSeconds: 1,
        });
      }
      if (minBlock === undefined && readOptions.latest === true) await model.indexer.catchUp(config.waitMs);
      try {
        return await work(model);
      } catch (error) {
        // Not indexed yet? A write this API answered is on its peer: catch up with the peer once, then answer.
        const missing = error instanceof LotlineError && (error.code === 'LOT_NOT_FOUND' || error.code === 'NOT_FOUND');
        if (!missing || minBlock !== undefined || !(await model.indexer.catchUp(config.waitMs))) throw asProblem(error);
      }
      try {
        return await work(model);
      } catch (error) {
        throw asProblem(error);
      }
    },
    async status() {
      if (failure !== undefined) return { state: 'failed', lastError: failure };
      const model = await Promise.race([opening, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]);
      return model === undefined ? { state: 'opening' } : model.status();
    },
    async close() {
      closing.abort();
      try {
        await (await opening).close();
      } catch {
        // never opened
      }
    },
  };
}
