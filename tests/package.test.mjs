// The package as a user gets it: `npm pack`, the tarball installed offline into a fresh
// project in a temporary folder, and the same scenario (tests/package/scenario.mjs) run
// there in every runtime the README names: Node.js as ESM and as CommonJS, Deno, Bun,
// workerd (serving a request on 127.0.0.1), Chromium and Firefox; then `tsc --noEmit`
// over consumer code in the three project shapes (Node without `dom`, a browser without
// @types/node, a worker), and checks of what the tarball holds.
//
// Deno, Bun and workerd come from their npm packages (pinned devDependencies); the
// browsers are Debian's. A runtime whose binary does not run here is skipped with the
// reason, never passed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { serve } from './platform_server.mjs';
import { BROWSERS, PAGE_TIMEOUT_MS, missing, runPage } from './browser/launch.mjs';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);
const RUN_TIMEOUT_MS = 30_000;

/** What every runtime must see; only `entry` (the export condition it took) differs. */
const EXPECTED = {
  connects: ['EINPROGRESS', 'EINPROGRESS', 'EINPROGRESS'],
  acceptQueue: 2, // Linux: backlog 1 admits 2 (sk_acceptq_is_full's ">")
  backlog: 1,
  listenOverflows: 1, // the third client's SYN, dropped and counted
  acceptedFirstClient: true,
  bindError: {
    name: 'SocketError', code: 'EADDRINUSE', errno: -98, syscall: 'bind',
    message: 'bind EADDRINUSE: address already in use 127.0.0.1:8080',
  },
  descriptorsAfterClose: [],
};

function checkResult(result, entry) {
  const { entry: got, ...rest } = result;
  assert.equal(got, entry, 'the export condition picked the expected entry');
  assert.deepEqual(rest, EXPECTED);
}

/** The last line of a driver's stdout: { resolved, result } as JSON. */
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

/** false when `file --version` runs, else the reason to skip. */
function unavailable(name, args = ['--version']) {
  try {
    execFileSync(bin(name), args, { stdio: 'pipe', timeout: RUN_TIMEOUT_MS });
    return false;
  } catch (e) {
    return `the ${name} binary from its npm package does not run here: ${String(e.stderr || e.message).trim().split('\n')[0]}`;
  }
}

let work, project, tarball, packed;

