/** `lotline lots …` and `lotline transfers …`. */
import { type Command, Option } from 'commander';
import type { NewLot, Trace, TraceDirection } from '../../api-types';
import { renderTree } from '../../render/tree';
import { tr } from '../../render/language';
import { committedLine, eventsTable, historyTable, lotLines, qty } from '../../render/text';
import { CliContext } from '../context';
import { UsageError } from '../exit-codes';
import { collect, parseAmount, parsePositiveInt, readJsonFile } from '../util';

interface CreateOptions {
  file?: string;
  id?: string;
  product?: string;
  name?: string;
  quantity?: string;
  unit: string;
  input: string[];
  site?: string;
  line?: string;
  changePoint?: string;
  attr: string[];
}

function parseInputs(specs: string[], unit: string): NewLot['inputs'] {
  return specs.map((spec) => {
    const m = /^(.+)=([0-9.]+)(?:\s*([A-Z0-9]{2,3}))?$/.exec(spec);
    if (!m?.[1] || !m[2]) throw new UsageError(`--input ${spec}: write <lotId>=<amount>[unit], e.g. PartsCoMSP:COIL-1=2.5TNE`);
    return { lotId: m[1], quantity: { amount: parseAmount(m[2], '--input'), unit: m[3] ?? unit } };
  });
}

function parseAttributes(specs: string[]): Record<string, string> | undefined {
  if (specs.length === 0) return undefined;
  return Object.fromEntries(
    specs.map((s) => {
      const i = s.indexOf('=');
      if (i <= 0) throw new UsageError(`--attr ${s}: write name=value`);
      return [s.slice(0, i), s.slice(i + 1)];
    }),
  );
}

function lotFromOptions(o: CreateOptions): NewLot {
  if (o.file) return readJsonFile<NewLot>(o.file);
  const missing = (['id', 'product', 'name', 'quantity', 'site', 'line'] as const).filter((k) => !o[k]);
  if (missing.length > 0)
    throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')} (or give the whole lot as JSON with --file)`);
  const attributes = parseAttributes(o.attr);
  return {
    id: o.id ?? '',
    product: { code: o.product ?? '', name: o.name ?? '' },
    quantity: { amount: parseAmount(o.quantity ?? '', '--quantity'), unit: o.unit },
    inputs: parseInputs(o.input, o.unit),
    process: { site: o.site ?? '', line: o.line ?? '', ...(o.changePoint ? { changePoint: o.changePoint } : {}) },
    ...(attributes ? { attributes } : {}),
  };
}

function lotCreateCommand(lots: Command): void {
  lots
    .command('create')
    .description('create a lot produced by your organisation (from flags, or --file lot.json)')
    .option('--file <path>', 'the lot as JSON ({id, product, quantity, inputs, process, attributes})')
    .option('--id <lotId>', 'org-qualified id, e.g. PartsCoMSP:PLATE-2026-0003')
    .option('--product <code>', 'product code')
    .option('--name <name>', 'product name')
    .option('--quantity <amount>', 'quantity')
    .option('--unit <code>', 'UN/CEFACT unit code (EA, KGM, TNE…)', 'EA')
    .option('--input <lotId=amount[unit]>', 'an input lot consumed (repeatable)', collect, [])
    .option('--site <site>', 'production site')
    .option('--line <line>', 'production line')
    .option('--change-point <ref>', '4M change-point reference')
    .option('--attr <name=value>', 'an attribute (repeatable)', collect, [])
    .action(async (o: CreateOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const created = await ctx.api().createLot(lotFromOptions(o));
      ctx.print(created, () => [committedLine(tr('done.created', { id: created.value.id }), created), ...lotLines(created.value)]);
    });
}

function lotSplitCommand(lots: Command): void {
  lots
    .command('split <parentId>')
    .description("split part of a lot into a new child lot (for a partial shipment); product and process default to the parent's")
    .requiredOption('--id <childId>', 'id of the new lot')
    .requiredOption('--quantity <amount>', 'quantity taken from the parent, in its unit')
    .option('--line <line>', 'line of the split (default: the parent line)')
    .option('--attr <name=value>', 'an attribute (repeatable)', collect, [])
    .action(async (parentId: string, o: { id: string; quantity: string; line?: string; attr: string[] }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const parent = await ctx.api().getLot(parentId);
      const attributes = parseAttributes(o.attr);
      const child = {
        id: o.id,
        product: parent.product,
        quantity: { amount: parseAmount(o.quantity, '--quantity'), unit: parent.quantity.unit },
        process: { site: parent.process.site, line: o.line ?? parent.process.line },
        ...(attributes ? { attributes } : {}),
      };
      const created = await ctx.api().splitLot(parentId, child);
      ctx.print(created, () => [
        committedLine(tr('done.split', { qty: qty(child.quantity), parent: parentId, id: created.value.id }), created),
        ...lotLines(created.value),
      ]);
    });
}

