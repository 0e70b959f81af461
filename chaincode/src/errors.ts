/**
 * Coded errors. Only `error.message` reaches a Fabric client, so every message
 * begins with a stable code and a colon (`LOT_NOT_FOUND: lot X does not exist`).
 * Clients decide on the code, never on the free text after it.
 */

/** Every error code the chaincode emits, with the HTTP status the API should map it to. */
export const ERROR_HTTP_STATUS = {
  /** Malformed or out-of-range input (schema, format, size, enum, limits). */
  INVALID_ARGUMENT: 400,
  /** The caller's organisation or role may not perform this action. */
  FORBIDDEN: 403,
  /** The lot does not exist. */
  LOT_NOT_FOUND: 404,
  /** No pending custody transfer for the lot. */
  TRANSFER_NOT_FOUND: 404,
  /** A recall, quality event, hold, participant or confidential record does not exist. */
  NOT_FOUND: 404,
  /** A lot with this id already exists. */
  LOT_EXISTS: 409,
  /** The lot (or an ancestor with descendants included) is on hold. */
  LOT_ON_HOLD: 409,
  /** The lot (or an ancestor) is recalled. */
  LOT_RECALLED: 409,
  /** An input lot has less remaining quantity than requested. */
  INSUFFICIENT_QUANTITY: 409,
  /** The request contradicts current state (wrong custodian, pending transfer, already released...). */
  CONFLICT: 409,
  /** The lineage needed for a safety check is larger than the chaincode's hard bound. */
  LIMIT_EXCEEDED: 409,
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

/** All error codes, for clients that map codes to statuses. */
export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as readonly ErrorCode[];

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

/**
 * Extract the code from an error message produced by this chaincode, as seen
 * by a client (the peer may prefix the message with its own text).
 * @returns the code, or undefined when the message carries none.
 */
export function errorCodeOf(message: string): ErrorCode | undefined {
  const match = /\b([A-Z][A-Z_]+): /.exec(message);
  const code = match?.[1];
  return code !== undefined && code in ERROR_HTTP_STATUS ? (code as ErrorCode) : undefined;
}
