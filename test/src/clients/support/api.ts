/**
 * The built web trace explorer for the client tests. The organisations' API
 * processes (started by the integration runner) serve it at `/explorer/`, at
 * the redirect URI that each organisation's OpenID provider registers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { config } from '../../support/network';

export const WEB_DIST = path.join(config.repoRoot, 'clients', 'web', 'dist');

/** Builds the explorer if `clients/web/dist` is missing. */
export function ensureExplorerBuilt(): void {
  if (existsSync(path.join(WEB_DIST, 'index.html'))) return;
  execFileSync(
    process.execPath,
    [path.join(config.repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'clients/web/vite.config.mjs'],
    {
      cwd: config.repoRoot,
      stdio: 'inherit',
      timeout: 300_000,
    },
  );
}
