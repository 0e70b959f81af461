/**
 * GS1 keys shared by the chaincode (EPCIS identifiers) and the API (labels and
 * the Digital Link resolver): the mod-10 check digit, GTIN-14 validation, and
 * the LGTIN (GTIN + lot) in its EPC class URN and Digital Link spellings.
 *
 * The split between company prefix and item reference in a URN carries no
 * identity (the GTIN is the same); Lotline names LGTIN lots with a canonical
 * split of a 7-digit company prefix field (`CANONICAL_PREFIX_DIGITS`).
 */

/** Length of the company prefix field in Lotline's canonical LGTIN URNs. */
export const CANONICAL_PREFIX_DIGITS = 7;

/** A GTIN-14 + lot number, the identity of an LGTIN. */
export interface Lgtin {
  readonly gtin: string;
  readonly lot: string;
}

/** GS1 mod-10 check digit of the digits before it. */
export function checkDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** What is wrong with a GTIN-14 (length, digits, check digit), or undefined when it is valid. */
export function gtinProblem(gtin: string): string | undefined {
  if (!/^\d{14}$/.test(gtin)) return `GTIN ${gtin} must be 14 digits (pad a GTIN-8, -12 or -13 with leading zeros)`;
  const expected = checkDigit(gtin.slice(0, 13));
  if (gtin[13] !== expected)
    return `GTIN ${gtin} has check digit ${gtin[13] ?? ''}; the GS1 mod-10 check digit of ${gtin.slice(0, 13)} is ${expected}`;
  return undefined;
}

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The GTIN-14 of a URN's company prefix and indicator + item reference fields. */
export function gtinFromUrnFields(prefix: string, itemRef: string): string | undefined {
  if (prefix.length + itemRef.length !== 13 || itemRef.length < 1) return undefined;
  const body = itemRef[0] + prefix + itemRef.slice(1);
  return body + checkDigit(body);
}