// Under `npm test` the environment carries the outer npm's settings (npm_config_local_prefix
// names this repository): a nested npm would install into the wrong project. The child
// npm runs as a user's would, with none of them.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
// And the npm installed with this node, never the npm 6 that a dependency of as-pect puts
// in node_modules/.bin: `npm run` puts that first on PATH, so even npm_execpath names it
// in the nested `npm run test:node` of `npm test`.
const besideNode = join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
const npm = (args, options) => (existsSync(besideNode)
  ? execFileSync(process.execPath, [besideNode, ...args], { ...options, env: npmEnv })
  : execFileSync('npm', args, { ...options, env: npmEnv }));

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'socket-kernel-package-'));
  [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
  tarball = join(work, packed.filename);
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'consumer', private: true, type: 'module', dependencies: { 'socket-kernel': `file:../${packed.filename}` },
  }));
  // From the tarball only, with no registry: unpacked where npm would put it. The kernel
  // entries import nothing but their own files (checked below); the CLI's run-time
  // dependencies (echarts, tinypool, bullmq) are not needed by the scenario, and an
  // offline `npm install` cannot resolve their version ranges without the registry's
  // package documents.
  const into = join(project, 'node_modules/socket-kernel');
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1']);
  copyFileSync(join(root, 'tests/package/scenario.mjs'), join(project, 'scenario.mjs'));
  writeFileSync(join(project, 'esm.mjs'), [
    "import * as sk from 'socket-kernel';",
    "import { run } from './scenario.mjs';",
    "console.log(JSON.stringify({ resolved: import.meta.resolve('socket-kernel'), result: await run(sk) }));",
  ].join('\n'));
  writeFileSync(join(project, 'cjs.cjs'), [
    "const sk = require('socket-kernel');",
    "import('./scenario.mjs').then(({ run }) => run(sk))",
    "  .then((result) => console.log(JSON.stringify({ resolved: require.resolve('socket-kernel'), result })));",
  ].join('\n'));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  const files = () => packed.files.map((f) => f.path);

  test('holds the licence, the README, both kernel builds, the C header and every export target', (t) => {
    t.diagnostic(`${packed.filename}: ${packed.files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'build/kernel.wasm', 'build/kernel.noimports.wasm', 'build/socket_kernel.h']) {
      assert.ok(files().includes(f), `${f} is shipped`);
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), new RegExp(`^${pkg.license} License`));
    for (const field of ['repository', 'bugs', 'homepage']) assert.ok(pkg[field], `package.json has ${field}`);
    const targets = [];
    const walk = (v) => (typeof v === 'string' ? targets.push(v.replace(/^\.\//, '')) : Object.values(v).forEach(walk));
    walk(pkg.exports);
    for (const target of targets) assert.ok(files().includes(target), `the export target ${target} is shipped`);
  });

  test('every relative import of every shipped .js names a shipped file', () => {
    const shipped = new Set(files());
    for (const f of files().filter((f) => /\.(c?js|mjs)$/.test(f))) {
      const text = readFileSync(join(project, 'node_modules/socket-kernel', f), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from\s*|import\s*\(\s*|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = join(dirname(f), spec);
        assert.ok(shipped.has(target), `${f} imports ${spec}, which the tarball lacks`);
      }
    }
  });

  test('every relative link in a shipped Markdown file names a shipped file', () => {
    const shipped = new Set(files());
    for (const f of files().filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(project, 'node_modules/socket-kernel', f), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        assert.ok(shipped.has(join(dirname(f), target)), `${f} links to ${target}, which the tarball lacks`);
      }
    }
  });

  test('every source map carries its sources, and no demo ships', () => {
    const maps = files().filter((f) => f.endsWith('.map'));
    for (const f of maps) {
      const map = JSON.parse(readFileSync(join(project, 'node_modules/socket-kernel', f), 'utf8'));
      assert.equal(map.sourcesContent?.length, map.sources.length, `${f} inlines its ${map.sources.length} sources`);
    }
    assert.deepEqual(files().filter((f) => /demo/.test(f)), []);
  });
});

describe('the scenario in each runtime, from the installed tarball', () => {
  test('Node.js, ESM: the "node" entry (build/host/index.js)', async () => {
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: project, timeout: RUN_TIMEOUT_MS });
    const { resolved, result } = lastJson(stdout);
    assert.match(resolved, /socket-kernel\/build\/host\/index\.js$/);
    checkResult(result, 'node');
  });

  test('Node.js, CommonJS: the "require" condition (build/host/index.cjs)', async () => {
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: project, timeout: RUN_TIMEOUT_MS });
    const { resolved, result } = lastJson(stdout);
    assert.match(resolved, /socket-kernel\/build\/host\/index\.cjs$/);
    checkResult(result, 'node');
  });

  test('Deno (npm package deno)', { skip: unavailable('deno') }, async (t) => {
    // The project's own node_modules, no registry, no permissions beyond reading the package.
    const env = { ...process.env, DENO_DIR: join(work, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' };
    const { stdout } = await run(bin('deno'), ['run', '--node-modules-dir=manual', '--cached-only', `--allow-read=${project}`, 'esm.mjs'],
      { cwd: project, env, timeout: RUN_TIMEOUT_MS });
    const { resolved, result } = lastJson(stdout);
    t.diagnostic(`resolved ${resolved}`);
    checkResult(result, 'node');
  });

  test('Bun (npm package bun), ESM and CommonJS', { skip: unavailable('bun') }, async (t) => {
    const env = { ...process.env, BUN_INSTALL_CACHE_DIR: join(work, 'bun-cache'), DO_NOT_TRACK: '1' };
    for (const driver of ['esm.mjs', 'cjs.cjs']) {
      const { stdout } = await run(bin('bun'), ['--no-install', driver], { cwd: project, env, timeout: RUN_TIMEOUT_MS });
      const { resolved, result } = lastJson(stdout);
      t.diagnostic(`${driver}: resolved ${resolved}`);
      checkResult(result, 'node');
    }
  });

  test('workerd (npm package workerd): a request on 127.0.0.1 runs the scenario', { skip: unavailable('workerd') }, async () => {
    const { status, body } = await serveWorker('scenario', [
      "import * as sk from 'socket-kernel';",
      "import wasm from 'socket-kernel/kernel.wasm';",
      "import { run } from './scenario.mjs';",
      'export default {',
      '  async fetch() {',
      "    try { return Response.json({ resolved: 'workerd', result: await run(sk, { wasm }) }); }",
      '    catch (e) { return new Response(`${e.name}: ${e.message}\\n${e.stack}`, { status: 500 }); }',
      '  },',
      '};',
    ].join('\n'));
    assert.equal(status, 200, body);
    checkResult(JSON.parse(body).result, 'worker');
  });

  test("workerd: the README's edge-worker example, as written", { skip: unavailable('workerd') }, async () => {
    const { status, body } = await serveWorker('readme', readmeBlock('workerd'));
    assert.equal(status, 200, body);
    const listener = JSON.parse(body).find((row) => row.state === 'LISTEN');
    assert.deepEqual([listener?.local, listener?.sendQ], [{ family: 'IPv4', address: '127.0.0.1', port: 8080 }, 16], body);
  });

  for (const spec of BROWSERS) {
    test(`${spec.name}: the "browser" entry, kernel.wasm fetched next to it; the README's browser example`, { skip: missing(spec), timeout: 2 * PAGE_TIMEOUT_MS }, async (t) => {
      // The import map stands in for a bundler: it names the file the "browser" condition picks.
      const pkg = JSON.parse(readFileSync(join(project, 'node_modules/socket-kernel/package.json'), 'utf8'));
      const browserEntry = `/node_modules/socket-kernel/${pkg.exports['.'].browser.default.replace(/^\.\//, '')}`;
      writeFileSync(join(project, 'index.html'), `<!doctype html>
<meta charset="utf-8">
<script type="importmap">{ "imports": { "socket-kernel": "${browserEntry}" } }</script>
<script type="module">
import * as sk from 'socket-kernel';
import { run } from '/scenario.mjs';
const report = {};
try {
  report.result = await run(sk);
  await import('/readme-browser.mjs');
  report.readme = 'ran';
} catch (e) {
  report.error = e.name + ': ' + e.message;
}
window.__report = report;
</script>
`);
      // The README's example fetches kernel.wasm next to the bundle and from /assets/.
      writeFileSync(join(project, 'readme-browser.mjs'), readmeBlock('Chromium'));
      mkdirSync(join(project, 'assets'), { recursive: true });
      copyFileSync(join(project, 'node_modules/socket-kernel/build/kernel.wasm'), join(project, 'assets/kernel.wasm'));
      const server = await serve({
        root: pathToFileURL(`${project}/`),
        served: ['/index.html', '/scenario.mjs', '/readme-browser.mjs', '/assets/', '/node_modules/socket-kernel/'],
      });
      try {
        const { version, report } = await runPage(spec, `${server.origin}/index.html`);
        t.diagnostic(version);
        assert.equal(report.error, undefined);
        checkResult(report.result, 'browser');
        assert.ok(server.requests.includes('/node_modules/socket-kernel/build/kernel.wasm'), 'the page fetched the packaged kernel.wasm');
        assert.equal(report.readme, 'ran');
        assert.ok(server.requests.includes('/assets/kernel.wasm'), 'the README example fetched /assets/kernel.wasm');
      } finally {
        await server.close();
      }
    });
  }
});