function traceCommand(lots: Command): void {
  lots
    .command('trace <lotId>')
    .description('trace a lot backward (what it was made from) and/or forward (where it went), as an indented tree')
    .addOption(new Option('--direction <direction>', 'which way to trace').choices(['backward', 'forward', 'both']).default('both'))
    .option('--depth <n>', 'maximum depth (0..50)', '10')
    .option('--max-nodes <n>', 'maximum lots per direction (1..5000)', '500')
    .option('--ascii', 'draw the tree with ASCII characters')
    .action(
      async (lotId: string, o: { direction: TraceDirection | 'both'; depth: string; maxNodes: string; ascii?: boolean }, cmd: Command) => {
        const ctx = new CliContext(cmd);
        const directions: TraceDirection[] = o.direction === 'both' ? ['backward', 'forward'] : [o.direction];
        const depth = parsePositiveInt(o.depth, '--depth', 0);
        const maxNodes = parsePositiveInt(o.maxNodes, '--max-nodes', 1);
        const traces: Trace[] = [];
        for (const direction of directions) traces.push(await ctx.api().traceLot(lotId, { direction, depth, maxNodes }));
        ctx.print(traces.length === 1 ? traces[0] : { backward: traces[0], forward: traces[1] }, () =>
          traces.flatMap((t, i) => [
            ...(i > 0 ? [''] : []),
            t.direction === 'backward' ? 'BACKWARD — made from:' : 'FORWARD — went into:',
            ...renderTree(t, { ascii: o.ascii === true }),
          ]),
        );
      },
    );
}

/** Registers `lots` and its subcommands. */
export function registerLots(program: Command): void {
  const lots = program.command('lots').description('create, show, trace, split lots; their history and quality events');
  lotCreateCommand(lots);
  lots
    .command('show <lotId>')
    .description('show a lot: status, quantity left, custodian, inputs, what affects it')
    .action(async (lotId: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const lot = await ctx.api().getLot(lotId);
      ctx.print(lot, () => lotLines(lot));
    });
  traceCommand(lots);
  lots
    .command('history <lotId>')
    .description("every committed change of the lot's record, with its transaction id (verify one with `lotline verify`)")
    .action(async (lotId: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const history = await ctx.api().lotHistory(lotId);
      ctx.print(history, () => historyTable(history));
    });
  lots
    .command('events <lotId>')
    .description("the lot's quality events: inspections, holds, releases, recalls")
    .action(async (lotId: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const events = await ctx.api().qualityEvents(lotId);
      ctx.print(events, () => (events.length > 0 ? eventsTable(events) : tr('events.none', { lotId })));
    });
  lotSplitCommand(lots);
}

/** Registers `transfers propose|accept|reject|cancel`. */
export function registerTransfers(program: Command): void {
  const transfers = program.command('transfers').description('custody transfers: the custodian proposes, the receiver accepts or rejects');
  transfers
    .command('propose <lotId>')
    .description('propose to hand a lot you hold to another organisation')
    .requiredOption('--to <msp>', 'receiving organisation MSP ID, e.g. AssemblyCoMSP')
    .action(async (lotId: string, o: { to: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().proposeTransfer(lotId, o.to);
      ctx.print(r, () => committedLine(tr('done.proposed', { lotId, to: o.to }), r));
    });
  transfers
    .command('accept <lotId>')
    .description('accept a transfer addressed to your organisation')
    .action(async (lotId: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().acceptTransfer(lotId);
      ctx.print(r, () => committedLine(tr('done.accepted', { lotId, custodian: r.value.custodian }), r));
    });
  transfers
    .command('reject <lotId>')
    .description('reject a transfer addressed to your organisation')
    .requiredOption('--reason <text>', 'why')
    .action(async (lotId: string, o: { reason: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().rejectTransfer(lotId, o.reason);
      ctx.print(r, () => committedLine(tr('done.rejected', { lotId }), r));
    });
  transfers
    .command('cancel <lotId>')
    .description('withdraw your own pending proposal')
    .action(async (lotId: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().cancelTransfer(lotId);
      ctx.print(r, () => committedLine(tr('done.cancelled', { lotId }), r));
    });
}
