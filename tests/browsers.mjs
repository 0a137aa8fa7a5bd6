// The headless browsers the browser tests launch: Debian's chromium (over CDP) and
// firefox-esr (over WebDriver BiDi, its only protocol), driven by puppeteer-core, each
// with a throwaway profile. Used by platform_browser.test.mjs and page.test.mjs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

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

/** false when the browser is installed, else the reason to skip (for node:test's skip). */
export function missing(spec) {
  return existsSync(spec.executablePath)
    ? false
    : `${spec.executablePath} is not installed (apt-get install -y ${spec.name}; .ci/run installs it)`;
}

/** Launches a browser; close() also removes its profile. */
export async function launch(spec, { timeout = 30_000 } = {}) {
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
