/**
 * The last step of `npm start`: seeds the demo supply chain (idempotent),
 * and prints what to open and how to sign in (the demo users' passwords).
 *
 *   npx tsx clients/src/demo/welcome.ts
 */
import { findOrg, loadConfig, port, type Org } from '../../../network/src/config';
import { demoPasswords, issuerUrl } from '../../../network/src/idp/local';
import { seedDemo } from './seed';

/** Sign-ins printed on start: one per kind of user the walkthrough needs. */
const SHOWN = [
  { org: 'PartsCo', user: 'qm1', why: 'PartsCo quality manager (holds, recalls)' },
  { org: 'City', user: 'inspector1', why: 'City testing institute inspector' },
  { org: 'AssemblyCo', user: 'qm1', why: 'AssemblyCo quality manager' },
  { org: 'Bank', user: 'auditor1', why: 'Bank auditor (read-only, verify)' },
];

async function main(): Promise<void> {
  const config = loadConfig();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  process.stderr.write('[lotline] seeding the demo supply chain (skipped steps are already on the ledger)\n');
  const seeded = await seedDemo({
    config,
    onStep: (s) => process.stderr.write(`                 ${s.outcome === 'created' ? 'wrote ' : 'exists'}  ${s.step}\n`),
  });
  const api = (org: Org) => `http://${org.host}:${port(org, 'api')}`;

  out();
  out('Lotline is up.');
  out();
  out("  Web trace explorer (Sign in opens your organisation's own sign-in page):");
  for (const org of config.orgs) out(`    ${org.name.padEnd(11)} ${api(org)}/explorer/`);
  out();
  out('  Demo users (passwords generated on first start; all in orgs/<org>/idp/demo-passwords.json, mode 0600):');
  for (const s of SHOWN) {
    const org = findOrg(config, s.org);
    out(`    ${s.org.padEnd(11)} ${s.user.padEnd(11)} password ${demoPasswords(org)[s.user] ?? '(missing)'}   ${s.why}`);
  }
  out();
  out('  Identity providers (one per organisation; each API trusts only its own):');
  out(`    ${config.orgs.map((o) => `${o.name} ${issuerUrl(o)}`).join('   ')}`);
  out('  APIs (OpenAPI at /openapi.json, health at /readyz):');
  out(`    ${config.orgs.map((o) => `${o.name} ${api(o)}`).join('   ')}`);
  out();
  out('  Demo supply chain:');
  out(`    defective lot (failed plating inspection, recalled as ${seeded.recallId}): ${seeded.defectiveLot}`);
  out(`    held lot (same plating bath, hold with descendants):   ${seeded.heldLot}`);
  out(`    raw-material coil (root of both branches):             ${seeded.coilLot}`);
  out();
  out('  Try the CLI (lotline login prints an address and a code: open it, sign in as a demo user above):');
  out('    npm run --silent lotline -- login --org PartsCo');
  out(`    npm run --silent lotline -- --org PartsCo lots trace ${seeded.coilLot} --direction forward`);
  out(`    npm run --silent lotline -- --org PartsCo recalls show ${seeded.recallId}`);
  out('  Scripts: export LOTLINE_TOKEN=$(npm run --silent lotline -- token mint --org PartsCo --user qm1)   (client credentials, 1 hour)');
  out();
  out('  npm stop stops everything (data is kept); npm run reset wipes it.');
}

main().catch((err: unknown) => {
  process.stderr.write(`\nlotline: the demo step failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.stderr.write('The network is up; check `npm run status` and the logs in .lotline/logs, then run `npm start` again.\n');
  process.exit(1);
});
