/**
 * The part of a fabric-gateway `Contract` that the EPCIS service calls. The
 * router gets one per request, bound to the caller's own Fabric identity, so
 * the chaincode sees the caller's certificate: the recorder of a capture is
 * whoever signs it, never a party named in the document.
 */
export interface EpcisLedger {
  submitTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
  evaluateTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
}

const decoder = new TextDecoder();

/** Decode a chaincode result (every Lotline transaction returns JSON). */
export function decodeResult<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
