/**
 * Seeds the demo supply chain (see `scenario.ts`) onto a running network.
 *
 * Idempotent: every step first reads the ledger and is skipped when its
 * effect is already there, so a second run changes nothing, and a run that
 * was interrupted resumes where it stopped.
 *
 *   LOTLINE_DATA_DIR=… LOTLINE_PORT_OFFSET=… npx tsx clients/src/demo/seed.ts [--json]
 */
import { LedgerError, type Connection, type LotLedger } from '@lotline/ledger-client';
import { findOrg, loadConfig, type NetworkConfig } from '../../../network/src/config';
import { connectOrg, ledgerOf, waitForEndorsers } from '../../../network/src/peer-access';
import type { QualityEvent } from '../api-types';
import { type Actor, COIL_LOT, DEFECTIVE_LOT, demoScenario, HELD_LOT, RECALL_ID, type Step } from './scenario';

/** What one step did. */
export interface StepOutcome {
  step: string;
  outcome: 'created' | 'skipped';
  txIds: string[];
}

export interface SeedResult {
  /** True when nothing had to be written (the demo was already there). */
  alreadySeeded: boolean;
  created: number;
  skipped: number;
  defectiveLot: string;
  heldLot: string;
  coilLot: string;
  recallId: string;
  steps: StepOutcome[];
}

export interface SeedOptions {
  config?: NetworkConfig;
  /** Called after each step (for progress output). */
  onStep?: (outcome: StepOutcome) => void;
}

/** Ledger clients per organisation user (through that organisation's own peer), opened on first use. */
class Actors {
  private readonly open = new Map<string, { connection: Connection; ledger: LotLedger }>();
  constructor(private readonly config: NetworkConfig) {}

  as(actor: Actor): LotLedger {
    const key = `${actor.org}/${actor.user}`;
    let entry = this.open.get(key);
    if (!entry) {
      const connection = connectOrg(findOrg(this.config, actor.org), actor.user);
      entry = { connection, ledger: ledgerOf(this.config, connection) };
      this.open.set(key, entry);
    }
    return entry.ledger;
  }

  /**
   * Waits until every organisation's peer has committed the block of `written`,
   * then returns its transaction id. The next step may be another organisation's
   * (accepting a transfer that was just proposed, inspecting a lot just made),
   * and its endorsing peers must already hold this write.
   */
  async synced(written: Promise<{ txId: string; blockNumber: number }>): Promise<string> {
    const { txId, blockNumber } = await written;
    await Promise.all(
      this.config.orgs.map((org) => this.as({ org: org.name as Actor['org'], user: 'auditor1' }).waitForBlock(blockNumber)),
    );
    return txId;
  }

  closeAll(): void {
    for (const { connection } of this.open.values()) connection.close();
    this.open.clear();
  }
}

/** The record `read` resolves to, or undefined when the chaincode says it does not exist. */
async function find<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof LedgerError && (error.chaincodeCode === 'NOT_FOUND' || error.chaincodeCode === 'LOT_NOT_FOUND')) return undefined;
    throw error;
  }
}

function describe(step: Step): string {
  switch (step.kind) {
    case 'lot':
      return `lot ${step.lot.id} (${step.lot.product.name})`;
    case 'split':
      return `split ${step.child.id} from ${step.parentId}`;
    case 'transfer':
      return `custody of ${step.lotId} to ${step.toMsp}`;
    case 'inspection':
      return `${step.verdict} inspection of ${step.lotId} by ${step.actor.org} ${step.actor.user}`;
    case 'hold':
      return `hold on ${step.lotId}`;
    case 'recall':
      return `recall ${step.recallId} of ${step.lotId}`;
    case 'participant':
      return `participant ${step.participant.msp}`;
  }
}

async function events(ledger: LotLedger, lotId: string): Promise<QualityEvent[]> {
  return (await ledger.listQualityEvents(lotId, { limit: 1000 })).events;
}

