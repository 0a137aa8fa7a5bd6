// Node adapter of the platform suite (tests/shared/scenarios.mjs), through the public
// package entries, and the package's export conditions: each runtime and bundler gets
// its entry, and every entry exports the same API.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, symlinkSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import * as node from 'socket-kernel';
import * as inline from 'socket-kernel/inline';
import { scenarios, runScenario } from './shared/scenarios.mjs';
import { serve } from './platform_server.mjs';

const root = new URL('..', import.meta.url).pathname;
let server;
before(async () => { server = await serve(); });
after(() => server.close());

for (const [entry, lib] of [['node', node], ['inline', inline]]) {
  describe(`platform scenarios: the ${entry} entry in Node.js`, () => {
    for (const s of scenarios) {
      test(s.name, async (t) => {
        const r = await runScenario(s, { lib, createKernel: lib.createKernel, assert, entry, urls: server.urls });
        if (r.status === 'skip') t.skip(r.reason);
        if (r.status === 'fail') throw r.error;
      });
    }
  });
}

describe('package.json exports', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  test('every target exists, with .d.ts types for every entry', () => {
    const targets = [];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : Object.values(v).forEach(walk));
    walk(pkg.exports);
    for (const t of targets) assert.ok(existsSync(join(root, t)), `${t} is built`);
    // Every entry point (an object whose `default` is a file) names its declarations;
    // the node condition nests import / require / default, each an entry of its own.
    const entries = [];
    const findEntries = (path, v) => {
      if (typeof v !== 'object') return; // ./kernel.wasm, ./package.json
      if (typeof v.default === 'string') entries.push([path, v]);
      else for (const [k, w] of Object.entries(v)) findEntries(`${path} ${k}`, w);
    };
    findEntries('exports', pkg.exports);
    assert.ok(entries.length >= 9, `${entries.length} entries`);
    for (const [path, entry] of entries) {
      assert.match(entry.types, /\.d\.ts$/, `${path} has types`);
      assert.ok(existsSync(join(root, entry.types)), `${path}: ${entry.types} is built`);
    }
    // Resolvers without "exports" (TypeScript's node10) read the top-level fields.
    for (const field of ['main', 'types']) assert.ok(existsSync(join(root, pkg[field])), `"${field}": ${pkg[field]} is built`);
  });

  test('Node.js picks its entry by condition: node, and worker / workerd / edge-light / browser when asked', () => {
    const entryFor = (conditions) => execFileSync(process.execPath, [
      ...conditions.map((c) => `--conditions=${c}`), '--input-type=module',
      '-e', "const m = await import('socket-kernel'); process.stdout.write(m.entry)",
    ], { cwd: root, encoding: 'utf8' });
    assert.equal(node.entry, 'node');
    assert.equal(entryFor([]), 'node');
    for (const c of ['worker', 'workerd', 'edge-light']) assert.equal(entryFor([c]), 'worker', c);
    assert.equal(entryFor(['browser']), 'browser');
  });

  test('bundlers pick their entry: browser (Vite, esbuild --platform=browser), workerd (wrangler), default (neutral)', async () => {
    // A consumer project with socket-kernel installed, as a bundler sees it.
    const dir = mkdtempSync(join(tmpdir(), 'socket-kernel-consumer-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(root, join(dir, 'node_modules', 'socket-kernel'), 'dir');
      const picked = async (options) => {
        const r = await esbuild.build({
          stdin: { contents: "export { entry } from 'socket-kernel'; export * as i from 'socket-kernel/inline';", resolveDir: dir, loader: 'js' },
          bundle: true, write: false, format: 'esm', metafile: true, preserveSymlinks: true, logLevel: 'silent', ...options,
        });
        return Object.keys(r.metafile.inputs).filter((p) => p.includes('socket-kernel/build/')).map((p) => p.replace(/^.*socket-kernel\//, '')).sort();
      };
      assert.deepEqual(await picked({ platform: 'browser' }), ['build/browser.js', 'build/inline.js']);
      // wrangler's conditions for Cloudflare Workers.
      assert.deepEqual(await picked({ platform: 'neutral', conditions: ['workerd', 'worker', 'browser'] }), ['build/inline.js', 'build/worker.js']);
      // Vercel's edge runtime.
      assert.deepEqual(await picked({ platform: 'neutral', conditions: ['edge-light', 'browser'] }), ['build/inline.js', 'build/worker.js']);
      assert.deepEqual(await picked({ platform: 'neutral', conditions: [] }), ['build/inline.js', 'build/worker.js'], 'default');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every entry exports the same names (the API is declared once, in host/api.ts)', async () => {
    const browser = await import('../build/browser.js');
    const worker = await import('../build/worker.js');
    const names = (m) => Object.keys(m).sort();
    assert.deepEqual(names(browser), names(node));
    assert.deepEqual(names(inline), names(node));
    assert.deepEqual(names(worker), names(node));
    assert.deepEqual([browser.entry, inline.entry, worker.entry], ['browser', 'inline', 'worker']);
  });
});