// The consumer's own code type-checks against the shipped .d.ts files (skipLibCheck off)
// in each project shape; tests/package/types/<shape>/main.ts also holds @ts-expect-error
// lines for what must NOT type-check ({ wasm, url } together; k.net outside Node).
const SHAPES = {
  node: { lib: ['es2022'], module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] },
  browser: { lib: ['es2022', 'dom', 'dom.iterable'], module: 'esnext', moduleResolution: 'bundler', customConditions: ['browser'], types: [] },
  worker: { lib: ['es2022', 'webworker'], module: 'esnext', moduleResolution: 'bundler', customConditions: ['workerd'], types: [] },
  // CommonJS consumers: TypeScript's node16 mode has no require(esm) (the "require"
  // condition's own declarations, build/host/cjs/), and node10 reads only "types".
  'node-cjs': { lib: ['es2022'], module: 'node16', moduleResolution: 'node16', types: ['node'] },
  // The same consumer code as node-cjs.
  'legacy-cjs': { from: 'node-cjs', lib: ['es2022'], module: 'commonjs', moduleResolution: 'node10', types: ['node'] },
};

describe('tsc --noEmit over a consumer project', () => {
  for (const [shape, { from = shape, ...options }] of Object.entries(SHAPES)) {
    test(`${shape}: lib ${options.lib.join(' + ')}, types [${options.types.join(', ')}]`, async () => {
      const dir = join(project, 'types', shape);
      mkdirSync(dir, { recursive: true });
      cpSync(join(root, 'tests/package/types', from), dir, { recursive: true });
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, ...options,
          // @types/node only where the shape names it, taken from this repository.
          typeRoots: [join(root, 'node_modules/@types')],
        },
        include: ['*.ts', '*.cts'],
      }));
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const { stdout, stderr, code } = await run(process.execPath, [tsc, '-p', dir], { timeout: 2 * RUN_TIMEOUT_MS })
        .then((r) => ({ ...r, code: 0 }), (e) => e);
      assert.equal(code, 0, `tsc found errors in the ${shape} shape:\n${stdout}${stderr}`);
    });
  }
});

