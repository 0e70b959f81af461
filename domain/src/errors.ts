/**
 * Coded errors. Only `error.message` reaches a Fabric client, so every message
 * the chaincode raises begins with a stable code and a colon
 * (`LOT_NOT_FOUND: lot X does not exist`). Clients decide on the code, never on
 * the free text after it; each client maps codes to its own answers (the API
 * to HTTP statuses, in gateway-api/src/ledger/errors.ts).
 */

/** Every error code the chaincode emits, with its meaning. */
export const ERROR_MEANINGS = {
  INVALID_ARGUMENT: 'malformed or out-of-range input (schema, format, size, enum, limits)',
  FORBIDDEN: "the caller's organisation or role may not perform this action",
  LOT_NOT_FOUND: 'the lot does not exist',
  TRANSFER_NOT_FOUND: 'the lot has no pending custody transfer',
  NOT_FOUND: 'a recall, quality event, hold, participant or confidential record does not exist',
  LOT_EXISTS: 'a lot with this id already exists',
  LOT_ON_HOLD: 'the lot (or an ancestor whose hold covers descendants) is on hold',
  LOT_RECALLED: 'the lot (or an ancestor) is recalled',
  INSUFFICIENT_QUANTITY: 'an input lot has less remaining quantity than requested',
  CONFLICT: 'the request contradicts the current state (wrong custodian, pending transfer, already released...)',
  LIMIT_EXCEEDED: "the lineage needed for a safety check is larger than the chaincode's hard bound",
} as const satisfies Record<string, string>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_MEANINGS;

/** All error codes. */
export const ERROR_CODES = Object.keys(ERROR_MEANINGS) as readonly ErrorCode[];

/** Whether a string is one of the error codes. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_MEANINGS, value);
}

/** An error whose message begins with `CODE: `. */
export class LotlineError extends Error {
  /** The stable code, also the message prefix. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'LotlineError';
    this.code = code;
  }
}

/** Build a coded error (shorthand used throughout the contracts). */
export function fail(code: ErrorCode, detail: string): LotlineError {
  return new LotlineError(code, detail);
}

/** A code found in a message, and the text after `CODE: `. */
export interface CodedMessage {
  readonly code: ErrorCode;
  readonly detail: string;
}

const CODE_PREFIX = /\b([A-Z][A-Z_]+): /g;

/**
 * Find the first Lotline error code in an error message as a client sees it:
 * the peer and gRPC put their own text first (`2 UNKNOWN: chaincode response
 * 500, FORBIDDEN: ...`), so every `WORD: ` is tried in order.
 * @returns the code and the detail after it, or undefined when the message carries none.
 */
export function findErrorCode(message: string): CodedMessage | undefined {
  for (const match of message.matchAll(CODE_PREFIX)) {
    const code = match[1];
    if (code !== undefined && isErrorCode(code)) return { code, detail: message.slice(match.index + match[0].length) };
  }
  return undefined;
}

/**
 * Extract the code from an error message produced by the chaincode.
 * @returns the code, or undefined when the message carries none.
 */
export function errorCodeOf(message: string): ErrorCode | undefined {
  return findErrorCode(message)?.code;
}
