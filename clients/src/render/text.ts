/**
 * Human-readable text for the CLI (pure: returns strings).
 */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { Committed } from '../api-client';
import type { HistoryEntry, Lot, Participant, QualityEvent, RecallReport } from '../api-types';
import { organisationsToNotify, recallRows } from '../recall-report';
import { categorize, CATEGORY_LABELS } from '../status';

/** A table without colours (so that output is the same in a pipe and a terminal). */
export function table(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows);
  return t.toString();
}

/** `1234.5 KGM` */
export function qty(q: { amount: number; unit: string } | undefined): string {
  return q ? `${q.amount} ${q.unit}` : '-';
}

/** The lines that describe a lot. */
export function lotLines(lot: Lot): string[] {
  const category = categorize({ status: lot.status, affectedBy: lot.affectedBy, latestVerdict: lot.latestInspection?.verdict ?? null });
  const lines = [
    `${lot.id}  ${lot.product.name} (${lot.product.code})`,
    `  status      ${lot.status}${category !== 'none' ? `  [${CATEGORY_LABELS[category]}]` : ''}`,
    `  quantity    ${qty(lot.quantity)}${lot.remaining ? `, ${qty(lot.remaining)} left` : ''}`,
    `  producer    ${lot.producer}`,
    `  custodian   ${lot.custodian}`,
    `  process     ${lot.process.site}, ${lot.process.line}${lot.process.changePoint ? `, change point ${lot.process.changePoint}` : ''}`,
    `  created     ${lot.createdAt}  (tx ${lot.createdTxId})`,
  ];
  for (const input of lot.inputs) lines.push(`  input       ${input.lotId}  ${qty(input.quantity)}`);
  for (const [k, v] of Object.entries(lot.attributes ?? {})) lines.push(`  ${k.padEnd(11)} ${v}`);
  if (lot.latestInspection)
    lines.push(
      `  inspection  ${lot.latestInspection.verdict} at ${lot.latestInspection.recordedAt} (event ${lot.latestInspection.eventId})`,
    );
  for (const ref of lot.affectedBy ?? []) {
    lines.push(`  affected    by ${ref.kind} ${ref.recallId ?? ref.eventId} of ${ref.sourceLotId}`);
  }
  if (lot.pendingTransfer)
    lines.push(
      `  transfer    pending from ${lot.pendingTransfer.from} to ${lot.pendingTransfer.to} (since ${lot.pendingTransfer.proposedAt})`,
    );
  return lines;
}

/** A lot's history as a table: one row per modification. */
export function historyTable(entries: HistoryEntry[]): string {
  return table(
    ['time', 'transaction', 'custodian', 'status', 'change'],
    entries.map((e) => [
      e.timestamp,
      e.txId,
      e.value?.custodian ?? '-',
      e.value?.status ?? (e.isDelete ? 'deleted' : '-'),
      e.value?.createdTxId === e.txId ? 'created' : 'updated',
    ]),
  );
}

function eventSummary(e: QualityEvent): string {
  switch (e.type) {
    case 'inspection': {
      const m = (e.measurements ?? []).map((x) => `${x.characteristic} ${x.value} ${x.unit} [${x.lower}..${x.upper}]`).join('; ');
      return `${e.verdict ?? ''}${m ? `: ${m}` : ''}${e.notes ? ` (${e.notes})` : ''}`;
    }
    case 'hold':
      return `hold ${e.holdId ?? ''}${e.includeDescendants ? ' with descendants' : ''}: ${e.reason ?? ''}`;
    case 'release':
      return `release of ${e.holdId ?? ''}: ${e.reason ?? ''}`;
    case 'recall':
      return `recall ${e.recallId ?? ''}: ${e.reason ?? ''}`;
    default:
      return e.description ?? '';
  }
}

/** Quality events as a table. */
export function eventsTable(events: QualityEvent[]): string {
  return table(
    ['time', 'type', 'by', 'summary', 'event (tx) id'],
    events.map((e) => [e.recordedAt, e.type, `${e.recordedBy.msp} ${e.recordedBy.role ?? ''}`.trim(), eventSummary(e), e.eventId]),
  );
}

/** The recall report: header lines and the affected lots as a table. */
export function recallText(report: RecallReport): string[] {
  const [, ...rows] = recallRows(report);
  return [
    `recall ${report.recallId} of ${report.sourceLotId}: ${report.reason}`,
    `started ${report.startedAt} by ${report.startedBy.msp}${report.truncated ? '  (TRUNCATED: the scope hit the depth/size bound)' : ''}`,
    `${report.affected.length} affected lots; notify: ${organisationsToNotify(report).join(', ')}`,
    table(
      ['lot', 'depth', 'custodian', 'producer', 'status'],
      rows.map((r) => [r[2] ?? '', r[3] ?? '', r[4] ?? '', r[5] ?? '', r[6] ?? '']),
    ),
  ];
}

/** The recall report as CSV (header + one row per affected lot). */
export function recallCsv(report: RecallReport): string {
  return stringify(recallRows(report));
}

/** Participants as a table. */
export function participantsTable(list: Participant[]): string {
  return table(
    ['MSP', 'name', 'kind', 'location', 'capabilities', 'certifications'],
    list.map((p) => [
      p.msp,
      p.name,
      p.kind,
      `${p.location.city}, ${p.location.country}`,
      p.capabilities.join(', '),
      p.certifications.map((c) => `${c.name} (${c.issuer}, until ${c.validUntil})`).join('; '),
    ]),
  );
}

/** "committed in block N (tx …)" for a write. */
export function committedLine(what: string, c: Committed<unknown>): string {
  const where = [c.blockNumber !== undefined ? `block ${c.blockNumber}` : undefined, c.txId !== undefined ? `tx ${c.txId}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${what}${where ? ` — committed (${where})` : ''}`;
}
