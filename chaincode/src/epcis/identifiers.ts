import { LGTIN_ID, LGTIN_URN, lgtinDigitalLinkPath, lgtinUrn, ORG_LOT_ID, parseLgtin, type Lgtin } from '@lotline/domain';

/**
 * GS1 identifiers as they appear in EPCIS documents, and how they map onto
 * Lotline lot ids.
 *
 * A lot is a GS1 class: GTIN + batch/lot number (LGTIN). EPCIS writes it as an
 * EPC class URN (`urn:epc:class:lgtin:<company prefix>.<indicator+item ref>.<lot>`)
 * or as a GS1 Digital Link (`https://id.gs1.org/01/<GTIN-14>/10/<lot>`). The
 * split between company prefix and item reference carries no identity (the
 * GTIN is the same), and a Digital Link does not say where it is. Lotline
 * therefore names every LGTIN lot with a **canonical split: a 7-digit company
 * prefix field**, so that both spellings of one GTIN + lot reach one lot.
 * A URN spelled with another split also looks up the lot under that spelling
 * (a lot created natively with it is found).
 *
 * Lotline's own organisation-qualified lot ids (`<MSP>:<local>`) have no GS1
 * form; they travel in EPCIS as `urn:lotline:lot:<MSP>:<local>`.
 */

/** The EPC class URI prefix of a Lotline organisation-qualified lot. */
export const LOTLINE_LOT_URN = 'urn:lotline:lot:';
/** The party URI prefix naming a Lotline organisation (source/destination lists). */
export const LOTLINE_MSP_URN = 'urn:lotline:msp:';
export { CANONICAL_PREFIX_DIGITS, checkDigit, identifierKey, lgtinUrn, parseLgtin, type Lgtin } from '@lotline/domain';

/** A reference to a lot, resolved from an EPCIS class identifier. */
export interface LotRef {
  /** The id a new lot gets. */
  readonly id: string;
  /** Further ids under which an existing lot may be stored (other URN splits). */
  readonly aliases: readonly string[];
  /** The GTIN-14, when the class is an LGTIN. */
  readonly gtin?: string;
  /** The identifier as written in the document. */
  readonly source: string;
}

/** The GS1 Digital Link of an LGTIN. */
export function lgtinDigitalLink(lgtin: Lgtin): string {
  return `https://id.gs1.org${lgtinDigitalLinkPath(lgtin)}`;
}

/**
 * Resolve an EPCIS class identifier to a lot reference, or undefined when it
 * does not name a lot Lotline can hold (a GTIN without lot, an unknown scheme,
 * or a lot number that does not fit an LGTIN lot id).
 */
export function lotRefOfClass(identifier: string): LotRef | undefined {
  if (identifier.startsWith(LOTLINE_LOT_URN)) {
    const id = identifier.slice(LOTLINE_LOT_URN.length);
    return ORG_LOT_ID.test(id) ? { id, aliases: [], source: identifier } : undefined;
  }
  const lgtin = parseLgtin(identifier);
  if (lgtin === undefined) return undefined;
  const id = lgtinUrn(lgtin);
  if (!LGTIN_ID.test(id)) return undefined;
  const aliases = LGTIN_URN.test(identifier) && identifier !== id && LGTIN_ID.test(identifier) ? [identifier] : [];
  return { id, aliases, gtin: lgtin.gtin, source: identifier };
}

/** The EPCIS class identifier of a Lotline lot id (the inverse of `lotRefOfClass`). */
export function classOfLotId(lotId: string): string {
  return LGTIN_ID.test(lotId) ? lotId : `${LOTLINE_LOT_URN}${lotId}`;
}

/**
 * The digits of a GS1 key that begin with its company prefix: after the
 * indicator digit of a GTIN-14 (LGTIN lot ids, SGTINs) or the extension digit
 * of an SSCC. Undefined for identifiers with no GS1 company prefix that
 * Lotline checks (Lotline lot ids, GRAIs, unknown schemes). Takes a lot id or
 * an `identifierKey`.
 */
export function gs1CompanyDigits(idOrKey: string): string | undefined {
  const lgtin = LGTIN_ID.test(idOrKey) ? parseLgtin(idOrKey) : undefined;
  if (lgtin !== undefined) return lgtin.gtin.slice(1);
  const key = /^(?:01\/(\d{14})(?:\/.*)?|00\/(\d{18}))$/.exec(idOrKey);
  const digits = key?.[1] ?? key?.[2];
  return digits?.slice(1);
}

/** The MSP ID a party URI names: `urn:lotline:msp:<MSP>`, or an entry of the recorder's party map. */
export function mspOfParty(uri: string, parties: Readonly<Record<string, string>>): string | undefined {
  if (uri.startsWith(LOTLINE_MSP_URN)) return uri.slice(LOTLINE_MSP_URN.length) || undefined;
  return parties[uri];
}
