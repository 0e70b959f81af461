#!/usr/bin/env node
/**
 * `lotline`: the command-line client of the Lotline API.
 *
 *   npx tsx clients/src/cli/main.ts --help
 *
 * Configuration: LOTLINE_API_URL (or --api-url; default: the local topology's
 * API of --org / LOTLINE_ORG / the token's organisation), LOTLINE_TOKEN (or
 * --token), LOTLINE_CA_FILE (or --ca-file: the CA that verifies an HTTPS API). Exit codes: see `exit-codes.ts` and clients/README.md.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isLanguage, type Language } from '@lotline/i18n';
import { ApiError } from '../api-client';
import { setCliLanguage, tr } from '../render/language';
import { registerEvidence } from './commands/evidence';
import { registerLogin } from './commands/login';
import { registerLots, registerTransfers } from './commands/lots';
import { registerMember, registerUserRevoke } from './commands/member';
import { registerEvents, registerParticipants, registerToken, registerUsers } from './commands/misc';
import { registerHolds, registerInspections, registerRecalls } from './commands/quality';
import { registerSpreadsheets } from './commands/spreadsheets';
import { registerVerify } from './commands/verify';
import { adviceFor, EXIT, exitCodeFor } from './exit-codes';

const EXIT_HELP = `
Exit codes:
  0  success (verify: every check passed)
  1  usage error or invalid input (400)
  2  not found (404), or verify / evidence verify found a mismatch
  3  missing/invalid token or forbidden (401, 403)
  4  API or peer unavailable (503, network error, timeout)
  5  refused by the ledger's rules (409: on hold, recalled, duplicate, conflict)

Environment:
  LOTLINE_API_URL   API base URL (default: the local network's API of --org)
  LOTLINE_TOKEN     bearer token (else the one kept by lotline login; scripts: lotline token mint --org PartsCo --user qm1)
  LOTLINE_ORG       default organisation for the API URL
  LOTLINE_CA_FILE   CA (PEM) that verifies an HTTPS API and its provider, e.g. <dataDir>/orgs/<org>/msp/tlscacerts/tlsca.pem
  LOTLINE_LANG      language of the human output (en, ja; else LC_ALL, LC_MESSAGES, LANG)
  LOTLINE_DATA_DIR, LOTLINE_PORT_OFFSET   the local network (token mint, verify)
`;

function parseLanguage(value: string): Language {
  if (!isLanguage(value)) throw new InvalidArgumentError(tr('errors.lang', { value }));
  return value;
}

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('lotline')
    .description('Lotline traceability ledger: lots, traces, inspections, holds, recalls, custody and proofs')
    .option('--api-url <url>', 'API base URL (env LOTLINE_API_URL)')
    .option('--org <org>', 'organisation whose local API to use: City, PartsCo, AssemblyCo, Bank (env LOTLINE_ORG)')
    .option('--token <jwt>', 'bearer token (env LOTLINE_TOKEN)')
    .option(
      '--ca-file <pem>',
      "verify the API's and its identity provider's HTTPS certificates against this CA (env LOTLINE_CA_FILE; the local network's own with --org)",
    )
    .option('--json', 'machine-readable JSON output')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', '60000')
    .option('--lang <language>', tr('options.lang'), parseLanguage)
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.hook('preAction', (_program, action) => {
    const chosen = action.optsWithGlobals<{ lang?: Language }>().lang;
    if (chosen !== undefined) setCliLanguage(chosen);
  });
  registerLogin(program);
  registerToken(program);
  registerUsers(program);
  registerUserRevoke(program);
  registerLots(program);
  registerTransfers(program);
  registerInspections(program);
  registerHolds(program);
  registerRecalls(program);
  registerParticipants(program);
  registerEvents(program);
  registerVerify(program);
  registerEvidence(program);
  registerSpreadsheets(program);
  registerMember(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

function report(err: unknown, json: boolean): number {
  // JSON output is for programs: it stays in English whatever the language of the human output.
  if (json) setCliLanguage('en');
  const code = exitCodeFor(err);
  const message = err instanceof Error ? err.message : String(err);
  const advice = adviceFor(err);
  if (json) {
    const body =
      err instanceof ApiError
        ? { error: { code: err.code, status: err.status, message, advice, problem: err.problem } }
        : { error: { message, advice } };
    process.stderr.write(`${JSON.stringify(body)}\n`);
  } else {
    process.stderr.write(`lotline: ${message}\n${advice ? `  → ${advice}\n` : ''}`);
  }
  return code;
}

/** Runs the CLI with `argv` (process.argv form) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse error is a usage error (commander printed it).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return report(err, argv.includes('--json'));
  }
}

if (require.main === module) {
  runCli(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`lotline: ${String(err)}\n`);
      process.exit(EXIT.unavailable);
    },
  );
}
