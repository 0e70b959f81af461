/**
 * Unit tests of process management: the bad states that must get a clear
 * message (a busy port, a process that dies at start, a stale pid file).
 * They start small `node` processes, not Fabric.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type NetworkConfig } from '../src/config';
import { isListening, runningPid, startProcess, stopProcess } from '../src/processes';
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
});