/** The README js block (of the installed package) whose readme-test note names `word`. */
function readmeBlock(word) {
  const readme = readFileSync(join(project, 'node_modules/socket-kernel/README.md'), 'utf8');
  const block = [...readme.matchAll(/<!-- readme-test skip: ([^>]*)-->\n```js\n([\s\S]*?)```/g)].find((m) => m[1].includes(word));
  assert.ok(block, `the README has a js example whose note names ${word}, run by this test`);
  return block[2];
}

/**
 * Serves `source` (a worker module importing 'socket-kernel' and its kernel.wasm) from
 * workerd on 127.0.0.1 and returns the answer to one request. As wrangler does: esbuild
 * bundles the worker with the "workerd" condition and leaves the .wasm import to the
 * runtime, which gets kernel.wasm as a wasm module.
 */
async function serveWorker(name, source) {
  const dir = join(work, `workerd-${name}`);
  mkdirSync(dir);
  writeFileSync(join(project, `${name}.worker.mjs`), source);
  await esbuild.build({
    entryPoints: [join(project, `${name}.worker.mjs`)], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm',
    platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], logLevel: 'error',
  });
  copyFileSync(join(project, 'node_modules/socket-kernel/build/kernel.wasm'), join(dir, 'kernel.wasm'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "socket-kernel/kernel.wasm", wasm = embed "kernel.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`);
  const child = spawn(bin('workerd'), ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  try {
    const response = await fetchWhenUp(`http://127.0.0.1:${port}/`, child, () => output);
    return { status: response.status, body: await response.text() };
  } finally {
    child.kill();
  }
}

/** A port free on 127.0.0.1 a moment ago, for a server this test starts. */
async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Fetches `url` once the child listens; fails with its output if it exits or never does. */
async function fetchWhenUp(url, child, output) {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}:\n${output()}`);
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`workerd did not answer on ${url}: ${e.message}\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
