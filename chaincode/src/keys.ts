/**
 * World-state key layout. Every record lives under a composite key whose
 * object type is one of these; the attributes are listed beside each.
 *
 * A lot's own sub-records share its document's key prefix (`lot [lotId, …]`),
 * so a read-only transaction gets the document, the written balance shards,
 * the child edges and the latest-inspection pointer in one
 * partial-composite-key scan of `lot [lotId]`. Key order under that prefix:
 * the document, `balance`, `child`, `inspection`. Write transactions never
 * scan a whole lot prefix (see README "Key layout").
 */
export const KEYS = {
  /**
   * [lotId] → Lot document;
   * [lotId, "balance", "00".."15"] → balance shard `{micro}`, written on first debit only;
   * [lotId, "child", childId] → Edge to a lot made from it (forward lineage);
   * [lotId, "inspection"] → pointer to the latest inspection `{eventId, verdict, recordedAt}`.
   */
  lot: 'lot',
  /** [lotId] → pending custody Transfer. */
  transfer: 'transfer',
  /** [lotId, recordedAt, eventId] → QualityEvent: time-ordered (ISO-8601 UTC sorts lexically). */
  qualityEvent: 'qe',
  /** [lotId, eventId] → `{recordedAt}`: finds an event by id. */
  qualityEventId: 'qe~id',
  /** [lotId, eventId] → confidential inspection details, in implicit org collections only. */
  confidentialDetails: 'qe~details',
  /** [recallId] → Recall record. */
  recall: 'recall',
  /** [msp] → Participant. */
  participant: 'participant',
  /** [capability, msp] → `{msp}`: index for SearchParticipants. */
  participantCapability: 'participant~capability',
  /** [GS1 company prefix] → `{msp}`: who owns a prefix (participants' `gs1CompanyPrefixes`). */
  gs1Prefix: 'participant~gs1prefix',
} as const;

/** The second attribute of a lot's sub-records under `KEYS.lot`. */
export const LOT_RECORDS = {
  balance: 'balance',
  child: 'child',
  inspection: 'inspection',
} as const;

/** The implicit private data collection of an organisation. */
export function implicitCollection(msp: string): string {
  return `_implicit_org_${msp}`;
}
