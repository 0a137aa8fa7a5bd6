// Makes `npm start` and `npm test` work on a fresh clone: installs the locked
// dependencies when they are missing, then builds the kernel, the host (and the C
// header build/socket_kernel.h), the web bundles (build/browser.js, inline.js,
// worker.js) and the storm page (build/page/) if the build is older than its sources.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

// Missing, or older than the lockfile (a pull brought new dependencies): install.
const installed = join(root, 'node_modules/.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  console.error('socket-kernel: installing dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (e.name === '__tests__') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(join(root, p)).mtimeMs);
  }
  return t;
}
const built = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);
const force = process.argv.includes('--force');
const wasmSources = Math.max(newest('assembly'), built('scripts/optimize-wasm.mjs'), built('asconfig.json'), built('asconfig.noimports.json'));
const oldestWasm = Math.min(...['build/kernel.wasm', 'build/kernel.noimports.wasm', 'build/kernel.debug.wasm'].map(built));
if (force || oldestWasm < wasmSources) run('npm run build:wasm --silent');
if (force || built('build/host/index.js') < Math.max(newest('host'), built('tsconfig.json'))) run('npm run build:host --silent');
// The C header is made from the built host's tables (build:host writes it too).
if (built('build/socket_kernel.h') < Math.max(built('build/host/index.js'), built('scripts/c-header.mjs'))) run('node scripts/c-header.mjs');
// The bundles embed the host and (inline.js) the release .wasm.
const bundleSources = Math.max(newest('host'), built('build/kernel.wasm'), built('scripts/bundle.mjs'));
const oldestBundle = Math.min(...['build/browser.js', 'build/inline.js', 'build/worker.js', 'build/host/index.cjs', 'build/bundle-sizes.json'].map(built));
if (force || oldestBundle < bundleSources) run('npm run build:bundle --silent');
// The storm page bundles the host (the engine, the charts) and copies the release .wasm.
const pageSources = Math.max(newest('host'), built('build/kernel.wasm'), built('scripts/page.mjs'));
const oldestPage = Math.min(...['index.html', 'style.css', 'main.js', 'worker.js', 'kernel.wasm'].map((f) => built(`build/page/${f}`)));
if (force || oldestPage < pageSources) run('npm run build:page --silent');
