/**
 * Signing in to the explorer in chromium as a demo user: the explorer sends
 * the page to its organisation's own OpenID provider (authorization code flow
 * with PKCE), the user enters the demo password there, and the provider sends
 * the page back signed in.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Org } from '../../../../network/src/config';
import { demoPasswords, issuerUrl } from '../../../../network/src/idp/local';

/** Completes the provider's login page as `user` of `org`, and waits until the explorer shows the user signed in. */
export async function signInAtProvider(page: Page, org: Org, user: string): Promise<void> {
  await page.waitForSelector('#username', { timeout: 60_000 });
  expect(new URL(page.url()).origin).to.equal(issuerUrl(org));
  await page.fill('#username', user);
  await page.fill('#password', demoPasswords(org)[user] ?? '');
  await page.click('#sign-in');
  await page.waitForSelector('#who:not([hidden])', { timeout: 60_000 });
}
