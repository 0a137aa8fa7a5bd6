// Takes docs/storm-page.png: the storm page (build/page/, npm run build:page) in headless
// Chromium after a real run of backlog 16 beside backlog 1024 (2000 clients at once,
// Linux), so the README shows what a reader gets.
//
//   node scripts/page-screenshot.mjs [--out docs/storm-page.png]
import { parseArgs } from 'node:util';
import { servePage } from './serve-page.mjs';
import { BROWSERS, launch } from '../tests/browser/launch.mjs';

const { values } = parseArgs({ options: { out: { type: 'string', default: new URL('../docs/storm-page.png', import.meta.url).pathname } } });
const QUERY = 'backlog=16&compare=1&b.backlog=1024';

const server = await servePage();
const { browser, close } = await launch(BROWSERS.find((b) => b.name === 'chromium'), { timeout: 60_000 });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 1000 });
  await page.goto(`${server.url}?${QUERY}`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), { timeout: 120_000 });
  const status = await page.$eval('#status', (e) => e.textContent);
  if ((await page.evaluate(() => document.body.dataset.state)) !== 'done') throw new Error(`the page failed: ${status}`);
  await page.screenshot({ path: values.out, fullPage: true });
  console.log(`${values.out}: ${status}`);
} finally {
  await close();
  await server.close();
}
