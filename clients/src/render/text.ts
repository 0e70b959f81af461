/**
 * Human-readable text for the CLI (pure: returns strings).
 */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { Committed } from '../api-client';
import type { HistoryEntry, Lot, Participant, QualityEvent, RecallReport } from '../api-types';
import { organisationsToNotify, recallRows } from '../recall-report';
import { categorize } from '../status';
import { categoryName, dateTime, padLabel, tr } from './language';

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

/** Width of the label column of {@link lotLines}. */
const LABEL_WIDTH = 12;

/** The lines that describe a lot (labels in the CLI's language; ledger data as entered). */
export function lotLines(lot: Lot): string[] {
  const category = categorize({ status: lot.status, affectedBy: lot.affectedBy, latestVerdict: lot.latestInspection?.verdict ?? null });
  const field = (label: string, value: string): string => `  ${padLabel(tr(`lot.${label}`), LABEL_WIDTH)}${value}`;
  const lines = [
    `${lot.id}  ${lot.product.name} (${lot.product.code})`,
    field('status', `${tr(`lotStatus.${lot.status}`)}${category !== 'none' ? `  [${categoryName(category)}]` : ''}`),
    field('quantity', `${qty(lot.quantity)}${lot.remaining ? tr('lot.left', { qty: qty(lot.remaining) }) : ''}`),
    field('producer', lot.producer),
    field('custodian', lot.custodian),
    field(
      'process',
      `${lot.process.site}, ${lot.process.line}${lot.process.changePoint ? tr('lot.changePoint', { ref: lot.process.changePoint }) : ''}`,
    ),
    field('created', tr('lot.createdValue', { when: dateTime(lot.createdAt), txId: lot.createdTxId })),
  ];
  for (const input of lot.inputs) lines.push(field('input', `${input.lotId}  ${qty(input.quantity)}`));
  for (const [k, v] of Object.entries(lot.attributes ?? {})) lines.push(`  ${padLabel(k, LABEL_WIDTH)}${v}`);
  if (lot.latestInspection)
    lines.push(
      field(
        'inspection',
        tr('lot.inspectionValue', {
          verdict: tr(`verdict.${lot.latestInspection.verdict}`),
          when: dateTime(lot.latestInspection.recordedAt),
          eventId: lot.latestInspection.eventId,
        }),
      ),
    );
  for (const ref of lot.affectedBy ?? []) {
    lines.push(
      field(
        'affected',
        tr('lot.affectedValue', { kind: tr(`kind.${ref.kind}`), id: ref.recallId ?? ref.eventId, source: ref.sourceLotId }),
      ),
    );
  }
  if (lot.pendingTransfer)
    lines.push(
      field(
        'transfer',
        tr('lot.transferValue', {
          from: lot.pendingTransfer.from,
          to: lot.pendingTransfer.to,
          when: dateTime(lot.pendingTransfer.proposedAt),
        }),
      ),
    );
  return lines;
}

/** A lot's history as a table: one row per modification. */
export function historyTable(entries: HistoryEntry[]): string {
  return table(
    ['time', 'transaction', 'custodian', 'status', 'change'].map((c) => tr(`history.${c}`)),
    entries.map((e) => [
      dateTime(e.timestamp),
      e.txId,
      e.value?.custodian ?? '-',
      e.value?.status !== undefined ? tr(`lotStatus.${e.value.status}`) : e.isDelete ? tr('history.deleted') : '-',
      tr(e.value?.createdTxId === e.txId ? 'history.created' : 'history.updated'),
    ]),
  );
}

function eventSummary(e: QualityEvent): string {
  switch (e.type) {
    case 'inspection': {
      const m = (e.measurements ?? []).map((x) => `${x.characteristic} ${x.value} ${x.unit} [${x.lower}..${x.upper}]`).join('; ');
      return `${e.verdict !== undefined ? tr(`verdict.${e.verdict}`) : ''}${m ? `: ${m}` : ''}${e.notes ? ` (${e.notes})` : ''}`;
    }
    case 'hold':
      return tr('events.hold', {
        id: e.holdId ?? '',
        descendants: e.includeDescendants ? tr('events.withDescendants') : '',
        reason: e.reason ?? '',
      });
    case 'release':
      return tr('events.release', { id: e.holdId ?? '', reason: e.reason ?? '' });
    case 'recall':
      return tr('events.recall', { id: e.recallId ?? '', reason: e.reason ?? '' });
    default:
      return e.description ?? '';
  }
}

/** Quality events as a table. */
export function eventsTable(events: QualityEvent[]): string {
  return table(
    ['time', 'type', 'by', 'summary', 'id'].map((c) => tr(`events.${c}`)),
    events.map((e) => [
      dateTime(e.recordedAt),
      tr(`eventType.${e.type}`),
      `${e.recordedBy.msp} ${e.recordedBy.role ?? ''}`.trim(),
      eventSummary(e),
      e.eventId,
    ]),
  );
}

/** The recall report: header lines and the affected lots as a table. */
export function recallText(report: RecallReport): string[] {
  const [, ...rows] = recallRows(report);
  return [
    tr('recall.header', { recallId: report.recallId, source: report.sourceLotId, reason: report.reason }),
    `${tr('recall.started', { when: dateTime(report.startedAt), msp: report.startedBy.msp })}${report.truncated ? tr('recall.truncated') : ''}`,
    tr('recall.affected', { count: report.affected.length, orgs: organisationsToNotify(report).join(', ') }),
    table(
      ['lot', 'depth', 'custodian', 'producer', 'status'].map((c) => tr(`recall.${c}`)),
      rows.map((r) => [r[2] ?? '', r[3] ?? '', r[4] ?? '', r[5] ?? '', r[6] !== undefined ? tr(`lotStatus.${r[6]}`) : '']),
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
    ['msp', 'name', 'kind', 'location', 'capabilities', 'certifications'].map((c) => tr(`participants.${c}`)),
    list.map((p) => [
      p.msp,
      p.name,
      p.kind,
      `${p.location.city}, ${p.location.country}`,
      p.capabilities.join(', '),
      p.certifications.map((c) => tr('participants.certification', { name: c.name, issuer: c.issuer, until: c.validUntil })).join('; '),
    ]),
  );
}

/** "committed in block N (tx …)" for a write. */
export function committedLine(what: string, c: Committed<unknown>): string {
  const where = [
    c.blockNumber !== undefined ? tr('committed.block', { block: String(c.blockNumber) }) : undefined,
    c.txId !== undefined ? tr('committed.tx', { txId: c.txId }) : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return where ? tr('committed.line', { what, where }) : what;
}
