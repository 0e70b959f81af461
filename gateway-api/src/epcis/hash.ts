import { computeEventHashId } from '@lotline/chaincode/dist/epcis/hash';
import { epcisError } from './errors';

export { withoutEmptyLists } from '@lotline/chaincode/dist/epcis/hash';

/**
 * The GS1 CBV 2.0 event hash ID of an event: the chaincode's own function
 * (`chaincode/src/epcis/hash.ts`, epcis2.js; empty standard lists count as
 * absent), which the chaincode also uses to verify every id the API sends.
 * The API computes it to list duplicates before submitting. An event the
 * library cannot hash is refused with 400 EPCIS_VALIDATION at `pointer`.
 */
export function eventHashId(event: Record<string, unknown>, context: unknown, pointer = ''): string {
  try {
    return computeEventHashId(event, context);
  } catch (error) {
    const reason = `its CBV 2.0 event hash ID cannot be computed (${error instanceof Error ? error.message : String(error)})`;
    throw epcisError({
      status: 400,
      code: 'EPCIS_VALIDATION',
      title: 'Invalid EPCIS document',
      detail: `the event at ${pointer || '/'}: ${reason}; check its identifiers and lists`,
      violations: [{ pointer, reason }],
      cause: error,
    });
  }
}
