/**
 * The last step of `npm start`: seeds the demo supply chain (idempotent),
 * mints local tokens for the demo users, and prints what to open.
 *
 *   npx tsx clients/src/demo/welcome.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, port, type NetworkConfig } from '../../../network/src/config';
import { mintToken } from '../token';
import { seedDemo } from './seed';

/** Tokens printed on start: one per kind of user the walkthrough needs. */
const SHOWN = [
  { org: 'PartsCo', user: 'qm1', why: 'PartsCo quality manager (holds, recalls)' },
  { org: 'City', user: 'inspector1', why: 'City testing institute inspector' },
  { org: 'AssemblyCo', user: 'qm1', why: 'AssemblyCo quality manager' },
  { org: 'Bank', user: 'auditor1', why: 'Bank auditor (read-only, verify)' },
];

const TOKEN_TTL_SECONDS = 12 * 3600;

async function tokensFile(config: NetworkConfig): Promise<{ file: string; tokens: Map<string, string> }> {
  const tokens = new Map<string, string>();
  const lines = ['# Local demo tokens, valid 12 hours. Regenerate with: npm run lotline -- token mint --org <Org> --user <user>'];
  for (const org of config.orgs) {
    for (const user of config.users) {
      const token = await mintToken(config, { org: org.name, user: user.name, ttlSeconds: TOKEN_TTL_SECONDS });
      tokens.set(`${org.name}/${user.name}`, token);
      lines.push(`LOTLINE_TOKEN_${org.key.toUpperCase()}_${user.name.toUpperCase()}=${token}`);
    }
  }
  const file = path.join(config.dataDir, 'tokens.env');
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { file, tokens };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  process.stderr.write('[lotline] seeding the demo supply chain (skipped steps are already on the ledger)\n');
  const seeded = await seedDemo({
    config,
    onStep: (s) => process.stderr.write(`                 ${s.outcome === 'created' ? 'wrote ' : 'exists'}  ${s.step}\n`),
  });
  const { file, tokens } = await tokensFile(config);
  const api = (name: string) => {
    const org = config.orgs.find((o) => o.name === name);
    return org ? `http://${org.host}:${port(org, 'api')}` : '';
  };

  out();
  out('Lotline is up.');
  out();
  out('  Web trace explorer (paste a token below to sign in):');
  for (const org of config.orgs) out(`    ${org.name.padEnd(11)} ${api(org.name)}/explorer/`);
  out();
  out('  APIs (OpenAPI at /openapi.json, health at /readyz):');
  out(`    ${config.orgs.map((o) => `${o.name} ${api(o.name)}`).join('   ')}`);
  out();
  out('  Demo supply chain:');
  out(`    defective lot (failed plating inspection, recalled as ${seeded.recallId}): ${seeded.defectiveLot}`);
  out(`    held lot (same plating bath, hold with descendants):   ${seeded.heldLot}`);
  out(`    raw-material coil (root of both branches):             ${seeded.coilLot}`);
  out();
  out(`  Tokens for every demo user are in ${file} (mode 0600). For example:`);
  for (const s of SHOWN) {
    out(`    ${s.why}:`);
    out(`      ${tokens.get(`${s.org}/${s.user}`) ?? '(missing)'}`);
  }
  out();
  out('  Try the CLI:');
  out('    export LOTLINE_TOKEN=$(npm run --silent lotline -- token mint --org PartsCo --user qm1)');
  out(`    npm run --silent lotline -- lots trace ${seeded.coilLot} --direction forward`);
  out(`    npm run --silent lotline -- recalls show ${seeded.recallId}`);
  out();
  out('  npm stop stops everything (data is kept); npm run reset wipes it.');
}

main().catch((err: unknown) => {
  process.stderr.write(`\nlotline: the demo step failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.stderr.write('The network is up; check `npm run status` and the logs in .lotline/logs, then run `npm start` again.\n');
  process.exit(1);
});
