// The storm page (build/page/, served as static files on 127.0.0.1) in headless
// Chromium and Firefox: a small scenario runs to the end; its charts are drawn (checked
// on a screenshot, not on the DOM); the figures on the page and window.stormResult equal
// what the CLI prints with --json when given the page's own "copy as CLI command"; the
// URL alone reproduces the result; side by side equals the CLI's --sweep; and cancel
// stops a run that would go on for hours and leaves the page usable.
//
// Without the browsers installed the tests skip and say why; .ci/run installs them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { servePage } from '../scripts/serve-page.mjs';
import { BROWSERS, launch, missing } from './browser/launch.mjs';

const root = new URL('..', import.meta.url).pathname;
const RUN_TIMEOUT_MS = 20_000;

// 300 clients at once against backlog 8, 2 workers of 7.5 ms, across a 1 ms link (the
// default network) without syncookies: SYNs dropped and retransmitted until the last
// timeouts at 131 s simulated, under a second of wall time. (With cookies, the storm's
// default since hosts and links, the clients would wait for their resends until the
// 600 s horizon: the run would not end 'done'.)
const SMALL = 'clients=300&backlog=8&workers=2&service-ms=7.5&syncookies=0&seed=7';
// A closed model that would simulate 10 hours: it is cancelled long before.
const ENDLESS = 'arrival=closed&users=200&think-ms=5&duration-ms=36000000&horizon-ms=86400000';
// A pixel of a series: strongly coloured (axes, grid and text are grey or black).
const SATURATION = 80;

const cliCache = new Map();
/** The CLI's --json for these arguments (node build/host/storm/cli.js storm ...). */
async function cliJson(args) {
  const key = args.join(' ');
  if (!cliCache.has(key)) {
    const { stdout } = await promisify(execFile)(process.execPath, [`${root}build/host/cli.js`, 'storm', ...args, '--json', '--quiet'], { maxBuffer: 64 << 20 });
    cliCache.set(key, JSON.parse(stdout));
  }
  return cliCache.get(key);
}

/** The page's command for configuration `line` (0: A, 1: B), as the CLI's arguments. */
async function pageCommand(page, line = 0) {
  const text = await page.$eval('#cli', (e) => e.textContent);
  const cmd = text.split('\n')[line];
  assert.match(cmd, /^npx socket-kernel storm /, 'the command names the package and the subcommand');
  return cmd.split(' ').slice(3);
}

async function settle(page, states = ['done']) {
  await page.waitForFunction(() => ['done', 'error', 'cancelled'].includes(document.body.dataset.state), { timeout: RUN_TIMEOUT_MS, polling: 50 });
  const [state, status] = await page.evaluate(() => [document.body.dataset.state, document.getElementById('status').textContent]);
  assert.ok(states.includes(state), `the page ended "${state}": ${status}`);
  return status;
}

/** Distinct colours in a screenshot of the element, and how many of its pixels are strongly coloured. */
async function pixels(page, selector) {
  const png = await (await page.$(selector)).screenshot({ encoding: 'base64' });
  return page.evaluate(async (b64, saturation) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set();
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) >= saturation) coloured++;
    }
    return { distinct: colours.size, coloured };
  }, png, SATURATION);
}

/** Every cell of the figures table whose configuration is `config`: { path: value }. */
function tableFigures(page, config) {
  return page.$$eval(`#numbers td[data-config="${config}"]`, (cells) => cells.map((c) => [c.dataset.path, JSON.parse(c.dataset.value)]));
}

const at = (o, path) => path.split('.').reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), o) ?? null;

let server;
before(async () => {
  for (const f of ['index.html', 'main.js', 'worker.js', 'kernel.wasm']) {
    assert.ok(existsSync(`${root}build/page/${f}`), `build/page/${f} is missing: run npm run build`);
  }
  server = await servePage();
});
after(() => server?.close());

