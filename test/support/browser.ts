/** Headless Chromium for the browser tests: Debian's chromium driven by playwright-core. */
import { access } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(): Promise<Browser> {
  await access(CHROMIUM).catch(() => {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Opens the app and waits until it has done what its URL asks (the page sets body[data-ready]). */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { state: 'attached' });
}
