/**
 * Fabric binaries: built from source with the Go toolchain, from the pinned
 * tools modules in `network/tools/`, and cached outside the repository under
 * `$LOTLINE_BIN_CACHE` (default `~/.cache/lotline`), keyed by version.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig } from './config';
import { ActionableError, detail, step, withHeartbeat } from './progress';
import { run } from './processes';

const FABRIC_MODULE = 'github.com/hyperledger/fabric';
const FABRIC_CA_MODULE = 'github.com/hyperledger/fabric-ca';
export const FABRIC_BINARIES = ['peer', 'orderer', 'osnadmin', 'configtxgen', 'configtxlator'];
export const FABRIC_CA_BINARIES = ['fabric-ca-server', 'fabric-ca-client'];

interface BuildTarget {
  label: string;
  toolsDir: string;
  module: string;
  commands: string[];
  outDir: string;
  ldflags: string;
  cgo: boolean;
}

function complete(outDir: string, commands: string[]): boolean {
  return existsSync(path.join(outDir, '.complete')) && commands.every((c) => existsSync(path.join(outDir, c)));
}

async function requireGo(): Promise<void> {
  try {
    await run('go', ['version'], { what: 'checking the Go toolchain' });
  } catch {
    throw new ActionableError(
      'the Go toolchain was not found on PATH, and the Fabric binaries are not in the cache yet.\n' +
        '  Install Go 1.21 or newer (Debian: apt-get install golang-go; or https://go.dev/dl), then run the command again.\n' +
        '  Or point LOTLINE_BIN_CACHE at a folder that already holds fabric-2.5.0/bin and fabric-ca-1.5.21/bin.',
    );
  }
}

/** Runs `go build -v`, counting the packages it compiles as progress. */
function goBuild(target: BuildTarget, tmpOut: string, report: (s: string) => void): Promise<void> {
  const pkgs = target.commands.map((c) => `${target.module}/cmd/${c}`);
  const args = ['build', '-v', '-trimpath', '-ldflags', target.ldflags, '-o', `${tmpOut}/`, ...pkgs];
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd: target.toolsDir,
      env: { ...process.env, CGO_ENABLED: target.cgo ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let compiled = 0;
    let tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail = [...tail.slice(-30), line];
        if (!line.startsWith('#') && !line.includes(' ')) compiled += 1;
      }
      report(`${compiled} packages compiled`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new ActionableError(
            `building ${target.label} failed (go build exited ${String(code)}):\n${tail.join('\n')}\n` +
              '  Check the Go toolchain (go version), the C compiler for cgo (gcc), free disk space and access to the Go module proxy, then run again.',
          ),
        );
    });
  });
}

async function build(target: BuildTarget): Promise<void> {
  await requireGo();
  step(`building ${target.label} from source (cold builds take a few minutes; cached afterwards in ${target.outDir})`);
  await withHeartbeat(`downloading ${target.label} modules`, async () => {
    await run('go', ['mod', 'download'], {
      cwd: target.toolsDir,
      what: `downloading the Go modules for ${target.label}`,
      hint: 'The Go module proxy must be reachable (GOPROXY). Run again once it is.',
    });
  });
  const tmpOut = `${target.outDir}.partial`;
  rmSync(tmpOut, { recursive: true, force: true });
  mkdirSync(tmpOut, { recursive: true });
  await withHeartbeat(`compiling ${target.label}`, (report) => goBuild(target, tmpOut, report));
  writeFileSync(path.join(tmpOut, '.complete'), new Date().toISOString());
  rmSync(target.outDir, { recursive: true, force: true });
  renameSync(tmpOut, target.outDir);
  detail(`${target.label}: ${target.commands.join(', ')} ready`);
}

/** The folder of a module in the Go module cache, as resolved by the tools module. */
async function moduleDir(toolsDir: string, module: string): Promise<string> {
  const out = await run('go', ['list', '-m', '-f', '{{.Dir}}', module], { cwd: toolsDir, what: `locating ${module}` });
  return out.trim();
}

/**
 * Makes sure every Fabric and Fabric CA binary is in the cache, building what
 * is missing, and copies Fabric's `sampleconfig/` beside them.
 */
export async function ensureBinaries(config: NetworkConfig): Promise<void> {
  const tools = path.join(config.repoRoot, 'network', 'tools');
  const fabric: BuildTarget = {
    label: `Fabric ${config.fabricVersion}`,
    toolsDir: path.join(tools, 'fabric'),
    module: FABRIC_MODULE,
    commands: FABRIC_BINARIES,
    outDir: config.bin.fabric,
    ldflags: `-X ${FABRIC_MODULE}/common/metadata.Version=${config.fabricVersion}`,
    cgo: false,
  };
  const ca: BuildTarget = {
    label: `Fabric CA ${config.fabricCaVersion}`,
    toolsDir: path.join(tools, 'fabric-ca'),
    module: FABRIC_CA_MODULE,
    commands: FABRIC_CA_BINARIES,
    outDir: config.bin.fabricCa,
    ldflags: `-X ${FABRIC_CA_MODULE}/lib/metadata.Version=${config.fabricCaVersion}`,
    cgo: true,
  };
  for (const target of [fabric, ca]) {
    if (complete(target.outDir, target.commands)) continue;
    await build(target);
  }
  if (!existsSync(path.join(config.bin.sampleConfig, 'core.yaml'))) {
    const src = path.join(await moduleDir(fabric.toolsDir, FABRIC_MODULE), 'sampleconfig');
    const tmp = `${config.bin.sampleConfig}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(src, tmp, { recursive: true });
    renameSync(tmp, config.bin.sampleConfig);
  }
  step(`Fabric binaries ready in ${config.bin.cacheRoot}`);
}

/** Absolute path of a Fabric or Fabric CA binary in the cache. */
export function bin(config: NetworkConfig, name: string): string {
  return FABRIC_CA_BINARIES.includes(name) ? path.join(config.bin.fabricCa, name) : path.join(config.bin.fabric, name);
}
