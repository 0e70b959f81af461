/**
 * Unit tests of process management: the bad states that must get a clear
 * message (a busy port, a process that dies at start, a stale pid file), and
 * stopping in tiers. They start small `node` processes, not Fabric.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type NetworkConfig } from '../src/config';
import { stopNetwork } from '../src/network';
import { isListening, runningPid, startProcess, stopProcess, stopTiers, type StopEvent } from '../src/processes';
import { ActionableError } from '../src/progress';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('process management', function () {
  let config: NetworkConfig;
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lotline-proc-'));
    config = loadConfig({ LOTLINE_DATA_DIR: dir });
  });
  afterEach(async function () {
    await stopProcess(config, 'listener');
    rmSync(dir, { recursive: true, force: true });
  });

  const listener = (port: number) => ({
    name: 'listener',
    command: process.execPath,
    match: `listen-${port}`,
    args: ['-e', `require('net').createServer().listen(${port}, '127.0.0.1'); /* listen-${port} */`],
    env: {},
    ports: [{ host: '127.0.0.1', port, what: 'test listener' }],
    ready: () => isListening('127.0.0.1', port),
    readyTimeoutSec: 10,
  });

  describe('when the port is already taken by another program', function () {
    it('refuses to start and says how to find the program and move the ports', async function () {
      const port = await freePort();
      const blocker = net.createServer().listen(port, '127.0.0.1');
      try {
        const err = await startProcess(config, listener(port)).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ActionableError);
        expect((err as Error).message)
          .to.include(`port ${port}`)
          .and.include('LOTLINE_PORT_OFFSET');
      } finally {
        blocker.close();
      }
    });
  });

  describe('when the process exits during start', function () {
    it('reports the exit and shows the tail of its log', async function () {
      const spec = { ...listener(await freePort()), args: ['-e', 'console.error("boom: config missing"); process.exit(3)'] };
      const err = await startProcess(config, spec).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ActionableError);
      expect((err as Error).message)
        .to.include('exited with code 3')
        .and.include('boom: config missing');
    });
  });

  describe('when started twice', function () {
    it('starts once, then finds it running and leaves it', async function () {
      const spec = listener(await freePort());
      expect(await startProcess(config, spec)).to.equal(true);
      const pid = runningPid(config, 'listener');
      expect(await startProcess(config, spec)).to.equal(false);
      expect(runningPid(config, 'listener')).to.equal(pid);
    });
  });

  describe('with a stale pid file left by a crash', function () {
    it('ignores the dead pid, removes the file and starts normally', async function () {
      const spec = listener(await freePort());
      mkdirSync(config.runDir, { recursive: true });
      const file = path.join(config.runDir, 'listener.pid');
      writeFileSync(file, JSON.stringify({ pid: 999_999_9, command: spec.match }));
      expect(runningPid(config, 'listener')).to.equal(undefined);
      expect(existsSync(file)).to.equal(false);
      expect(await startProcess(config, spec)).to.equal(true);
    });

    it('never treats a recycled pid running another program as ours', function () {
      mkdirSync(config.runDir, { recursive: true });
      writeFileSync(
        path.join(config.runDir, 'listener.pid'),
        JSON.stringify({ pid: process.pid, command: 'fabric-peer-that-is-not-this' }),
      );
      expect(runningPid(config, 'listener')).to.equal(undefined);
    });
  });

  describe('stop', function () {
    it('stops the process it started and frees the port', async function () {
      const port = await freePort();
      await startProcess(config, listener(port));
      expect(await stopProcess(config, 'listener')).to.equal(true);
      expect(await isListening('127.0.0.1', port)).to.equal(false);
    });
  });

  describe('stop in tiers', function () {
    // Each test starts a few node processes: seconds on a loaded 2-core machine.
    this.timeout(30_000);
    /** A node process listening on a free port; `stubborn` ones ignore SIGTERM. */
    async function startNamed(name: string, stubborn = false): Promise<number> {
      const port = await freePort();
      const ignore = stubborn ? "process.on('SIGTERM', () => undefined); " : '';
      await startProcess(config, {
        ...listener(port),
        name,
        args: ['-e', `${ignore}require('net').createServer().listen(${port}, '127.0.0.1'); /* listen-${port} */`],
      });
      return port;
    }

    const index = (events: StopEvent[], name: string, what: StopEvent['what']): number =>
      events.findIndex((e) => e.name === name && e.what === what);

    afterEach(async function () {
      const names = [
        'a1',
        'a2',
        'b1',
        'stubborn-1',
        'stubborn-2',
        'polite',
        'api-city',
        'chaincode-city',
        'peer-city',
        'orderer-city',
        'ca-city',
      ];
      await stopTiers(config, [names], { graceMs: 200 });
    });

    it('signals a tier only once every process of the tier before it has exited', async function () {
      const ports = await Promise.all(['a1', 'a2', 'b1'].map((n) => startNamed(n)));
      const report = await stopTiers(config, [['a1', 'a2'], ['b1']]);
      const firstB = index(report.events, 'b1', 'SIGTERM');
      expect(firstB)
        .to.be.above(index(report.events, 'a1', 'exited'))
        .and.above(index(report.events, 'a2', 'exited'));
      expect(report.stopped).to.have.members(['a1', 'a2', 'b1']);
      expect(report.killed).to.deep.equal([]);
      for (const port of ports) expect(await isListening('127.0.0.1', port)).to.equal(false);
      for (const name of ['a1', 'a2', 'b1']) expect(runningPid(config, name)).to.equal(undefined);
    });

    it('sends SIGTERM to the whole tier before waiting, then kills together the ones that ignore it, and names them', async function () {
      for (const [name, stubborn] of [
        ['stubborn-1', true],
        ['polite', false],
        ['stubborn-2', true],
      ] as const)
        await startNamed(name, stubborn);
      const report = await stopTiers(config, [['stubborn-1', 'polite', 'stubborn-2']], { graceMs: 1500 });
      const what = report.events.map((e) => `${e.what} ${e.name}`);
      // One round of SIGTERM, the polite one exits, and only then a round of SIGKILL: not one process after the other.
      expect(what.slice(0, 3)).to.have.members(['SIGTERM stubborn-1', 'SIGTERM polite', 'SIGTERM stubborn-2']);
      expect(what[3]).to.equal('exited polite');
      expect(what.slice(4, 6)).to.have.members(['SIGKILL stubborn-1', 'SIGKILL stubborn-2']);
      expect(what.slice(6)).to.have.members(['exited stubborn-1', 'exited stubborn-2']);
      expect(report.killed).to.have.members(['stubborn-1', 'stubborn-2']);
      expect(report.notExited).to.deep.equal([]);
      expect(report.stopped).to.have.members(['stubborn-1', 'polite', 'stubborn-2']);
    });

    it('stops the network in dependency order: APIs, chaincode servers, peers, orderers, CAs', async function () {
      const order = ['api-city', 'chaincode-city', 'peer-city', 'orderer-city', 'ca-city'];
      for (const name of [...order].reverse()) await startNamed(name);
      const report = await stopNetwork(config);
      expect(report.events.filter((e) => e.what === 'SIGTERM').map((e) => e.name)).to.deep.equal(order);
      for (const [i, name] of order.slice(1).entries()) {
        const before = order[i] as string;
        expect(index(report.events, name, 'SIGTERM'), `${name} after ${before} exited`).to.be.above(index(report.events, before, 'exited'));
      }
      expect(report.stopped).to.deep.equal(order);
    });

    it('never signals a pid file whose process now runs another program', async function () {
      mkdirSync(config.runDir, { recursive: true });
      writeFileSync(path.join(config.runDir, 'a1.pid'), JSON.stringify({ pid: process.pid, command: 'fabric-peer-that-is-not-this' }));
      const report = await stopTiers(config, [['a1']]);
      expect(report.events).to.deep.equal([]);
      expect(report.stopped).to.deep.equal([]);
    });
  });
});
