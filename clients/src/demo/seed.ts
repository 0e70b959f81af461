/**
 * Seeds the demo supply chain (see `scenario.ts`) onto a running network.
 *
 * Idempotent: every step first reads the ledger and is skipped when its
 * effect is already there, so a second run changes nothing, and a run that
 * was interrupted resumes where it stopped.
 *
 *   LOTLINE_DATA_DIR=… LOTLINE_PORT_OFFSET=… npx tsx clients/src/demo/seed.ts [--json]
 */
import { loadConfig, type NetworkConfig } from '../../../network/src/config';
import type { Lot, Participant, QualityEvent, RecallReport } from '../api-types';
import { SeedLedger } from './ledger';
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

/** Connections per organisation user, opened on first use. */
class Actors {
  private readonly open = new Map<string, SeedLedger>();
  constructor(private readonly config: NetworkConfig) {}

  as(actor: Actor): SeedLedger {
    const key = `${actor.org}/${actor.user}`;
    let ledger = this.open.get(key);
    if (!ledger) {
      ledger = SeedLedger.connect(this.config, actor.org, actor.user);
      this.open.set(key, ledger);
    }
    return ledger;
  }

  closeAll(): void {
    for (const ledger of this.open.values()) ledger.close();
    this.open.clear();
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

async function events(ledger: SeedLedger, lotId: string): Promise<QualityEvent[]> {
  return (await ledger.evaluate<{ events: QualityEvent[] }>('Quality', 'ListQualityEvents', lotId)).events;
}

/** Applies one step unless its effect is already on the ledger; returns the transaction ids written. */
async function apply(step: Step, actors: Actors): Promise<string[]> {
  switch (step.kind) {
    case 'participant': {
      const ledger = actors.as(step.actor);
      if (await ledger.find<Participant>('Participant', 'ReadParticipant', step.participant.msp)) return [];
      return [(await ledger.submit('Participant', 'UpsertParticipant', JSON.stringify(step.participant))).txId];
    }
    case 'lot': {
      const ledger = actors.as(step.actor);
      if (await ledger.find<Lot>('Lot', 'ReadLot', step.lot.id)) return [];
      return [(await ledger.submit('Lot', 'CreateLot', JSON.stringify(step.lot))).txId];
    }
    case 'split': {
      const ledger = actors.as(step.actor);
      if (await ledger.find<Lot>('Lot', 'ReadLot', step.child.id)) return [];
      return [(await ledger.submit('Lot', 'SplitLot', step.parentId, JSON.stringify(step.child))).txId];
    }
    case 'transfer':
      return transfer(step, actors);
    case 'inspection': {
      const ledger = actors.as(step.actor);
      const existing = await events(ledger, step.lotId);
      if (existing.some((e) => e.type === 'inspection' && e.certificate?.sha256 === step.certificate.sha256)) return [];
      const input = { verdict: step.verdict, measurements: step.measurements, certificate: step.certificate, notes: step.notes };
      return [(await ledger.submit('Quality', 'RecordInspection', step.lotId, JSON.stringify(input))).txId];
    }
    case 'hold': {
      const ledger = actors.as(step.actor);
      if ((await events(ledger, step.lotId)).some((e) => e.type === 'hold')) return [];
      const input = { reason: step.reason, includeDescendants: step.includeDescendants };
      return [(await ledger.submit('Quality', 'PlaceHold', step.lotId, JSON.stringify(input))).txId];
    }
    case 'recall': {
      const ledger = actors.as(step.actor);
      if (await ledger.find<RecallReport>('Quality', 'GetRecall', step.recallId)) return [];
      const input = { reason: step.reason, recallId: step.recallId };
      return [(await ledger.submit('Quality', 'StartRecall', step.lotId, JSON.stringify(input))).txId];
    }
  }
}

/** A custody transfer: proposed by the custodian and accepted by the receiver (two transactions, two signers). */
async function transfer(step: Extract<Step, { kind: 'transfer' }>, actors: Actors): Promise<string[]> {
  const sender = actors.as(step.from);
  const lot = await sender.evaluate<Lot>('Lot', 'ReadLot', step.lotId);
  if (lot.custodian === step.toMsp) return [];
  const txIds: string[] = [];
  if (!lot.pendingTransfer) txIds.push((await sender.submit('Lot', 'ProposeTransfer', step.lotId, step.toMsp)).txId);
  txIds.push((await actors.as(step.to).submit('Lot', 'AcceptTransfer', step.lotId)).txId);
  return txIds;
}

/** Seeds the demo scenario; safe to run again. */
export async function seedDemo(options: SeedOptions = {}): Promise<SeedResult> {
  const actors = new Actors(options.config ?? loadConfig());
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
