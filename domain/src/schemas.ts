import { z } from 'zod';
import { decimalsOf, AMOUNT_DECIMALS, MAX_AMOUNT, TOO_MANY_DECIMALS } from './quantity';

/**
 * Every input schema of the ledger. The chaincode validates each transaction
 * argument with these (after parsing its JSON), and the API validates request
 * bodies and path parameters with the same schemas, so both accept exactly the
 * same documents. Objects are strict: unknown fields are refused rather than
 * silently dropped.
 */

/** Hard limits on input sizes. */
export const LIMITS = {
  /** Largest JSON argument accepted, in characters (ImportLots has its own). */
  jsonChars: 64 * 1024,
  /** Largest ImportLots argument, in characters. */
  batchChars: 2 * 1024 * 1024,
  /** Lots per ImportLots call. */
  batchLots: 500,
  /** Inputs per lot. */
  inputs: 100,
  /** Attributes per lot. */
  attributes: 32,
  /** Measurements per inspection. */
  measurements: 200,
  /** Largest quantity amount. Amounts have at most 6 decimals (see quantity.ts). */
  maxAmount: MAX_AMOUNT,
  /** Hard cap on the depth of a trace or a recall report. */
  traceDepth: 50,
  /** Hard cap on the lots of a trace or a recall report. */
  traceNodes: 5000,
  /** Largest page of a paginated list (history, quality events). */
  page: 1000,
} as const;

/** An organisation-qualified lot id: `<MSP ID>:<local id>`, e.g. `PartsCoMSP:LOT-2024-0001`. */
export const ORG_LOT_ID = /^([A-Za-z0-9][A-Za-z0-9.-]{0,63}):([A-Za-z0-9][A-Za-z0-9._\/-]{0,127})$/;

/** A GS1 LGTIN class URN: company prefix and item reference (13 digits together), then the lot number. */
export const LGTIN_ID = /^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.([A-Za-z0-9!'()*+,\-.:;=_%]{1,20})$/;

const mspId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/, 'must be an MSP ID');

const lotId = z.string().refine((id) => {
  const lgtin = LGTIN_ID.exec(id);
  if (lgtin) return (lgtin[1] ?? '').length + (lgtin[2] ?? '').length === 13;
  return ORG_LOT_ID.test(id);
}, 'must be "<MSP ID>:<local id>" or a GS1 LGTIN URN (urn:epc:class:lgtin:...)');

const text = (max: number): z.ZodString => z.string().trim().min(1).max(max);

const amount = z
  .number()
  .positive()
  .max(LIMITS.maxAmount)
  .refine((n) => decimalsOf(n) <= AMOUNT_DECIMALS, TOO_MANY_DECIMALS)
  .describe(`a JSON number: more than 0, at most ${MAX_AMOUNT}, at most ${AMOUNT_DECIMALS} decimals (kept exactly)`);

/** UN/CEFACT Recommendation 20 common code, e.g. KGM, EA, MTR, TNE, LTR. */
const unit = z.string().regex(/^[A-Z0-9]{2,3}$/, 'must be a UN/CEFACT common code such as KGM or EA');

const quantity = z.strictObject({ amount, unit });

const lotInput = z.strictObject({ lotId, quantity });

const lot = z.strictObject({
  id: lotId,
  product: z.strictObject({ code: z.string().regex(/^[A-Za-z0-9._:\/-]{1,64}$/, 'invalid product code'), name: text(200) }),
  quantity,
  inputs: z.array(lotInput).max(LIMITS.inputs).default([]),
  process: z.strictObject({ site: text(100), line: text(100), changePoint: text(100).optional() }),
  attributes: z
    .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'invalid attribute name'), z.string().max(256))
    .refine((a) => Object.keys(a).length <= LIMITS.attributes, `at most ${LIMITS.attributes} attributes`)
    .optional(),
});

const splitChild = lot.omit({ inputs: true }).extend({ quantity });

