import { LedgerError } from '@lotline/ledger-client';
import { ApiError } from '../errors';
import { ledgerError } from '../ledger/errors';

/** One schema or mapping violation: where in the document, and why. */
export interface Violation {
  /** RFC 6901 JSON pointer into the submitted document. */
  readonly pointer: string;
  readonly reason: string;
}

/** What an EPCIS failure is built from. */
export interface EpcisErrorProperties {
  readonly status: number;
  /** A stable code: a chaincode code (`LOT_NOT_FOUND`...) or an EPCIS one (`EPCIS_VALIDATION`, `EPCIS_DUPLICATE`...). */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** Listed as the problem's `errors` (`[{pointer, reason}]`). */
  readonly violations?: readonly Violation[];
  /** Further problem members (e.g. `duplicates`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * An EPCIS failure as the API's one domain error: an {@link ApiError} whose
 * `errors` member lists the violations by JSON pointer. The app's one error
 * middleware renders it, like every other error.
 */
export function epcisError(props: EpcisErrorProperties): ApiError {
  const violations = props.violations ?? [];
  return new ApiError({
    status: props.status,
    code: props.code,
    title: props.title,
    detail: props.detail,
    extensions: { ...(violations.length > 0 ? { errors: violations } : {}), ...props.extra },
    cause: props.cause,
  });
}

/** A 400 for one invalid field: `reason` is the detail and the field's one violation at `pointer`. */
export function invalidField(code: string, title: string, pointer: string, reason: string): ApiError {
  return epcisError({ status: 400, code, title, detail: reason, violations: [{ pointer, reason }] });
}

const POINTER = /^(\/epcisBody\/eventList\/\d+(?:\/[^:\s]*)?): /;

/**
 * A ledger failure of an EPCIS call, mapped by the API's one ledger mapper
 * (`ledger/errors.ts`); a chaincode refusal that names an event by its JSON
 * pointer also lists it as a violation.
 */
export function fromLedgerError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const mapped = ledgerError(error);
  const detail = error instanceof LedgerError ? error.chaincodeDetail : undefined;
  const pointer = detail === undefined ? undefined : POINTER.exec(detail)?.[1];
  if (pointer === undefined || detail === undefined) return mapped;
  return new ApiError({
    status: mapped.status,
    code: mapped.code,
    title: mapped.title,
    detail: mapped.message,
    ...(mapped.retryAfterSeconds !== undefined ? { retryAfterSeconds: mapped.retryAfterSeconds } : {}),
    headers: mapped.headers,
    extensions: { ...mapped.extensions, errors: [{ pointer, reason: detail.slice(pointer.length + 2) }] },
    cause: error,
  });
}
