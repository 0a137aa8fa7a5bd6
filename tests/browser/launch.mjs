// Headless Debian chromium and firefox-esr driven by puppeteer-core (Chromium over CDP,
// Firefox over WebDriver BiDi): open a page, wait for it to set window.__report, return
// the report. Shared by tests/platform_browser.test.mjs, tests/package.test.mjs,
// tests/page.test.mjs and scripts/page-screenshot.mjs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const PAGE_TIMEOUT_MS = 30_000;

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const BROWSERS = [
  {
    name: 'chromium',
    executablePath: '/usr/bin/chromium',
    options: (profile) => ({ browser: 'chrome', headless: true, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`] }),
  },
  {
    name: 'firefox-esr',
    executablePath: '/usr/bin/firefox-esr',
    // puppeteer gives Firefox a fresh profile of its own; WebDriver BiDi is its only protocol.
    options: (profile) => ({ browser: 'firefox', headless: true, userDataDir: profile }),
  },
];

/** false when the browser is installed, else the reason to skip. */
export function missing(spec) {
  return existsSync(spec.executablePath)
    ? false
    : `${spec.executablePath} is not installed (apt-get install -y ${spec.name}; .ci/run installs it)`;
}

/** Launches a browser with a throwaway profile; close() also removes the profile. */
export async function launch(spec, { timeout = PAGE_TIMEOUT_MS } = {}) {
  const profile = mkdtempSync(join(tmpdir(), `socket-kernel-${spec.name}-`));
  const browser = await puppeteer.launch({ executablePath: spec.executablePath, timeout, ...spec.options(profile) });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `url` and returns { version, report }, or throws with the page's console when it never reports. */
export async function runPage(spec, url) {
  const { browser, close } = await launch(spec);
  try {
    const version = await browser.version();
    const page = await browser.newPage();
    const console = [];
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()} ${m.location()?.url ?? ''}`.trimEnd()));
    page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
    await page.goto(url);
    try {
      await page.waitForFunction(() => window.__report !== undefined, { timeout: PAGE_TIMEOUT_MS, polling: 100 });
    } catch (e) {
      throw new Error(`${spec.name}: the page did not report within ${PAGE_TIMEOUT_MS} ms (${e.message}).\nConsole:\n${console.join('\n')}`);
    }
    return { version, report: await page.evaluate(() => window.__report) };
  } finally {
    await close();
  }
}
