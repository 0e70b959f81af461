/**
 * World-state key layout. Every record lives under a composite key whose
 * object type is one of these; the attributes are listed beside each.
 */
export const KEYS = {
  /** [lotId] → Lot document. */
  lot: 'lot',
  /** [lotId, shard "00".."15"] → remaining balance shard `{micro}`. */
  balance: 'lot~balance',
  /** [parentId, childId] → Edge; scan by [parentId] for children (forward). */
  edgeChild: 'edge~child',
  /** [childId, parentId] → Edge; scan by [childId] for parents (backward). */
  edgeParent: 'edge~parent',
  /** [lotId] → pending custody Transfer. */
  transfer: 'transfer',
  /** [lotId, eventId] → QualityEvent (eventId is the recording transaction id). */
  qualityEvent: 'qe',
  /** [lotId] → pointer to the latest inspection `{eventId, verdict, recordedAt}`. */
  latestInspection: 'lot~inspection',
  /** [lotId, eventId] → confidential inspection details, in implicit org collections only. */
  confidentialDetails: 'qe~details',
  /** [recallId] → Recall record. */
  recall: 'recall',
  /** [msp] → Participant. */
  participant: 'participant',
  /** [capability, msp] → `{msp}`: index for SearchParticipants. */
  participantCapability: 'participant~capability',
  /** [key] → `{value}`: benchmark baseline values. */
  baseline: 'baseline',
} as const;

/** The implicit private data collection of an organisation. */
export function implicitCollection(msp: string): string {
  return `_implicit_org_${msp}`;
}
