/**
 * The recall report as rows: one per affected lot, with the organisation that
 * holds it (who must be notified). Pure and dependency-free, so that the CLI
 * (table, CSV) and the web explorer (CSV download) export the same columns.
 */
import type { RecallReport } from './api-types';

/** Column headers of the affected-lots report. */
export const RECALL_COLUMNS = ['recallId', 'sourceLotId', 'lotId', 'depth', 'custodian', 'producer', 'status'] as const;

/** Header row plus one row per affected lot, in the recall's breadth-first order. */
export function recallRows(report: RecallReport): string[][] {
  const rows = report.affected.map((lot) => [
    report.recallId,
    report.sourceLotId,
    lot.lotId,
    String(lot.depth),
    lot.custodian,
    lot.producer,
    lot.status,
  ]);
  return [[...RECALL_COLUMNS], ...rows];
}

/** The organisations to notify: every custodian of an affected lot, sorted, once each. */
export function organisationsToNotify(report: RecallReport): string[] {
  return [...new Set(report.affected.map((l) => l.custodian))].sort();
}
