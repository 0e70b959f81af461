import { findErrorCode } from '@lotline/domain';
import { CHAINCODE_STATUS } from '../ledger/errors';

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

/** Messages of an error and of the details a fabric-gateway error carries (the chaincode's message is in there). */
function messagesOf(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const details = (error as { details?: { message?: unknown }[] }).details ?? [];
  return [...details.map((d) => (typeof d.message === 'string' ? d.message : '')), error.message];
}

/** Map a ledger call failure to an EpcisError by the chaincode's error code (never by its free text). */
export function fromLedgerError(error: unknown): EpcisError {
  if (error instanceof EpcisError) return error;
  for (const message of messagesOf(error)) {
    const found = findErrorCode(message);
    if (found === undefined) continue;
    const { code, detail } = found;
    const pointer = /^(\/epcisBody\/eventList\/\d+(?:\/[^:\s]*)?): /.exec(detail)?.[1];
    return new EpcisError({
      status: CHAINCODE_STATUS[code],
      code,
      title: code === 'CONFLICT' ? 'Conflict with the ledger' : 'Refused by the ledger',
      detail,
      ...(pointer !== undefined ? { violations: [{ pointer, reason: detail.slice(pointer.length + 2) }] } : {}),
      cause: error,
    });
  }
  const commitCode = (error as { code?: unknown }).code;
  if (commitCode === 11 || commitCode === 12) {
    return new EpcisError({
      status: 409,
      code: 'MVCC_CONFLICT',
      title: 'Concurrent update',
      detail: 'the capture conflicted with a concurrent transaction; retry',
      cause: error,
    });
  }
  return new EpcisError({
    status: 503,
    code: 'LEDGER_UNAVAILABLE',
    title: 'Ledger unavailable',
    detail: 'the ledger call failed',
    cause: error,
  });
}
