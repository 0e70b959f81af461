/**
 * The writes that the suite was told are committed, recorded as they are
 * acknowledged: a fabric-gateway commit status `successful`, or a 2xx answer of
 * an API to a write. The test helpers record them (`contract()` in
 * ./network.ts, the in-process APIs of ../api/support.ts, the API processes of
 * ../faults/api.ts); the durability spec reads them back after a full stop and
 * start of the network. One JSON line per write, appended to
 * `<data folder>/test/acknowledged.jsonl`, so the record outlives the process.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Contract, Proposal, ProposalOptions, Status, SubmittedTransaction, Transaction } from '@hyperledger/fabric-gateway';
import { CommitError, StatusCode } from '@hyperledger/fabric-gateway';
import type { NextFunction, Request, Response } from 'express';
import { config } from './network';

/** One acknowledged write. */
export interface AcknowledgedWrite {
  txId: string;
  /** The transaction name (gateway) or `METHOD /path` (API). */
  what: string;
  /** Lots the write created or changed, as its result names them. */
  lotIds: string[];
}

/** The file the acknowledged writes of this network's test runs are appended to. */
export function acknowledgedFile(): string {
  return path.join(config.dataDir, 'test', 'acknowledged.jsonl');
}

/** The lots a write's result names: a lot document, a record of one lot, or a recall's source. */
export function lotIdsOf(result: unknown): string[] {
  if (result === null || typeof result !== 'object') return [];
  const r = result as Record<string, unknown>;
  const ids = new Set<string>();
  if (r.docType === 'lot' && typeof r.id === 'string') ids.add(r.id);
  for (const field of ['lotId', 'sourceLotId'] as const) if (typeof r[field] === 'string') ids.add(r[field]);
  if (Array.isArray(r.lots)) for (const lot of r.lots) lotIdsOf(lot).forEach((id) => ids.add(id));
  return [...ids];
}

/** Records one acknowledged write. */
export function acknowledge(write: AcknowledgedWrite): void {
  mkdirSync(path.dirname(acknowledgedFile()), { recursive: true });
  appendFileSync(acknowledgedFile(), `${JSON.stringify(write)}\n`);
}

/** Every write acknowledged on this network so far, in order. */
export function acknowledgedWrites(): AcknowledgedWrite[] {
  if (!existsSync(acknowledgedFile())) return [];
  return readFileSync(acknowledgedFile(), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AcknowledgedWrite);
}

function parsed(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A view of `target` with its own methods bound to it (they use private fields), and some replaced. */
function overlay<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(replaced, prop)) return (replaced as Record<PropertyKey, unknown>)[prop];
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

function recordingSubmitted(submitted: SubmittedTransaction, name: string): SubmittedTransaction {
  return overlay(submitted, {
    async getStatus(options) {
      const status = await submitted.getStatus(options);
      if (status.successful) acknowledge({ txId: status.transactionId, what: name, lotIds: lotIdsOf(parsed(submitted.getResult())) });
      return status;
    },
  });
}

function recordingTransaction(transaction: Transaction, name: string): Transaction {
  return overlay(transaction, {
    submit: async (options) => recordingSubmitted(await transaction.submit(options), name),
  });
}

function recordingProposal(proposal: Proposal, name: string): Proposal {
  return overlay(proposal, {
    endorse: async (options) => recordingTransaction(await proposal.endorse(options), name),
  });
}

function commitError(status: Status): CommitError {
  return new CommitError({
    message: `Transaction ${status.transactionId} failed to commit with status code ${String(status.code)} (${Object.entries(StatusCode).find(([, code]) => code === status.code)?.[0] ?? 'UNKNOWN'})`,
    code: status.code,
    transactionId: status.transactionId,
  });
}

/**
 * The contract, with every transaction that commits successfully recorded as
 * acknowledged, whichever of fabric-gateway's submit methods the test uses.
 */
export function recordingContract(contract: Contract): Contract {
  const submitAsync = async (name: string, options?: ProposalOptions): Promise<SubmittedTransaction> =>
    recordingSubmitted(await contract.submitAsync(name, options), name);
  const submit = async (name: string, options?: ProposalOptions): Promise<Uint8Array> => {
    const submitted = await submitAsync(name, options);
    const status = await submitted.getStatus();
    if (!status.successful) throw commitError(status);
    return submitted.getResult();
  };
  return overlay(contract, {
    newProposal: (name, options) => recordingProposal(contract.newProposal(name, options), name),
    submitAsync,
    submit,
    submitTransaction: (name, ...args) => submit(name, { arguments: args }),
  });
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Records an API's 2xx answer to a write: `{result, txId, blockNumber}`, or an EPCIS capture's `{captureId, lotIds}`. */
export function acknowledgeApiAnswer(method: string, urlPath: string, status: number, body: unknown): void {
  if (!WRITE_METHODS.has(method.toUpperCase()) || status < 200 || status > 299) return;
  const answer = (body ?? {}) as { txId?: unknown; captureId?: unknown; result?: unknown; lotIds?: unknown };
  const txId = typeof answer.txId === 'string' ? answer.txId : answer.captureId;
  if (typeof txId !== 'string') return;
  const lotIds = Array.isArray(answer.lotIds)
    ? answer.lotIds.filter((id): id is string => typeof id === 'string')
    : lotIdsOf(answer.result);
  acknowledge({ txId, what: `${method.toUpperCase()} ${urlPath}`, lotIds });
}

/** Express middleware in front of an in-process API: records each 2xx answer to a write. */
export function acknowledgeApiWrites(req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    acknowledgeApiAnswer(req.method, req.originalUrl.split('?')[0] ?? '', res.statusCode, body);
    return json(body);
  };
  next();
}