for (const spec of BROWSERS) {
  describe(`the storm page in ${spec.name}`, { skip: missing(spec) }, () => {
    let browser, close, page;
    const errors = [];
    before(async () => {
      ({ browser, close } = await launch(spec));
      page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 1000 });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    });
    after(async () => { await close?.(); });

    test('a small scenario runs to the end, the charts are drawn, and the figures equal the CLI\'s --json', { timeout: 60_000 }, async (t) => {
      const requested = server.requests.length;
      await page.goto(`${server.url}?${SMALL}`);
      const status = await settle(page);
      t.diagnostic(`${await browser.version()}: ${status}`);
      assert.ok(server.requests.slice(requested).includes('/kernel.wasm'), 'the worker fetched the real kernel.wasm');

      const result = await page.evaluate(() => window.stormResult);
      const embedded = JSON.parse(await page.$eval('#storm-result', (e) => e.textContent));
      assert.deepEqual(embedded, result, '<script id="storm-result"> holds window.stormResult');
      assert.equal(result.endReason, 'done');
      assert.ok(result.syn.dropped > 0 && result.clients.served > 0, 'the scenario overflows the queue and serves clients');

      const args = await pageCommand(page);
      assert.deepEqual(args.slice(0, 2), ['--seed', '7']);
      const cli = await cliJson(args);
      assert.deepEqual(result, cli, 'the page\'s result is the CLI\'s --json for the page\'s own command');

      const figures = await tableFigures(page, 'a');
      assert.ok(figures.length >= 30, 'the table shows the figures');
      for (const [path, value] of figures) assert.deepEqual(value, at(cli, path), `table cell ${path}`);

      for (const chart of ['#chart-latency-a', '#chart-queues-a']) {
        const { distinct, coloured } = await pixels(page, chart);
        t.diagnostic(`${chart}: ${distinct} colours, ${coloured} coloured pixels`);
        assert.ok(distinct > 20, `${chart} is not blank (${distinct} colours)`);
        assert.ok(coloured > 200, `${chart} draws its series (${coloured} coloured pixels)`);
      }
      const blank = await pixels(page, '#cli');
      assert.equal(blank.coloured, 0, 'the colour check finds no coloured pixel in a grey box');
      assert.deepEqual(errors, [], 'no errors in the page');
    });

    test('the URL alone reproduces the result bit for bit', { timeout: 30_000 }, async () => {
      const link = page.url();
      const first = await page.evaluate(() => JSON.stringify(window.stormResult));
      const other = await browser.newPage();
      try {
        await other.goto(link);
        await settle(other);
        assert.equal(await other.evaluate(() => JSON.stringify(window.stormResult)), first);
        assert.deepEqual(await pageCommand(other), await pageCommand(page), 'the same command');
      } finally {
        await other.close();
      }
    });

    test('side by side runs two configurations at once and equals the CLI\'s --sweep', { timeout: 30_000 }, async () => {
      await page.goto(`${server.url}?${SMALL}&compare=1&${SMALL.replace(/(^|&)/g, '$1b.')}&b.personality=freebsd`);
      await settle(page);
      const result = await page.evaluate(() => window.stormResult);
      const argsA = await pageCommand(page, 0), argsB = await pageCommand(page, 1);
      const pairs = (a) => a.flatMap((x, i) => (i % 2 ? [] : [`${x} ${a[i + 1]}`])).sort();
      assert.deepEqual(pairs(argsB), pairs([...argsA, '--personality', 'freebsd']), 'B\'s command is A\'s with --personality freebsd');
      const sweep = await cliJson([...argsA, '--sweep', 'personality=linux,freebsd', '--jobs', '1']);
      assert.deepEqual(result, sweep);
      assert.deepEqual(result.sweep[0].result, await cliJson(argsA), 'A alone is the same run');
      for (const [i, config] of ['a', 'b'].entries()) {
        for (const [path, value] of await tableFigures(page, config)) assert.deepEqual(value, at(sweep.sweep[i].result, path), `${config}: ${path}`);
        const { coloured } = await pixels(page, `#chart-latency-${config}`);
        assert.ok(coloured > 200, `configuration ${config}'s chart is drawn`);
      }
    });

    test('a bad value is refused beside its field in the CLI\'s words, and the keyboard alone fixes it and runs', { timeout: 30_000 }, async () => {
      await page.goto(`${server.url}?${SMALL.replace('backlog=8', 'backlog=eight')}&delay-ms=3`);
      const status = await settle(page, ['error']);
      const cli = await promisify(execFile)(process.execPath, [`${root}build/host/cli.js`, 'storm', '--backlog', 'eight']).then(() => null, (e) => e);
      assert.equal(cli.code, 2, 'the CLI refuses it with exit code 2');
      const message = cli.stderr.split('\n')[0].replace(/^socket-kernel storm: /, '');
      assert.equal(await page.$eval('#a-backlog-error', (e) => e.textContent), message, 'the same message as the CLI, beside the field');
      assert.equal(await page.$eval('#a-backlog', (e) => e.getAttribute('aria-invalid')), 'true');
      assert.ok(status.includes(message) && status.includes('delay-ms'), `the status names the error and the unknown parameter: ${status}`);
      assert.equal(await page.evaluate(() => window.stormResult), undefined);

      await page.focus('#a-backlog');
      await page.keyboard.down(process.platform === 'darwin' ? 'Meta' : 'Control');
      await page.keyboard.press('a');
      await page.keyboard.up(process.platform === 'darwin' ? 'Meta' : 'Control');
      await page.keyboard.type('8');
      await page.keyboard.press('Enter');   // submits the form: Run
      await settle(page);
      assert.equal(await page.$eval('#a-backlog', (e) => e.getAttribute('aria-invalid')), 'false');
      assert.deepEqual(await page.evaluate(() => window.stormResult), await cliJson(await pageCommand(page)));
      assert.match(page.url(), /[?&]backlog=8(&|$)/, 'the URL follows the controls');
    });

    test('cancel stops a long run, the charts show it live before, and the page runs again after', { timeout: 40_000 }, async (t) => {
      await page.goto(`${server.url}?${ENDLESS}`);
      await page.waitForFunction(() => document.body.dataset.state === 'running', { timeout: RUN_TIMEOUT_MS });
      // A snapshot reached the page: the table reads "running", the chart is drawn.
      await page.waitForFunction(() => document.querySelector('#numbers td[data-path="endReason"]')?.dataset.value === '"running"', { timeout: RUN_TIMEOUT_MS, polling: 50 });
      const live = await pixels(page, '#chart-latency-a');
      assert.ok(live.coloured > 200, 'the latency chart is drawn while the run goes on');
      const started = Date.now();
      await page.click('#cancel');
      const status = await settle(page, ['cancelled']);
      t.diagnostic(`cancelled in ${Date.now() - started} ms: ${status}`);
      assert.equal(await page.evaluate(() => window.stormResult), undefined, 'no result is published');
      assert.equal(await page.$eval('#cancel', (b) => b.disabled), true, 'cancel is disabled again');

      // Usable again: a change to a control starts a new run that ends.
      await page.select('#a-arrival', 'burst');
      await page.waitForFunction(() => document.body.dataset.state === 'running', { timeout: RUN_TIMEOUT_MS });
      await settle(page);
      const r = await page.evaluate(() => window.stormResult);
      assert.equal(r.scenario.clients.arrival, 'burst');
      assert.equal(r.endReason, 'done');
      assert.deepEqual(errors, [], 'no errors in the page');
    });
  });
}
