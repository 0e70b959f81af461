/** The part of epcis2.js (GS1 France / EVRYTHNG EPCIS 2.0 SDK, Apache-2.0) that the chaincode uses. */
declare module 'epcis2.js' {
  /** The GS1 CBV 2.0 event hash ID (`ni:///sha-256;...?ver=CBV2.0`) of an event, under a document context. */
  export function eventToHashedId(event: Record<string, unknown>, context?: unknown): string;
}
