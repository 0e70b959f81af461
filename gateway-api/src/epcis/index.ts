/** GS1 EPCIS 2.0 capture, query and trace export for the Lotline API. */
export { epcisRoutes, epcisCaptureBody, EPCIS_MEDIA_TYPES, type EpcisRouteDeps } from './router';
export { captureDocument, validateDocument, type CaptureOptions, type CaptureResponse } from './capture';
export { queryEvents, parseQuery, queryDocument, mergedContext } from './query';
export {
  destinationProblem,
  isInternalAddress,
  signatureOf,
  signatureTokenProblem,
  SIGNATURE_HEADER,
  startWebhookDispatcher,
} from './webhooks';
export { epcisNegotiation, EPCIS_VERSION, CBV_VERSION } from './read-routes';
export { exportTrace, traceDocument, classOfLot } from './export';
export { schemaViolations, loadEpcisSchema } from './schema';
export { eventHashId } from './hash';
export { epcisError, fromLedgerError, type Violation } from './errors';
export type { EpcisLedger } from './ledger';
