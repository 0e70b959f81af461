/**
 * @lotline/domain: the one place that defines Lotline's shared concepts. The
 * chaincode, the API, the clients, the network tools and the tests import
 * them from here by package name.
 */
export { canonicalDigest, canonicalJson } from './canonical';
export {
  ERROR_CODES,
  ERROR_MEANINGS,
  errorCodeOf,
  fail,
  findErrorCode,
  isErrorCode,
  LotlineError,
  type CodedMessage,
  type ErrorCode,
} from './errors';
export { EVENTS, type EventName, type EventPayload } from './events';
export { EDGES_PER_NODE, walkLineage, type EdgeReader, type LineageEdge, type LineageWalk, type WalkEdge } from './lineage-walk';
export {
  CANONICAL_PREFIX_DIGITS,
  cbvWord,
  checkDigit,
  identifierKey,
  locationKey,
  type CbvVocabulary,
  DIGITAL_LINK_GTIN,
  gtinFromUrnFields,
  gtinProblem,
  LGTIN_URN,
  lgtinDigitalLinkPath,
  lgtinUrn,
  parseLgtin,
  type Lgtin,
} from './gs1';
export { compositeKey, splitCompositeKey } from './keys';
export {
  AMOUNT_DECIMALS,
  amountProblem,
  decimalsOf,
  fromMicro,
  MAX_AMOUNT,
  MICRO_PER_UNIT,
  toMicro,
  TOO_MANY_DECIMALS,
  type Micro,
} from './quantity';
export { asRole, ROLES, WRITER_ROLES, type Role } from './roles';
export {
  LGTIN_ID,
  LIMITS,
  ORG_LOT_ID,
  schemas,
  TRANSIENT_DETAILS_KEY,
  type ConfidentialDetailsInput,
  type HoldInput,
  type InspectionInput,
  type LotInput,
  type MeasurementInput,
  type ParticipantInput,
  type QualityEventInput,
  type RecallInput,
  type SplitChildInput,
} from './schemas';
export type * from './types';
