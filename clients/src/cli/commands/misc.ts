/** `lotline token`, `whoami`, `users`, `participants` and `events`. */
import { ROLES } from '@lotline/domain';
import { type Command, Option } from 'commander';
import type { ParticipantInput, Role } from '../../api-types';
import { tr } from '../../render/language';
import { committedLine, participantsTable } from '../../render/text';
import { mintToken } from '../../token';
import { CliContext, localConfig } from '../context';
import { EXIT, SetupError, UsageError } from '../exit-codes';
import { parsePositiveInt, readJsonFile } from '../util';

/** Registers `token mint`. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('bearer tokens for the local network');
  token
    .command('mint')
    .description(
      "obtain a token for an enrolled user from the organisation's own OpenID provider (local network: the user's service client, client credentials; prints the JWT)",
    )
    .requiredOption('--user <user>', 'enrolled user, e.g. qm1, inspector1, auditor1, admin1')
    .addHelpText(
      'after',
      '\nThe organisation is the global --org (City, PartsCo, AssemblyCo or Bank), e.g. lotline token mint --org PartsCo --user qm1\n' +
        'Tokens last one hour (the provider decides). People sign in with: lotline login --org PartsCo',
    )
    .action(async (o: { user: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const org = ctx.options.org ?? process.env.LOTLINE_ORG;
      if (!org) throw new UsageError('which organisation? add --org City|PartsCo|AssemblyCo|Bank');
      const jwt = await mintToken(localConfig(), { org, user: o.user });
      ctx.print({ token: jwt, org, user: o.user }, () => jwt);
    });
}

/** Registers `whoami` and `users register`. */
export function registerUsers(program: Command): void {
  program
    .command('whoami')
    .description('who your token names: user, organisation, role')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const me = await ctx.api().whoami();
      ctx.print(me, () => Object.entries(me).map(([k, v]) => `${k.padEnd(8)} ${typeof v === 'string' ? v : JSON.stringify(v)}`));
    });
  const users = program.command('users').description("register users with your organisation's CA (admins)");
  users
    .command('register <name>')
    .description('register and enrol a user with a role; the API keeps the key, and tokens with sub=<name> then act as that user')
    .addOption(new Option('--role <role>', 'role attribute in the certificate').choices(ROLES).makeOptionMandatory())
    .action(async (name: string, o: { role: Role }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().registerUser({ name, role: o.role });
      ctx.print(r, () => committedLine(tr('done.registered', { name, role: o.role }), r));
    });
}

/** Registers `participants search|show|upsert`. */
export function registerParticipants(program: Command): void {
  const participants = program.command('participants').description('the registry of member organisations (kept by City admins)');
  participants
    .command('search')
    .description('list participants, or those with a capability (for emergency re-sourcing)')
    .option('--capability <token>', 'e.g. zinc_plating')
    .action(async (o: { capability?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const list = await ctx.api().listParticipants(o.capability);
      ctx.print(list, () =>
        list.length > 0 ? participantsTable(list) : `no participant${o.capability ? ` with capability ${o.capability}` : ''}`,
      );
    });
  participants
    .command('show <msp>')
    .description('one participant')
    .action(async (msp: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const p = await ctx.api().getParticipant(msp);
      ctx.print(p, () => participantsTable([p]));
    });
  participants
    .command('upsert <file>')
    .description('add or update a participant from JSON {msp, name, kind, location, capabilities, certifications} (City admin)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().upsertParticipant(readJsonFile<ParticipantInput>(file));
      ctx.print(r, () => committedLine(tr('done.participant', { msp: r.value.msp }), r));
    });
}

/** Registers `events` (a live tail of the ledger's events). */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('follow ledger events live (Ctrl-C to stop); --json prints one JSON object per line')
    .option('--lot <lotId>', 'only events of this lot')
    .option('--type <types>', 'only these event types, comma-separated (e.g. RecallStarted,HoldPlaced)')
    .option('--since <eventId>', 'resume after this event id (SSE Last-Event-ID)')
    .option('--count <n>', 'stop after n events')
    .action(async (o: { lot?: string; type?: string; since?: string; count?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const limit = o.count ? parsePositiveInt(o.count, '--count', 1) : undefined;
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      let seen = 0;
      await ctx
        .api()
        .streamEvents(
          {
            ...(o.lot ? { lotId: o.lot } : {}),
            ...(o.type ? { types: o.type.split(',') } : {}),
            ...(o.since ? { lastEventId: o.since } : {}),
            signal: abort.signal,
          },
          (event) => {
            if (limit !== undefined && seen >= limit) return;
            if (ctx.json) process.stdout.write(`${JSON.stringify(event)}\n`);
            else process.stdout.write(`${event.id ?? '-'}  ${event.type}  ${event.lotId ?? ''}  ${event.txId ? `tx ${event.txId}` : ''}\n`);
            seen += 1;
            if (limit !== undefined && seen >= limit) abort.abort();
          },
        )
        .catch((err: unknown) => {
          if (!abort.signal.aborted) throw err;
        });
      if (limit !== undefined && seen < limit && !abort.signal.aborted)
        throw new SetupError(`the event stream ended after ${seen} of ${limit} events: run the command again to resume`, EXIT.unavailable);
    });
}
