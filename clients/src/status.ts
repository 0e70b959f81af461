/**
 * How a lot is shown: one display category per lot, from its status, what
 * affects it, and its latest inspection verdict. Shared by the CLI (labels)
 * and the web explorer (colours), so both tell the same story.
 */
import type { AffectedRef, LotStatus, Verdict } from './api-types';

/** Display categories, most urgent first. */
export const CATEGORIES = ['recalled', 'affected', 'on_hold', 'failed', 'passed', 'none'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a category means, for legends and help. */
export const CATEGORY_LABELS: Record<Category, string> = {
  recalled: 'recalled',
  affected: 'affected by a recall',
  on_hold: 'on hold',
  failed: 'inspection failed',
  passed: 'inspection passed',
  none: 'no inspection yet',
};

/** The fields of a lot (or trace node) that decide its category. */
export interface Classifiable {
  status: LotStatus;
  affectedBy?: readonly AffectedRef[] | undefined;
  latestVerdict?: Verdict | null | undefined;
}

/**
 * The most urgent category that applies: the lot's own recall, then a recall
 * inherited from an ancestor, then a hold (own or inherited), then the latest
 * inspection verdict.
 */
export function categorize(lot: Classifiable): Category {
  const refs = lot.affectedBy ?? [];
  if (lot.status === 'recalled') return 'recalled';
  if (refs.some((r) => r.kind === 'recall')) return 'affected';
  if (lot.status === 'on_hold' || refs.some((r) => r.kind === 'hold')) return 'on_hold';
  if (lot.latestVerdict === 'fail') return 'failed';
  if (lot.latestVerdict === 'pass') return 'passed';
  return 'none';
}
