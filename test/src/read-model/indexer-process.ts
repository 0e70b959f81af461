/**
 * An indexer in its own process, for the crash and rebuild specs: indexes
 * PartsCo's peer into the store `RM_STORE` (a JSON StoreLocation: a PGlite
 * folder, or a schema on a PostgreSQL server) until `RM_UNTIL` blocks are
 * indexed, then exits 0. With `RM_KILL_AT_BLOCK=N` it kills itself (SIGKILL)
 * inside block N's database transaction, after the block's rows and the
 * moved checkpoint are written and before the commit.
 */
import { Indexer, openStore, type StoreLocation } from '@lotline/read-model';
import { config, connect } from '../support/network';

async function main(): Promise<void> {
  const location = JSON.parse(process.env.RM_STORE ?? '{}') as StoreLocation;
  const until = BigInt(process.env.RM_UNTIL ?? '0');
  const killAt = process.env.RM_KILL_AT_BLOCK;
  const store = await openStore(location);
  const conn = connect('PartsCo', 'auditor1');
  const indexer = new Indexer({
    store,
    gateway: () => conn.gateway,
    channel: config.channel,
    chaincode: config.chaincode,
    beforeCommit: async (block) => {
      if (killAt !== undefined && block.number === BigInt(killAt)) process.kill(process.pid, 'SIGKILL');
    },
  });
  await indexer.start();
  while (indexer.nextBlock < until) await new Promise((resolve) => setTimeout(resolve, 50));
  await indexer.stop();
  await store.close();
  conn.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`indexer process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
