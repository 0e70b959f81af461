/**
 * The last step of `npm start`: seeds the demo supply chain (idempotent),
 * mints local tokens for the demo users, and prints what to open.
 *
 *   npx tsx clients/src/demo/welcome.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, port, type NetworkConfig } from '../../../network/src/config';
import { tr } from '../render/language';
import { mintToken } from '../token';
import { seedDemo } from './seed';

/** Tokens printed on start: one per kind of user the walkthrough needs. */
const SHOWN = [
  { org: 'PartsCo', user: 'qm1', why: 'partscoQm' },
  { org: 'City', user: 'inspector1', why: 'cityInspector' },
  { org: 'AssemblyCo', user: 'qm1', why: 'assemblyQm' },
  { org: 'Bank', user: 'auditor1', why: 'bankAuditor' },
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
  process.stderr.write(`${tr('welcome.seeding')}\n`);
  const seeded = await seedDemo({
    config,
    onStep: (s) =>
      process.stderr.write(`                 ${tr(s.outcome === 'created' ? 'welcome.wrote' : 'welcome.exists')}  ${s.step}\n`),
  });
  const { file, tokens } = await tokensFile(config);
  const api = (name: string) => {
    const org = config.orgs.find((o) => o.name === name);
    return org ? `http://${org.host}:${port(org, 'api')}` : '';
  };

  out();
  out(tr('welcome.up'));
  out();
  out(tr('welcome.explorer'));
  for (const org of config.orgs) out(`    ${org.name.padEnd(11)} ${api(org.name)}/explorer/`);
  out();
  out(tr('welcome.apis'));
  out(`    ${config.orgs.map((o) => `${o.name} ${api(o.name)}`).join('   ')}`);
  out();
  out(tr('welcome.demo'));
  out(tr('welcome.defective', { recallId: seeded.recallId, lot: seeded.defectiveLot }));
  out(tr('welcome.held', { lot: seeded.heldLot }));
  out(tr('welcome.coil', { lot: seeded.coilLot }));
  out();
  out(tr('welcome.tokens', { file }));
  for (const s of SHOWN) {
    out(`    ${tr(`welcome.who.${s.why}`)}:`);
    out(`      ${tokens.get(`${s.org}/${s.user}`) ?? tr('welcome.missing')}`);
  }
  out();
  out(tr('welcome.cli'));
  out('    export LOTLINE_TOKEN=$(npm run --silent lotline -- token mint --org PartsCo --user qm1)');
  out(`    npm run --silent lotline -- lots trace ${seeded.coilLot} --direction forward`);
  out(`    npm run --silent lotline -- recalls show ${seeded.recallId}`);
  out();
  out(tr('welcome.language'));
  out(tr('welcome.stop'));
}

main().catch((err: unknown) => {
  process.stderr.write(`\n${tr('welcome.failed', { message: err instanceof Error ? err.message : String(err) })}\n`);
  process.stderr.write(`${tr('welcome.failedNext')}\n`);
  process.exit(1);
});
