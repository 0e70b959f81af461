/**
 * Debian's chromium for the browser tests, launched headless through
 * playwright-core with a fresh profile. The install step of `npm test`
 * (network/scripts/ensure-chromium.sh) installs it; a test never does.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface LaunchedBrowser {
  browser: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches chromium headless with a fresh --user-data-dir, removed on close.
 * `locale` sets the browser's language (navigator.languages and Accept-Language), e.g. `ja-JP`.
 */
export async function launchChromium(options: { locale?: string } = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash network/scripts/ensure-chromium.sh\` (the install step of npm test) to install it`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'lotline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 860 },
    ...(options.locale !== undefined ? { locale: options.locale } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser: context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser };
