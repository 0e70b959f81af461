/**
 * Every organisation on a host of its own (issue 15 §4). Four Linux network
 * namespaces stand for the hosts of City, PartsCo, AssemblyCo and the Bank,
 * each with its own address, host name and data folder holding only its own
 * secrets. The network is built by the steps of the README's "More than one
 * machine", each run on its own host, and only public files travel between
 * hosts (this spec copies them, as the organisations would send them):
 *
 *   init (each) → import-org (each) → create-channel (City) → join --block
 *   (each; the orderers first) → approve (each) → commit (City) → serve (each)
 *
 * Then a lot created on PartsCo's host is traced from the Bank's host, a
 * custody transfer runs across hosts, AssemblyCo's host (an orderer) is cut
 * off while writes go on, and its orderer catches up once its link is back.
 *
 * Needs root for the namespaces; `LOTLINE_SKIP_MULTIHOST=1` opts out, and says so.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bin } from '../../../network/src/binaries';
import { loadConfig, REPO_ROOT } from '../../../network/src/config';
import { certSpki, issuedBy, scanKeys } from '../support/keys';
import { Hosts, type HostRun } from './namespaces';

const KEYS = ['city', 'partsco', 'assemblyco', 'bank'] as const;
type Key = (typeof KEYS)[number];
const ORDERER_HOSTS: Key[] = ['city', 'partsco', 'assemblyco'];
const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
const TOPOLOGY = JSON.parse(readFileSync(path.join(REPO_ROOT, 'network', 'topology.json'), 'utf8')) as {
  orgs: { key: string; mspId: string; host: string; ports: Record<string, number> }[];
};

/** `lots create` arguments for a lot made at PartsCo's Kobe site, with inputs `lotId=amount`. */
function createArgs(id: string, product: string, name: string, quantity: string, line: string, inputs: string[] = []): string[] {
  return [
    'lots',
    'create',
    '--id',
    id,
    '--product',
    product,
    '--name',
    name,
    '--quantity',
    quantity,
    ...inputs.flatMap((input) => ['--input', input]),
    '--site',
    'Kobe',
    '--line',
    line,
  ];
}

