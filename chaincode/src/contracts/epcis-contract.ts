import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { z } from 'zod';
import { assertCanRead, type Caller, callerOf } from '../access';
import { EpcisCapture, CAPTURE_LIMITS, type CaptureInput } from '../epcis/capture';
import { containersOf, declarationsOf, findEvent } from '../epcis/model';
import { queryEvents, querySchema } from '../epcis/query';
import { EVENT_HASH_ID } from '../epcis/hash';
import { canonicalJson, EVENTS, fail, schemas, WRITER_ROLES } from '@lotline/domain';
import { emitEvent, listedEvent } from '../events';
import { Ledger } from '../ledger';
import { LineageReader, MAX_TRACE_DEPTH, MAX_TRACE_NODES, walk } from '../lineage';
import { requireFound } from '../models/lot';
import { parseIntArg, parseJsonArg, validate } from '../validation';

const captureSchema = z.strictObject({
  events: z
    .array(
      z.strictObject({
        hashId: z.string().regex(EVENT_HASH_ID, 'must be a CBV 2.0 event hash ID (ni:///sha-256;...?ver=CBV2.0)').optional(),
        event: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1)
    .max(CAPTURE_LIMITS.events),
  context: z.unknown().optional(),
  onDuplicate: z.enum(['reject', 'skip']).default('reject'),
  parties: z.record(z.string().max(2048), schemas.mspId).default({}),
});

const hashIdSchema = z.string().regex(EVENT_HASH_ID, 'must be a CBV 2.0 event hash ID');
const hashListSchema = z.array(hashIdSchema).max(CAPTURE_LIMITS.events);

function assertCanCapture(caller: Caller): void {
  if (!WRITER_ROLES.some((role) => role === caller.role)) {
    throw fail('FORBIDDEN', `${caller.msp} ${caller.role ?? '(no role)'} may not capture EPCIS events`);
  }
}

/**
 * GS1 EPCIS 2.0 capture, query and trace export. A capture applies a whole
 * document in one transaction (all or nothing), with the rules of the Lot and
 * Quality contracts; the recorder is the signer of the transaction, never a
 * party named in the document. See gateway-api/src/epcis/README.md for the mapping.
 */
@Info({ title: 'Epcis', description: 'GS1 EPCIS 2.0 capture, query and trace export' })
export class EpcisContract extends Contract {
  constructor() {
    super('Epcis');
  }

  /**
   * Capture `{events: [{hashId?, event}], context?, onDuplicate?: reject|skip, parties?: {uri: msp}}`.
   * The chaincode computes each event's CBV 2.0 hash ID; a supplied `hashId`
   * that differs is refused (INVALID_ARGUMENT).
   * Returns `{captureTxId, captured: [{index, hashId, type, operations}], declarations, skipped, lotIds}`.
   */
  @Transaction()
  @Returns('string')
  async Capture(ctx: Context, captureJson: string): Promise<string> {
    const caller = callerOf(ctx);
    assertCanCapture(caller);
    const raw = parseJsonArg(captureJson, 'capture', CAPTURE_LIMITS.chars);
    const input = validate(captureSchema, raw, 'capture') as CaptureInput;
    const ledger = new Ledger(ctx.stub);
    const { events, ...result } = await new EpcisCapture(ledger, caller, input).run();
    emitEvent(ctx, EVENTS.EpcisCaptured, {
      captured: result.captured.length,
      declarations: result.declarations.length,
      skipped: result.skipped.length,
      lotIds: result.lotIds,
      events: events.map(listedEvent),
    });
    return canonicalJson(result);
  }

  /** Which of the given hash IDs are already captured: `{known: [hashId...]}` (lets the API list duplicates before submitting). */
  @Transaction(false)
  @Returns('string')
  async FindEvents(ctx: Context, hashIdsJson: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const hashIds = validate(hashListSchema, parseJsonArg(hashIdsJson, 'hashIds'), 'hashIds');
    const ledger = new Ledger(ctx.stub);
    const known: string[] = [];
    for (const hashId of [...new Set(hashIds)].sort()) if ((await findEvent(ledger, hashId)) !== undefined) known.push(hashId);
    return canonicalJson({ known });
  }

  /** One captured event with its error declarations, or NOT_FOUND. */
  @Transaction(false)
  @Returns('string')
  async GetEvent(ctx: Context, hashId: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(hashIdSchema, hashId, 'hashId');
    const ledger = new Ledger(ctx.stub);
    const event = await findEvent(ledger, id);
    const errorDeclarations = await declarationsOf(ledger, id, 50);
    if (event === undefined && errorDeclarations.length === 0) throw fail('NOT_FOUND', `no EPCIS event ${id}`);
    return canonicalJson({ event: event ?? null, errorDeclarations });
  }

  /**
   * EPCIS simple event query: `{anyEPC?, anyEPCClass?, inputEPCClass?, outputEPCClass?, bizStep?, disposition?,
   * geEventTime?, ltEventTime?, perPage, bookmark?}`. Returns `{events, bookmark}` (bookmark '' on the last page).
   */
  @Transaction(false)
  @Returns('string')
  async QueryEvents(ctx: Context, queryJson: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const query = validate(querySchema, parseJsonArg(queryJson, 'query'), 'query');
    return canonicalJson(await queryEvents(new Ledger(ctx.stub), query));
  }

  /**
   * The material of a trace export: every lot of a backward or forward trace
   * in full (with its inputs), the lineage edges, and the containers each lot
   * was packed into. `{root, direction, lots, edges, containment, truncated}`.
   */
  @Transaction(false)
  @Returns('string')
  async ExportTrace(ctx: Context, id: string, direction: string, maxDepth: string, maxNodes: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const rootId = validate(schemas.lotId, id, 'id');
    const dir = validate(schemas.direction, direction, 'direction');
    const depthLimit = parseIntArg(maxDepth, 'maxDepth', 0, MAX_TRACE_DEPTH);
    const nodeLimit = parseIntArg(maxNodes, 'maxNodes', 1, MAX_TRACE_NODES);
    const ledger = new Ledger(ctx.stub);
    const reader = new LineageReader(ledger, { readOnly: true });
    requireFound(await reader.load(rootId), rootId);
    const result = await walk(reader, rootId, dir, depthLimit, nodeLimit);
    const lots = [];
    const containment = [];
    for (const { id: lotId, depth } of result.visited) {
      const lot = await reader.load(lotId);
      if (lot === undefined) continue;
      lots.push({ ...lot, depth });
      containment.push(...(await containersOf(ledger, lotId, 100)));
    }
    return canonicalJson({ root: rootId, direction: dir, lots, edges: result.edges, containment, truncated: result.truncated });
  }
}
