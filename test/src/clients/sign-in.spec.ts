/**
 * Signing in from the CLI at the organisations' real OpenID providers:
 * `lotline login` with the device authorization flow (a real `lotline`
 * process; the person's part is done in headless chromium on the provider's
 * own pages), `lotline login` with client credentials, `lotline token mint`,
 * and `lotline logout`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { demoPasswords, idpDir, issuerUrl } from '../../../network/src/idp/local';
import { SECRETS_FILE } from '../../../network/src/idp/files';
import { serviceClientSecret } from '../../../network/src/idp/clients';
import { cli } from '../support/cli';
import { config, org } from '../support/network';
import { launchChromium } from './support/chromium';

const MAIN = path.join(config.repoRoot, 'clients', 'src', 'cli', 'main.ts');
const TSX = path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');

describe('clients: signing in from the CLI', function () {
  this.timeout(240_000);
  let home: string;
  let tokenFile: string;

  before(function () {
    home = mkdtempSync(path.join(tmpdir(), 'lotline-sign-in-'));
    tokenFile = path.join(home, 'tokens.json');
  });
  after(function () {
    rmSync(home, { recursive: true, force: true });
  });

  it("lotline login: the device flow prints an address and a code; after the person signs in at PartsCo's provider, the CLI acts as that user", async function () {
    const child = spawn(process.execPath, ['--require', TSX, MAIN, '--org', 'PartsCo', 'login'], {
      cwd: config.repoRoot,
      env: { ...process.env, LOTLINE_TOKEN_FILE: tokenFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const prompt = new Promise<{ url: string; code: string }>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const url = /open\n\s+(\S+)/.exec(stderr)?.[1];
        const code = /confirm the code (\S+)/.exec(stderr)?.[1];
        if (url && code) resolve({ url, code });
      });
      child.once('exit', (code) => reject(new Error(`lotline login exited with ${code} before prompting:\n${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const { url, code } = await prompt;
    expect(new URL(url).origin).to.equal(issuerUrl(org('PartsCo')));
    const browser = await launchChromium();
    try {
      const page = await browser.browser.newPage();
      await page.goto(url);
      expect(await page.textContent('#user-code')).to.equal(code);
      await page.click('#confirm');
      await page.waitForSelector('#username', { timeout: 60_000 });
      await page.fill('#username', 'qm1');
      await page.fill('#password', demoPasswords(org('PartsCo')).qm1 ?? '');
      await page.click('#sign-in');
      await page.waitForSelector('#signed-in', { timeout: 60_000 });
    } finally {
      await browser.close();
    }
    expect(await exited, stderr).to.equal(0);
    expect(stdout).to.contain('Signed in to PartsCo as qm1');
    expect(statSync(tokenFile).mode & 0o777).to.equal(0o600);
    const kept = Object.values(JSON.parse(readFileSync(tokenFile, 'utf8')) as Record<string, { accessToken: string }>);
    expect(decodeJwt(kept[0]?.accessToken ?? '')).to.include({ iss: issuerUrl(org('PartsCo')), sub: 'qm1', client_id: 'lotline-cli' });

    const me = await cli(['--org', 'PartsCo', '--json', 'whoami'], { LOTLINE_TOKEN_FILE: tokenFile });
    expect(me.code).to.equal(0);
    expect(JSON.parse(me.out)).to.include({ user: 'qm1', mspId: 'PartsCoMSP', role: 'quality_manager' });
  });

  it("lotline login --client-id/--client-secret: client credentials at the Bank's provider, for scripts", async function () {
    const { serviceSecret } = JSON.parse(readFileSync(path.join(idpDir(org('Bank')), SECRETS_FILE), 'utf8')) as { serviceSecret: string };
    const half = await cli(['--org', 'Bank', 'login', '--client-id', 'auditor1'], { LOTLINE_TOKEN_FILE: tokenFile });
    expect(half.code, 'a client id without a secret is a usage error').to.equal(1);
    const ok = await cli(['--org', 'Bank', '--json', 'login'], {
      LOTLINE_TOKEN_FILE: tokenFile,
      LOTLINE_CLIENT_ID: 'auditor1',
      LOTLINE_CLIENT_SECRET: serviceClientSecret(serviceSecret, 'auditor1'),
    });
    expect(ok.code).to.equal(0);
    expect(JSON.parse(ok.out)).to.include({ signedIn: true, user: 'auditor1', org: 'Bank' });
    const me = await cli(['--org', 'Bank', '--json', 'whoami'], { LOTLINE_TOKEN_FILE: tokenFile });
    expect(JSON.parse(me.out)).to.include({ user: 'auditor1', mspId: 'BankMSP', role: 'auditor' });
  });

  it('lotline login with a wrong client secret fails with exit 3 and says the provider refused', async function () {
    const res = await cli(['--org', 'Bank', 'login'], {
      LOTLINE_TOKEN_FILE: tokenFile,
      LOTLINE_CLIENT_ID: 'auditor1',
      LOTLINE_CLIENT_SECRET: 'not-the-secret',
    });
    expect(res.code).to.equal(3);
  });

  it("lotline token mint prints a token from the organisation's own provider", async function () {
    const res = await cli(['--org', 'City', 'token', 'mint', '--user', 'inspector1']);
    expect(res.code).to.equal(0);
    expect(decodeJwt(res.out.trim())).to.include({ iss: issuerUrl(org('City')), sub: 'inspector1', org: 'CityMSP' });
  });

  it('lotline logout forgets the token: the next command asks to sign in (exit 3)', async function () {
    const out = await cli(['--org', 'PartsCo', 'logout'], { LOTLINE_TOKEN_FILE: tokenFile });
    expect(out.code).to.equal(0);
    expect(out.out).to.contain('Signed out');
    const me = await cli(['--org', 'PartsCo', 'whoami'], { LOTLINE_TOKEN_FILE: tokenFile });
    expect(me.code).to.equal(3);
  });
});