describe('every organisation on its own host (network namespaces)', function () {
  // Bring-up on four simulated hosts; each step's time is printed.
  this.timeout(20 * 60_000);
  const optedOut = process.env.LOTLINE_SKIP_MULTIHOST === '1';
  let hosts: Hosts | undefined;
  let root = '';
  const timings: string[] = [];

  const folder = (key: Key) => path.join(root, key);
  const dataDir = (key: Key) => path.join(folder(key), 'data');
  const inbox = (key: Key) => path.join(folder(key), 'inbox');

  /** The environment of a host: its own data folder, topology copy and organisation, nothing inherited from the test run. */
  const hostEnv = (key: Key): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.LOTLINE_BIN_CACHE !== undefined ? { LOTLINE_BIN_CACHE: process.env.LOTLINE_BIN_CACHE } : {}),
    LOTLINE_DATA_DIR: dataDir(key),
    LOTLINE_TOPOLOGY: path.join(folder(key), 'topology.json'),
    LOTLINE_LOCAL_ORGS: key,
    LOTLINE_LISTEN_HOST: hosts?.host(key).address ?? '',
    LOTLINE_PORT_OFFSET: '0',
    // Every host runs the same release; the runner built the chaincode once (a build per host would race on dist/).
    LOTLINE_CHAINCODE_DIR: path.join(REPO_ROOT, 'chaincode'),
    LOTLINE_LANG: 'en',
  });

  const fail = (what: string, r: HostRun) =>
    new Error(`${what} failed (exit ${r.code}):\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);

  /** `npm run network -- <step>` on a host. */
  async function step(key: Key, args: string[]): Promise<HostRun> {
    const r = await hosts!.run(key, process.execPath, ['--require', TSX, 'network/src/cli.ts', ...args], hostEnv(key), { cwd: REPO_ROOT });
    timings.push(`${key} ${args[0]}: ${(r.ms / 1000).toFixed(1)} s`);
    if (r.code !== 0) throw fail(`${key}: network ${args.join(' ')}`, r);
    return r;
  }

  const tokens = new Map<string, string>();

  /** `lotline <args> --json` on a host, as its user (a token from its own provider, minted once), against its own organisation's API. */
  async function lotline(key: Key, user: string, args: string[]): Promise<unknown> {
    const env = hostEnv(key);
    const cli = (a: string[]) =>
      hosts!.run(key, process.execPath, ['--require', TSX, 'clients/src/cli/main.ts', '--org', key, ...a], env, {
        cwd: REPO_ROOT,
        timeoutMs: 180_000,
      });
    let token = tokens.get(`${key}/${user}`);
    if (token === undefined) {
      const minted = await cli(['token', 'mint', '--user', user]);
      if (minted.code !== 0) throw fail(`${key}: token mint --user ${user}`, minted);
      token = minted.stdout.trim();
      tokens.set(`${key}/${user}`, token);
    }
    const r = await cli(['--token', token, '--json', '--timeout', '150000', ...args]);
    if (r.code !== 0) throw fail(`${key}: lotline ${args.join(' ')}`, r);
    return JSON.parse(r.stdout) as unknown;
  }

  /** Repeats a read (its failures too) until its answer passes `done`, for up to 30 s; returns the last answer. */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const value = await read();
        if (done(value) || Date.now() > deadline) return value;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** A copy of a public file from one host's folder into another's inbox: what the organisations send each other. */
  function send(from: Key, file: string, to: Key): string {
    const target = path.join(inbox(to), `${from}-${path.basename(file)}`);
    copyFileSync(file, target);
    return target;
  }

  before(async function () {
    if (optedOut) {
      process.stdout.write('      multi-host spec OPTED OUT by LOTLINE_SKIP_MULTIHOST=1: the namespace tests did not run\n');
      this.skip();
    }
    root = mkdtempSync(path.join(tmpdir(), 'lotline-hosts-'));
    hosts = new Hosts([...KEYS]);
    hosts.create();
    // The topology is public: endpoints only. Each host gets its own copy with every organisation's host name.
    const topology = {
      ...TOPOLOGY,
      orgs: TOPOLOGY.orgs.map((o) => ({ ...o, host: hosts!.host(o.key).hostname })),
    };
    for (const key of KEYS) {
      mkdirSync(inbox(key), { recursive: true });
      writeFileSync(path.join(folder(key), 'topology.json'), JSON.stringify(topology, null, 2));
    }

    // 1. Each organisation, on its own host: its CA, identities, public file.
    await Promise.all(KEYS.map((key) => step(key, ['init'])));
    // 2. The public files travel to every other host, which imports them.
    await Promise.all(
      KEYS.map((key) => {
        const files = KEYS.filter((other) => other !== key).map((other) =>
          send(other, path.join(dataDir(other), 'public', `${other}.json`), key),
        );
        return step(key, ['import-org', ...files]);
      }),
    );
    // 3. City creates the channel; the block travels to every other host.
    await step('city', ['create-channel']);
    const block = path.join(dataDir('city'), 'channel', 'lotline.block');
    // 4. The orderers join (osnadmin), each on its own host, with their peers; then the Bank's peer.
    await Promise.all(ORDERER_HOSTS.map((key) => step(key, ['join', '--block', key === 'city' ? block : send('city', block, key)])));
    await step('bank', ['join', '--block', send('city', block, 'bank')]);
    // 5. Each organisation installs and approves; City commits.
    await Promise.all(KEYS.map((key) => step(key, ['approve'])));
    await step('city', ['commit']);
    // 6. The organisations whose APIs the tests use start their OpenID provider and API.
    await Promise.all((['partsco', 'assemblyco', 'bank'] as const).map((key) => step(key, ['serve'])));
    process.stdout.write(`      multi-host bring-up: ${timings.join(', ')}\n`);
  });

  after(async function () {
    if (hosts === undefined) return;
    await Promise.all(
      KEYS.map((key) =>
        hosts!.run(key, process.execPath, ['--require', TSX, 'network/src/cli.ts', 'stop'], hostEnv(key), {
          cwd: REPO_ROOT,
          timeoutMs: 60_000,
        }),
      ),
    );
    const problems = await hosts.destroy();
    if (this.currentTest?.state === 'failed' || problems.length > 0)
      process.stdout.write(`      multi-host folders kept for inspection: ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
    expect(problems).to.deep.equal([]);
  });

  it("keeps each host's secrets on that host: no private key of another organisation in its data folder", function () {
    const caOf = (key: Key) => new X509Certificate(readFileSync(path.join(dataDir(key), 'orgs', key, 'ca-server', 'ca-cert.pem')));
    const scans = new Map(KEYS.map((key) => [key, scanKeys(dataDir(key))]));
    // Each organisation's certificates, as its own host holds them.
    const issued = new Map(
      KEYS.map((key) => [
        key,
        new Set((scans.get(key)?.certs ?? []).filter((c) => issuedBy(c.cert, caOf(key))).map((c) => certSpki(c.cert))),
      ]),
    );
    for (const key of KEYS) {
      const keys = scans.get(key)?.keys ?? [];
      expect(keys.length, `${key}: its own keys are found`).to.be.greaterThan(5);
      const own = path.join(dataDir(key), 'orgs', key) + path.sep;
      expect(
        keys.filter((k) => !k.file.startsWith(own)).map((k) => k.file),
        `${key}: keys outside its own folder`,
      ).to.deep.equal([]);
      for (const other of KEYS.filter((k) => k !== key)) {
        const theirs = issued.get(other) ?? new Set<string>();
        expect(theirs.size, `${other}: certificates issued by its CA`).to.be.greaterThan(0);
        expect(
          keys.filter((k) => theirs.has(k.spki)).map((k) => k.file),
          `${other}'s keys on ${key}'s host`,
        ).to.deep.equal([]);
        expect(existsSync(path.join(dataDir(key), 'orgs', other, 'ca-server')), `${other}'s CA folder on ${key}'s host`).to.equal(false);
      }
    }
  });

  it("traces, from the Bank's host, a lot created on PartsCo's host", async function () {
    const id = `PartsCoMSP:MH-${Date.now().toString(36)}`;
    const created = (await lotline('partsco', 'qm1', createArgs(id, 'MH-PLATE', 'Plate', '10', 'L1'))) as {
      value: { id: string };
    };
    expect(created.value.id).to.equal(id);
    const child = `PartsCoMSP:MH-CHILD-${Date.now().toString(36)}`;
    await lotline('partsco', 'qm1', createArgs(child, 'MH-ASSY', 'Assembly', '2', 'L2', [`${id}=4`]));
    // The Bank's peer receives the block from the ordering service, and its read model indexes it, moments later.
    const trace = await until(
      () =>
        lotline('bank', 'auditor1', ['lots', 'trace', child, '--direction', 'backward']) as Promise<{
          root: string;
          nodes: { id: string; producer: string }[];
        }>,
      (t) => t.nodes.length >= 2,
    );
    expect(trace.root).to.equal(child);
    expect(trace.nodes.map((n) => n.id)).to.include.members([child, id]);
    expect(trace.nodes.find((n) => n.id === id)?.producer).to.equal('PartsCoMSP');
  });

  it('runs a custody transfer across hosts: PartsCo proposes, AssemblyCo accepts, the Bank sees the new custodian', async function () {
    const id = `PartsCoMSP:MH-SHIP-${Date.now().toString(36)}`;
    await lotline('partsco', 'qm1', createArgs(id, 'MH-PLATE', 'Plate', '5', 'L1'));
    await lotline('partsco', 'qm1', ['transfers', 'propose', id, '--to', 'AssemblyCoMSP']);
    const accepted = (await lotline('assemblyco', 'qm1', ['transfers', 'accept', id])) as { value: { custodian: string } };
    expect(accepted.value.custodian).to.equal('AssemblyCoMSP');
    const seen = await until(
      () => lotline('bank', 'auditor1', ['lots', 'show', id]) as Promise<{ custodian?: string; value?: { custodian: string } }>,
      (lot) => (lot.value?.custodian ?? lot.custodian) === 'AssemblyCoMSP',
    );
    expect(seen.value?.custodian ?? seen.custodian).to.equal('AssemblyCoMSP');
  });

  it("serves PartsCo's API to other hosts over HTTPS only, verified against PartsCo's CA", async function () {
    const api = TOPOLOGY.orgs.find((o) => o.key === 'partsco')?.ports.api ?? 0;
    const partsCa = path.join(dataDir('bank'), 'orgs', 'partsco', 'msp', 'tlscacerts', 'tlsca.pem');
    const curl = (args: string[]) => hosts!.run('bank', 'curl', ['-sS', '-m', '10', ...args], hostEnv('bank'));
    const verified = await curl(['--cacert', partsCa, `https://partsco.lotline.test:${api}/healthz`]);
    expect(verified.code, verified.stderr).to.equal(0);
    const unverified = await curl([`https://partsco.lotline.test:${api}/healthz`]);
    expect(unverified.code, 'without the CA, curl must refuse the certificate').to.equal(60);
    const plain = await curl([`http://partsco.lotline.test:${api}/healthz`]);
    expect(plain.stdout, 'plain HTTP must not be answered').to.not.match(/"status"/);
  });

  it("keeps the operations endpoints off the network: another host cannot reach the peer's /logspec", async function () {
    const peerOps = TOPOLOGY.orgs.find((o) => o.key === 'partsco')?.ports.peerOps ?? 0;
    const url = (host: string) => `http://${host}:${peerOps}/logspec`;
    const fromBank = await hosts!.run(
      'bank',
      'curl',
      ['-sS', '-m', '5', '-X', 'PUT', '-d', '{"spec":"DEBUG"}', url('partsco.lotline.test')],
      hostEnv('bank'),
    );
    expect(fromBank.code, `curl from the Bank's host: ${fromBank.stderr}`).to.not.equal(0);
    const onItsHost = await hosts!.run('partsco', 'curl', ['-sS', '-m', '5', url('127.0.0.1')], hostEnv('partsco'));
    expect(onItsHost.code, onItsHost.stderr).to.equal(0);
    expect(onItsHost.stdout).to.match(/"spec"/);
  });

  it("keeps writing while AssemblyCo's host (an orderer) is cut off, and its orderer catches up when the link is back", async function () {
    const osnHeight = async (key: Key): Promise<number> => {
      const org = path.join(dataDir(key), 'orgs', key);
      const ordererAdmin = TOPOLOGY.orgs.find((o) => o.key === key)?.ports.ordererAdmin ?? 0;
      const osnadmin = bin(loadConfig(), 'osnadmin');
      const r = await hosts!.run(
        key,
        osnadmin,
        [
          'channel',
          'list',
          '--channelID',
          'lotline',
          '-o',
          `${key}.lotline.test:${ordererAdmin}`,
          '--ca-file',
          path.join(org, 'msp', 'tlscacerts', 'tlsca.pem'),
          '--client-cert',
          path.join(org, 'admin', 'tls', 'server.crt'),
          '--client-key',
          path.join(org, 'admin', 'tls', 'server.key'),
        ],
        hostEnv(key),
      );
      if (r.code !== 0) throw fail(`${key}: osnadmin channel list`, r);
      const match = /"height":\s*(\d+)/.exec(r.stdout);
      if (!match?.[1]) throw new Error(`${key}: no height in ${r.stdout}`);
      return Number(match[1]);
    };
    const write = (n: number) =>
      lotline('partsco', 'qm1', createArgs(`PartsCoMSP:MH-CUT-${Date.now().toString(36)}-${n}`, 'MH-PLATE', 'Plate', '1', 'L1'));

    const before = await osnHeight('assemblyco');
    hosts!.setLink('assemblyco', false);
    const cut = Date.now();
    try {
      // Until PartsCo's peer gives up on the cut-off endorser and orderer (gRPC keepalive) and Raft has a leader
      // among the two left, a write can take a minute; then every write commits. Each attempt is a new lot.
      let first: unknown;
      while (first === undefined) {
        const t0 = Date.now();
        try {
          first = await write(0);
        } catch (error) {
          if (Date.now() - cut > 240_000) throw error;
          // What held the write up, for the report (the test asserts only that writes go on).
          const why = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);
          process.stdout.write(`      a write after the cut failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${why}\n`);
        }
      }
      const recovered = Date.now() - cut;
      for (let n = 1; n <= 3; n += 1) await write(n);
      process.stdout.write(
        `      AssemblyCo cut off: first write committed after ${(recovered / 1000).toFixed(1)} s, 3 more in ${((Date.now() - cut - recovered) / 1000).toFixed(1)} s\n`,
      );
      expect(await osnHeight('assemblyco'), 'the cut-off orderer cannot have received the new blocks').to.equal(before);
    } finally {
      hosts!.setLink('assemblyco', true);
    }
    const target = await osnHeight('city');
    expect(target).to.be.greaterThan(before);
    const deadline = Date.now() + 120_000;
    let height = await osnHeight('assemblyco');
    while (height < target && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      height = await osnHeight('assemblyco');
    }
    expect(height, "AssemblyCo's orderer height after the link came back").to.be.at.least(target);
  });
});
