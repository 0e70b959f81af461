import { LedgerError } from '@lotline/ledger-client';
import type { ApiError } from '../errors';
import { ledgerError } from '../ledger/errors';

/** One schema or mapping violation: where in the document, and why. */
export interface Violation {
  /** RFC 6901 JSON pointer into the submitted document. */
  readonly pointer: string;
  readonly reason: string;
}

/** The read-only properties an EpcisError is built from. */
export interface EpcisErrorProperties {
  readonly status: number;
  /** A stable code: a chaincode code (`LOT_NOT_FOUND`...) or an EPCIS one (`EPCIS_VALIDATION`, `EPCIS_DUPLICATE`...). */
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly violations?: readonly Violation[];
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** A failure of an EPCIS request, rendered as RFC 9457 problem+json by the router. */
export class EpcisError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly violations: readonly Violation[];
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(props: EpcisErrorProperties) {
    super(props.detail, { cause: props.cause });
    this.name = 'EpcisError';
    this.status = props.status;
    this.code = props.code;
    this.title = props.title;
    this.violations = props.violations ?? [];
    this.extra = props.extra ?? {};
  }

  /** The problem+json body. */
  toProblem(instance: string): Record<string, unknown> {
    return {
      type: `https://lotline.example/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      instance,
      code: this.code,
      ...(this.violations.length > 0 ? { errors: this.violations } : {}),
      ...this.extra,
    };
  }
}

const POINTER = /^(\/epcisBody\/eventList\/\d+(?:\/[^:\s]*)?): /;

/**
 * A ledger failure of an EPCIS call, mapped by the API's one ledger mapper
 * (`ledger/errors.ts`); a chaincode refusal that names an event by its JSON
 * pointer also lists it as a violation.
 */
export function fromLedgerError(error: unknown): EpcisError | ApiError {
  if (error instanceof EpcisError) return error;
  const mapped = ledgerError(error);
  const detail = error instanceof LedgerError ? error.chaincodeDetail : undefined;
  const pointer = detail === undefined ? undefined : POINTER.exec(detail)?.[1];
  if (pointer === undefined || detail === undefined) return mapped;
  return new EpcisError({
    status: mapped.status,
    code: mapped.code,
    title: mapped.title,
    detail: mapped.message,
    violations: [{ pointer, reason: detail.slice(pointer.length + 2) }],
    cause: error,
  });
}