const measurement = z
  .strictObject({
    characteristic: text(100),
    value: z.number(),
    unit: z.string().regex(/^[A-Za-z0-9%°\/._-]{1,16}$/, 'invalid measurement unit'),
    lower: z.number(),
    upper: z.number(),
  })
  .refine((m) => m.lower <= m.upper, 'lower must not exceed upper');

const measurements = z.array(measurement).max(LIMITS.measurements);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

const inspection = z.strictObject({
  verdict: z.enum(['pass', 'fail', 'conditional']),
  measurements: measurements.optional(),
  certificate: z.strictObject({ sha256: sha256Hex, uri: z.string().url().max(2048) }),
  notes: text(2000).optional(),
  confidential: z.strictObject({ counterpartyMsp: mspId }).optional(),
});

/** The transient-data key that carries confidential inspection details (`confidentialDetails`) to the chaincode. */
export const TRANSIENT_DETAILS_KEY = 'details';

const confidentialDetails = z.strictObject({
  measurements,
  salt: z.string().min(16).max(256),
});

const qualityEvent = z.strictObject({
  type: z.enum(['nonconformance', 'corrective_action']),
  description: text(2000),
  reference: text(200).optional(),
  correctsEventId: z
    .string()
    .regex(/^[A-Za-z0-9]{1,128}$/)
    .optional(),
});

const hold = z.strictObject({ reason: text(500), includeDescendants: z.boolean() });

const recall = z.strictObject({
  reason: text(500),
  recallId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'invalid recall id')
    .optional(),
});

const capability = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be a lowercase capability token');

const participant = z.strictObject({
  msp: mspId,
  name: text(200),
  kind: z.enum(['municipality', 'supplier', 'manufacturer', 'testing_institute', 'bank', 'other']),
  location: z.strictObject({
    city: text(100),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  }),
  capabilities: z.array(capability).max(50),
  /**
   * Whether the organisation is on the channel: an `applicant` is listed (e.g. found for re-sourcing) but not admitted;
   * `lotline member submit` records `member` and `former_member` (README, Membership). Absent: a founding member.
   */
  membership: z.enum(['applicant', 'member', 'former_member']).optional(),
  /** The organisation's language (BCP 47, e.g. `ja`, `en`): printed recall notices to it are in this language (absent: Japanese). */
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as ja or en')
    .optional(),
  /** GS1 company prefixes the organisation owns: only it may create lots and containers identified by them. */
  gs1CompanyPrefixes: z
    .array(z.string().regex(/^\d{6,12}$/, 'must be a GS1 company prefix (6 to 12 digits)'))
    .max(50)
    .default([]),
  certifications: z
    .array(
      z.strictObject({
        name: text(100),
        issuer: text(100),
        validUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date'),
      }),
    )
    .max(50),
});

/** Input schemas, by name. */
export const schemas = {
  mspId,
  lotId,
  lot,
  splitChild,
  batch: z.strictObject({ lots: z.array(lot).min(1).max(LIMITS.batchLots) }),
  inspection,
  confidentialDetails,
  qualityEvent,
  hold,
  recall,
  capability,
  participant,
  reason: text(500),
  eventId: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'invalid event id'),
  recallId: recall.shape.recallId.unwrap(),
  direction: z.enum(['backward', 'forward']),
} as const;

/** Validated input types. */
export type LotInput = z.infer<typeof lot>;
export type SplitChildInput = z.infer<typeof splitChild>;
export type InspectionInput = z.infer<typeof inspection>;
export type MeasurementInput = z.infer<typeof measurement>;
export type ConfidentialDetailsInput = z.infer<typeof confidentialDetails>;
export type QualityEventInput = z.infer<typeof qualityEvent>;
export type HoldInput = z.infer<typeof hold>;
export type RecallInput = z.infer<typeof recall>;
export type ParticipantInput = z.infer<typeof participant>;
