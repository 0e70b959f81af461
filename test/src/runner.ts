/**
 * What the test runners (integration, faults, bad input) share: running mocha
 * in a child process against the network they brought up, and tearing that
 * network down afterwards unless the caller keeps it.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig } from '../../network/src/config';
import { stopNetwork } from '../../network/src/network';
import { step } from '../../network/src/progress';

/** Runs the repository's mocha with `args` (output inherited); resolves with its exit code. */
export function runMocha(config: NetworkConfig, args: readonly string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const mocha = spawn(process.execPath, [path.join(config.repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...args], {
      cwd: config.repoRoot,
      stdio: 'inherit',
      env: process.env,
    });
    mocha.on('exit', (c) => resolve(c ?? 1));
  });
}

/** Stops the network and deletes its data folder (`what` names it in the progress line). */
export async function tearDownNetwork(config: NetworkConfig, what: string): Promise<void> {
  step(`tearing down the ${what} network`);
  await stopNetwork(config);
  rmSync(config.dataDir, { recursive: true, force: true });
}
