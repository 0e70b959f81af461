/**
 * Run a command with every organisation's read model on a throwaway
 * PostgreSQL server (Debian's packages, as the bench installs them): starts
 * the server, runs the command with `LOTLINE_READ_DB_URL` set, stops and
 * deletes the server, and exits with the command's status.
 *
 *   npx tsx test/src/with-postgres.ts npx tsx test/src/run-integration.ts test/src/epcis/query.spec.ts
 */
import { spawnSync } from 'node:child_process';
import { startPostgres } from '../bench/postgres';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    process.stderr.write('usage: npx tsx test/src/with-postgres.ts <command> [args...]\n');
    return 2;
  }
  const postgres = await startPostgres();
  try {
    const url = `postgres://postgres@127.0.0.1:${postgres.port}/postgres`;
    const run = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, LOTLINE_READ_DB_URL: url } });
    return run.status ?? 1;
  } finally {
    postgres.stop();
  }
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
