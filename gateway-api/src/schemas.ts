/**
 * Request schemas: the one source that validates requests and generates the
 * OpenAPI document. Ledger inputs are the shared schemas of @lotline/domain
 * that the chaincode validates its arguments with, so the API and the
 * chaincode accept exactly the same documents.
 */
import { ROLES, schemas as chaincode } from '@lotline/domain';
import { z } from 'zod';
import { USER_NAME } from './auth/jwt';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
const txId = z.string().regex(/^[0-9a-f]{64}$/, 'must be a Fabric transaction id (64 lowercase hex digits)');

/** Path parameters. */
export const params = {
  lot: z.object({ id: chaincode.lotId.describe('lot id: `<MSP ID>:<local id>` or a GS1 LGTIN URN') }),
  hold: z.object({ id: chaincode.lotId, holdId: chaincode.eventId.describe('the hold id (the hold event id)') }),
  qualityEvent: z.object({ id: chaincode.lotId, eventId: chaincode.eventId }),
  recall: z.object({ id: chaincode.recallId }),
  participant: z.object({ msp: chaincode.mspId }),
  transaction: z.object({ txId }),
};

/** Where a read is answered: the read model (default when the API has one) or the chaincode. */
const source = z
  .enum(['read-model', 'ledger'])
  .optional()
  .describe('`ledger`: evaluate through the chaincode; default: the read model, when this API has one');
/** Read-your-writes: wait until the read model has indexed this block (a write answers with its `blockNumber`). */
export const minBlock = z.coerce
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .optional()
  .describe('wait (bounded) until the read model has indexed this block');
const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,2048}$/, 'must be a nextCursor this API returned')
  .optional()
  .describe('the `nextCursor` of the previous page; absent for the first page');
const isoTime = z.iso.datetime({ offset: true }).describe('ISO-8601 date-time');

/** Query strings. */
export const queries = {
  trace: z.strictObject({
    direction: chaincode.direction.default('backward'),
    depth: z.coerce.number().int().min(0).max(50).default(10).describe('depth limit (0..50)'),
    maxNodes: z.coerce.number().int().min(1).max(5000).default(1000).describe('node limit (1..5000)'),
    source,
    minBlock,
  }),
  lots: z.strictObject({
    product: z.string().min(1).max(256).optional().describe('product code'),
    status: z.enum(['active', 'on_hold', 'recalled', 'consumed', 'destroyed']).optional().describe('effective status'),
    custodian: chaincode.mspId.optional().describe('current custodian MSP ID'),
    producer: chaincode.mspId.optional().describe('producer MSP ID'),
    createdFrom: isoTime.optional().describe('created at or after (ISO-8601)'),
    createdTo: isoTime.optional().describe('created before (ISO-8601)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('lots per page (1..1000)'),
    cursor,
    minBlock,
  }),
  page: z.strictObject({
    limit: z.coerce.number().int().min(1).max(1000).default(100).describe('entries per page (1..1000)'),
    bookmark: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,8192}$/, 'must be a bookmark this API returned')
      .optional()
      .describe('the `bookmark` of the previous page; absent for the first page'),
  }),
  recall: z.strictObject({
    maxDepth: z.coerce.number().int().min(0).max(50).default(50).describe('`source=ledger` only: depth limit of the affected lots (0..50)'),
    maxNodes: z.coerce.number().int().min(1).max(5000).default(5000).describe('`source=ledger` only: lot limit of the report (1..5000)'),
    limit: z.coerce.number().int().min(1).max(5000).default(1000).describe('read model: affected lots per page (1..5000)'),
    cursor,
    custodian: chaincode.mspId.optional().describe('read model: only the affected lots this organisation holds'),
    source,
    minBlock,
  }),
  participants: z.strictObject({ capability: chaincode.capability.optional().describe('only participants with this capability') }),
  proof: z.strictObject({
    lotId: chaincode.lotId.optional().describe('check the lot document this transaction wrote against the lot history'),
    key: z.string().min(1).max(1024).optional().describe('select a written key: raw composite key, or `objectType/attr/attr`'),
    expect: sha256Hex
      .optional()
      .describe('sha256 of the canonical JSON (sorted keys) of the record you hold; `record.matches` says whether the write set has it'),
  }),
  evidence: z.strictObject({
    depth: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe("also the histories of the lots in the lot's backward trace, to this depth (0..10)"),
  }),
  events: z.strictObject({
    lotId: chaincode.lotId.optional().describe('only events about this lot'),
    type: z
      .string()
      .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/, 'comma-separated event names')
      .optional()
      .describe('only these event names, comma-separated (LotCreated,HoldPlaced)'),
    startBlock: z.coerce.number().int().min(0).optional().describe('replay from this block (ignored with Last-Event-ID)'),
  }),
};

/** An inspection; confidential measurements go in `details` and reach the chaincode only as transient data. */
const inspection = chaincode.inspection.extend({
  type: z.literal('inspection'),
  details: chaincode.confidentialDetails
    .extend({ salt: z.string().min(16).max(256).optional().describe('≥ 128 random bits; generated when absent') })
    .optional()
    .describe('confidential measurements (needs `confidential.counterpartyMsp`): sent as transient data, only their salted hash is public'),
});

/** Request bodies. */
export const bodies = {
  lot: chaincode.lot,
  split: chaincode.splitChild,
  transfer: z.strictObject({ to: chaincode.mspId.describe('MSP ID of the receiving organisation') }),
  empty: z.strictObject({}),
  rejection: z.strictObject({ reason: chaincode.reason }),
  qualityEvent: z.discriminatedUnion('type', [inspection, chaincode.qualityEvent]),
  hold: chaincode.hold,
  release: z.strictObject({ reason: chaincode.reason }),
  recall: chaincode.recall.extend({ lotId: chaincode.lotId.describe('the source lot; every descendant is affected') }),
  participant: chaincode.participant.extend({ msp: chaincode.mspId.optional().describe('defaults to the path parameter') }),
  user: z.strictObject({
    name: z.string().regex(USER_NAME, 'letters, digits, . _ @ - (max 64)'),
    role: z.enum(ROLES),
  }),
};

export type InspectionBody = z.infer<typeof inspection>;
