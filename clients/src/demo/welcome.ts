/**
 * The last step of `npm start`: seeds the demo supply chain (idempotent),
 * and prints what to open and how to sign in (the demo users' passwords).
 *
 *   npx tsx clients/src/demo/welcome.ts
 */
import path from 'node:path';
import { findOrg, loadConfig, type Org } from '../../../network/src/config';
import { apiUrl } from '../../../network/src/network';
import { demoPasswords, issuerUrl } from '../../../network/src/idp/local';
import { tr } from '../render/language';
import { seedDemo } from './seed';

/** Sign-ins printed on start: one per kind of user the walkthrough needs. */
const SHOWN = [
  { org: 'PartsCo', user: 'qm1', why: 'partscoQm' },
  { org: 'City', user: 'inspector1', why: 'cityInspector' },
  { org: 'AssemblyCo', user: 'qm1', why: 'assemblyQm' },
  { org: 'Bank', user: 'auditor1', why: 'bankAuditor' },
];

async function main(): Promise<void> {
  const config = loadConfig();
  const out = (line = '') => process.stdout.write(`${line}\n`);
  process.stderr.write(`${tr('welcome.seeding')}\n`);
  const seeded = await seedDemo({
    config,
    onStep: (s) =>
      process.stderr.write(`                 ${tr(s.outcome === 'created' ? 'welcome.wrote' : 'welcome.exists')}  ${s.step}\n`),
  });
  const api = (org: Org) => apiUrl(org);

  out();
  out(tr('welcome.up'));
  out();
  out(tr('welcome.explorer'));
  for (const org of config.orgs) out(`    ${org.name.padEnd(11)} ${api(org)}/explorer/`);
  out();
  out(tr('welcome.users'));
  for (const s of SHOWN) {
    const org = findOrg(config, s.org);
    const password = demoPasswords(org)[s.user] ?? tr('welcome.missing');
    out(`    ${s.org.padEnd(11)} ${s.user.padEnd(11)} ${tr('welcome.password')} ${password}   ${tr(`welcome.who.${s.why}`)}`);
  }
  out();
  out(tr('welcome.idps'));
  out(`    ${config.orgs.map((o) => `${o.name} ${issuerUrl(o)}`).join('   ')}`);
  out(tr('welcome.apis'));
  out(`    ${config.orgs.map((o) => `${o.name} ${api(o)}`).join('   ')}`);
  if (config.apiTls) out(tr('welcome.tls', { files: path.join(config.dataDir, 'orgs', '<org>', 'msp', 'tlscacerts', 'tlsca.pem') }));
  out();
  out(tr('welcome.demo'));
  out(tr('welcome.defective', { recallId: seeded.recallId, lot: seeded.defectiveLot }));
  out(tr('welcome.held', { lot: seeded.heldLot }));
  out(tr('welcome.coil', { lot: seeded.coilLot }));
  out();
  out(tr('welcome.cli'));
  out('    npm run --silent lotline -- login --org PartsCo');
  out(`    npm run --silent lotline -- --org PartsCo lots trace ${seeded.coilLot} --direction forward`);
  out(`    npm run --silent lotline -- --org PartsCo recalls show ${seeded.recallId}`);
  out(tr('welcome.scripts'));
  out();
  out(tr('welcome.language'));
  out(tr('welcome.stop'));
}

main().catch((err: unknown) => {
  process.stderr.write(`\n${tr('welcome.failed', { message: err instanceof Error ? err.message : String(err) })}\n`);
  process.stderr.write(`${tr('welcome.failedNext')}\n`);
  process.exit(1);
});
