/**
 * @lotline/evidence: evidence bundles of a lot's history with the raw blocks
 * and the channel configuration, and the offline verifier that checks them
 * against that configuration alone.
 */
export {
  BUNDLE_FORMAT,
  MAX_BUNDLE_BYTES,
  BundleFormatError,
  EvidenceTooLargeError,
  readBundle,
  writeBundle,
  type EvidenceBundle,
  type EvidenceManifest,
  type EvidenceRecord,
} from './bundle';
export { exportEvidence, exportTransactions, type EvidenceSource, type ExportOptions } from './export';
export {
  CHECKS,
  proofVerification,
  verifyBundleFile,
  verifyEvidence,
  type CheckName,
  type Finding,
  type TransactionVerdict,
  type VerificationReport,
  type VerifyOptions,
} from './verify';
export { formatReport } from './format';
export { renderHtmlReport } from './html';
export { ledgerSource } from './source';
