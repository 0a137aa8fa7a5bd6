// Edge adapter of the platform suite: the worker entry (build/worker.js) inside node:vm
// contexts holding web globals only (tests/edge_vm.mjs), proving it needs nothing else.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { scenarios } from './shared/scenarios.mjs';

const runner = new URL('./edge_vm.mjs', import.meta.url).pathname;
const out = execFileSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', runner], { encoding: 'utf8', timeout: 60_000 });
const report = JSON.parse(out);

for (const ctx of report) {
  describe(`platform scenarios: the worker entry in a vm context (${ctx.context})`, () => {
    test('the context has web globals only and the bundle imports nothing', (t) => {
      t.diagnostic(`globals given: WebAssembly (built in), ${ctx.globals.join(', ')}`);
      for (const [name, type] of Object.entries(ctx.absent)) assert.equal(type, 'undefined', `${name} is not there`);
      assert.deepEqual(ctx.refused, [], 'no import was refused: the bundle has none');
      assert.deepEqual(ctx.results.map((r) => r.name), scenarios.map((s) => s.name), 'every scenario reported');
    });
    for (const r of ctx.results) {
      test(r.name, (t) => {
        t.diagnostic(`${r.ms} ms in the context`);
        if (r.status === 'skip') return t.skip(r.reason);
        if (r.status === 'fail') assert.fail(`${r.error.message}\n${r.error.stack}`);
      });
    }
  });
}