/** An EPC class URN of an LGTIN: company prefix, indicator + item reference, lot (URN-escaped). */
export const LGTIN_URN = /^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)$/;
/** A GS1 Digital Link with a GTIN (AI 01), optionally a lot (10) or serial (21), on any host and path prefix. */
export const DIGITAL_LINK_GTIN = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/01\/(\d{14})(?:\/(10|21)\/([^/?#]+))?(?:[/?#].*)?$/;

/** Parse an LGTIN (URN or Digital Link), or undefined when the identifier is something else. */
export function parseLgtin(identifier: string): Lgtin | undefined {
  const urn = LGTIN_URN.exec(identifier);
  if (urn) {
    const gtin = gtinFromUrnFields(urn[1] as string, urn[2] as string);
    const lot = decode(urn[3] as string);
    return gtin !== undefined && lot !== undefined ? { gtin, lot } : undefined;
  }
  const dl = DIGITAL_LINK_GTIN.exec(identifier);
  if (dl && dl[2] === '10') {
    const lot = decode(dl[3] as string);
    return lot !== undefined ? { gtin: dl[1] as string, lot } : undefined;
  }
  return undefined;
}

/** Escape a lot number for a URN the way the EPC Tag Data Standard does (only what the URN grammar forbids). */
function encodeLotNumber(lot: string): string {
  return lot.replace(/[^A-Za-z0-9!'()*+,\-.:;=_]/g, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** The LGTIN URN of a GTIN-14 + lot with a company prefix field of `prefixDigits` digits. */
export function lgtinUrn(lgtin: Lgtin, prefixDigits: number = CANONICAL_PREFIX_DIGITS): string {
  const body = lgtin.gtin.slice(0, 13);
  const prefix = body.slice(1, 1 + prefixDigits);
  const itemRef = body[0] + body.slice(1 + prefixDigits);
  return `urn:epc:class:lgtin:${prefix}.${itemRef}.${encodeLotNumber(lgtin.lot)}`;
}

/** The GS1 Digital Link path of an LGTIN (`/01/<GTIN-14>/10/<lot>`), to put after a resolver's base URL. */
export function lgtinDigitalLinkPath(lgtin: Lgtin): string {
  return `/01/${lgtin.gtin}/10/${encodeURIComponent(lgtin.lot)}`;
}

const URN_SGTIN = /^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.(.+)$/;
const URN_SSCC = /^urn:epc:id:sscc:(\d{6,12})\.(\d{5,11})$/;
const DL_SSCC = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/00\/(\d{18})(?:[/?#].*)?$/;
const URN_SGLN = /^urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.(.+)$/;
const DL_GLN = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/414\/(\d{13})(?:\/254\/([^/?#]+))?(?:[/?#].*)?$/;

/**
 * A canonical key for an EPC or EPC class, so that the URN and Digital Link
 * spellings of one GS1 identifier match in queries: `01/<GTIN>/10/<lot>`,
 * `01/<GTIN>/21/<serial>`, `01/<GTIN>`, `00/<SSCC>`; Lotline lot URNs and
 * unknown schemes are kept as written.
 */
export function identifierKey(identifier: string): string {
  const lgtin = parseLgtin(identifier);
  if (lgtin !== undefined) return `01/${lgtin.gtin}/10/${lgtin.lot}`;
  const sgtin = URN_SGTIN.exec(identifier);
  if (sgtin) {
    const gtin = gtinFromUrnFields(sgtin[1] as string, sgtin[2] as string);
    const serial = decode(sgtin[3] as string);
    if (gtin !== undefined && serial !== undefined) return `01/${gtin}/21/${serial}`;
  }
  const dl = DIGITAL_LINK_GTIN.exec(identifier);
  if (dl) {
    const value = dl[3] !== undefined ? decode(dl[3]) : undefined;
    return dl[2] === '21' && value !== undefined ? `01/${dl[1]}/21/${value}` : `01/${dl[1]}`;
  }
  const sscc = URN_SSCC.exec(identifier);
  if (sscc) {
    const body = (sscc[2] as string)[0] + (sscc[1] as string) + (sscc[2] as string).slice(1);
    if (body.length === 17) return `00/${body}${checkDigit(body)}`;
  }
  const ssccDl = DL_SSCC.exec(identifier);
  if (ssccDl) return `00/${ssccDl[1] as string}`;
  return identifier;
}

/**
 * A canonical key for a location (EPCIS readPoint / bizLocation), so that the
 * SGLN URN and Digital Link spellings match: `414/<GLN>` for a GLN without
 * extension (SGLN extension `0`), `414/<GLN>/254/<extension>` with one; other
 * URIs are kept as written. In this key, a location's descendants are the
 * keys that extend it after a `/`: the sub-locations (extensions) of a GLN.
 */
export function locationKey(identifier: string): string {
  const sgln = URN_SGLN.exec(identifier);
  if (sgln) {
    const body = (sgln[1] as string) + (sgln[2] as string);
    const extension = decode(sgln[3] as string);
    if (body.length === 12 && extension !== undefined) {
      const gln = `414/${body}${checkDigit(body)}`;
      return extension === '0' ? gln : `${gln}/254/${extension}`;
    }
  }
  const dl = DL_GLN.exec(identifier);
  if (dl) {
    const extension = dl[2] !== undefined ? decode(dl[2]) : undefined;
    return extension === undefined || extension === '0' ? `414/${dl[1] as string}` : `414/${dl[1] as string}/254/${extension}`;
  }
  return identifier;
}

const CBV_FORMS: Record<string, readonly string[]> = {
  BizStep: ['https://ref.gs1.org/cbv/BizStep-', 'urn:epcglobal:cbv:bizstep:', 'cbv:BizStep-', 'gs1:BizStep-'],
  Disp: ['https://ref.gs1.org/cbv/Disp-', 'urn:epcglobal:cbv:disp:', 'cbv:Disp-', 'gs1:Disp-'],
  SDT: ['https://ref.gs1.org/cbv/SDT-', 'urn:epcglobal:cbv:sdt:', 'cbv:SDT-', 'gs1:SDT-'],
  BTT: ['https://ref.gs1.org/cbv/BTT-', 'urn:epcglobal:cbv:btt:', 'cbv:BTT-', 'gs1:BTT-'],
  ER: ['https://ref.gs1.org/cbv/ER-', 'urn:epcglobal:cbv:er:', 'cbv:ER-', 'gs1:ER-'],
};

/** A CBV vocabulary whose values {@link cbvWord} reduces. */
export type CbvVocabulary = 'BizStep' | 'Disp' | 'SDT' | 'BTT' | 'ER';

/** Reduce a CBV value in any of its spellings (bare word, URI, URN, CURIE) to the bare word; other values unchanged. */
export function cbvWord(value: string, vocabulary: CbvVocabulary): string {
  for (const prefix of CBV_FORMS[vocabulary] ?? []) {
    if (value.startsWith(prefix)) return value.slice(prefix.length);
  }
  return value;
}
