// Browser adapter of the platform suite: headless Debian chromium and firefox-esr,
// driven by puppeteer-core (Chromium over CDP, Firefox over WebDriver BiDi), load
// tests/browser/index.html from a static server on 127.0.0.1. The page runs the shared
// scenarios on the real bundles (browser.js with the .wasm fetched, inline.js) and the
// real release .wasm, and the worker bundle in a Web Worker. The test fails if the page
// reports a failure or does not report within PAGE_TIMEOUT_MS.
//
// Without the browsers installed the tests skip and say why; .ci/run installs them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scenarios } from './shared/scenarios.mjs';
import { serve } from './platform_server.mjs';
import { BROWSERS, PAGE_TIMEOUT_MS, missing, runPage } from './browser/launch.mjs';

const root = new URL('..', import.meta.url).pathname;

const BUNDLES = ['build/browser.js', 'build/inline.js', 'build/worker.js', 'build/kernel.wasm'];

let server;
before(async () => {
  for (const b of BUNDLES) assert.ok(existsSync(join(root, b)), `${b} is missing: run npm run build`);
  server = await serve();
});
after(() => server?.close());

for (const spec of BROWSERS) {
  describe(`platform scenarios in ${spec.name}`, { skip: missing(spec) }, () => {
    test('the page runs the suite on the browser, inline and worker bundles and reports', { timeout: 2 * PAGE_TIMEOUT_MS }, async (t) => {
      const started = Date.now();
      const before = server.requests.length;
      const { version, report } = await runPage(spec, `${server.origin}/tests/browser/index.html`);
      t.diagnostic(`${version}; ${report.userAgent}; ${Date.now() - started} ms`);
      assert.equal(report.error, undefined, `the page failed: ${report.error}`);
      const served = server.requests.slice(before);
      for (const f of BUNDLES) assert.ok(served.includes(`/${f}`), `the page loaded the real /${f}`);
      for (const variant of ['fetched', 'inlined', 'worker']) {
        const results = report[variant];
        assert.deepEqual(results.map((r) => r.name), scenarios.map((s) => s.name), `${variant}: every scenario reported`);
        for (const r of results) {
          await t.test(`${variant}: ${r.name}`, (st) => {
            st.diagnostic(`${r.ms} ms in the page`);
            if (r.status === 'skip') return st.skip(r.reason);
            if (r.status === 'fail') assert.fail(`${r.error.message}\n${r.error.stack}`);
          });
        }
      }
    });
  });
}
