import type { LotLedger } from '@lotline/ledger-client';

/**
 * The part of the ledger client that the EPCIS service calls (`Epcis:*`
 * transactions). The router gets the caller's own LotLedger per request,
 * bound to the caller's Fabric identity, so the chaincode sees the caller's
 * certificate: the recorder of a capture is whoever signs it, never a party
 * named in the document. Retries and error classes are the client's.
 */
export type EpcisLedger = Pick<LotLedger, 'evaluate' | 'submit'>;