/** Applies one step unless its effect is already on the ledger; returns the transaction ids written. */
async function apply(step: Step, actors: Actors): Promise<string[]> {
  switch (step.kind) {
    case 'participant': {
      const ledger = actors.as(step.actor);
      if (await find(ledger.readParticipant(step.participant.msp))) return [];
      return [await actors.synced(ledger.upsertParticipant(step.participant))];
    }
    case 'lot': {
      const ledger = actors.as(step.actor);
      if (await find(ledger.readLot(step.lot.id))) return [];
      return [await actors.synced(ledger.createLot(step.lot))];
    }
    case 'split': {
      const ledger = actors.as(step.actor);
      if (await find(ledger.readLot(step.child.id))) return [];
      return [await actors.synced(ledger.splitLot(step.parentId, step.child))];
    }
    case 'transfer':
      return transfer(step, actors);
    case 'inspection': {
      const ledger = actors.as(step.actor);
      const existing = await events(ledger, step.lotId);
      if (existing.some((e) => e.type === 'inspection' && e.certificate?.sha256 === step.certificate.sha256)) return [];
      const input = { verdict: step.verdict, measurements: step.measurements, certificate: step.certificate, notes: step.notes };
      return [await actors.synced(ledger.recordInspection(step.lotId, input))];
    }
    case 'hold': {
      const ledger = actors.as(step.actor);
      if ((await events(ledger, step.lotId)).some((e) => e.type === 'hold')) return [];
      const input = { reason: step.reason, includeDescendants: step.includeDescendants };
      return [await actors.synced(ledger.placeHold(step.lotId, input))];
    }
    case 'recall': {
      const ledger = actors.as(step.actor);
      if (await find(ledger.getRecall(step.recallId, { maxDepth: 0, maxNodes: 1 }))) return [];
      const input = { reason: step.reason, recallId: step.recallId };
      return [await actors.synced(ledger.startRecall(step.lotId, input))];
    }
  }
}

/** A custody transfer: proposed by the custodian and accepted by the receiver (two transactions, two signers). */
async function transfer(step: Extract<Step, { kind: 'transfer' }>, actors: Actors): Promise<string[]> {
  const sender = actors.as(step.from);
  const lot = await sender.readLot(step.lotId);
  if (lot.custodian === step.toMsp) return [];
  const txIds: string[] = [];
  if (!lot.pendingTransfer) txIds.push(await actors.synced(sender.proposeTransfer(step.lotId, step.toMsp)));
  txIds.push(await actors.synced(actors.as(step.to).acceptTransfer(step.lotId)));
  return txIds;
}

/** Seeds the demo scenario; safe to run again. Waits first until every organisation can endorse (the readiness rule). */
export async function seedDemo(options: SeedOptions = {}): Promise<SeedResult> {
  const config = options.config ?? loadConfig();
  await waitForEndorsers(config);
  const actors = new Actors(config);
  const steps: StepOutcome[] = [];
  try {
    for (const step of demoScenario()) {
      const txIds = await apply(step, actors);
      const outcome: StepOutcome = { step: describe(step), outcome: txIds.length > 0 ? 'created' : 'skipped', txIds };
      steps.push(outcome);
      options.onStep?.(outcome);
    }
  } finally {
    actors.closeAll();
  }
  const created = steps.filter((s) => s.outcome === 'created').length;
  return {
    alreadySeeded: created === 0,
    created,
    skipped: steps.length - created,
    defectiveLot: DEFECTIVE_LOT,
    heldLot: HELD_LOT,
    coilLot: COIL_LOT,
    recallId: RECALL_ID,
    steps,
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const result = await seedDemo({
    onStep: json ? undefined : (s) => process.stdout.write(`  ${s.outcome === 'created' ? 'created' : 'exists '}  ${s.step}\n`),
  });
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      result.alreadySeeded
        ? 'demo data already on the ledger: nothing written'
        : `demo data seeded: ${result.created} steps written, ${result.skipped} already there`,
      `  defective lot (failed plating inspection, recalled): ${result.defectiveLot}`,
      `  recall:                                            ${result.recallId}`,
      `  held lot (same plating bath, hold with descendants): ${result.heldLot}`,
      `  raw-material coil (root of both branches):           ${result.coilLot}`,
      `  try: npx tsx clients/src/cli/main.ts lots trace ${result.coilLot} --direction forward`,
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`lotline seed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.stderr.write('Is the network running? Start it with `npm start` (same LOTLINE_DATA_DIR and LOTLINE_PORT_OFFSET).\n');
    process.exit(4);
  });
}
