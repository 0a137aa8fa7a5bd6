// Builds the storm page (host/page/) into build/page/ as static files that work from
// any static server: index.html, style.css, main.js (the UI, with ECharts bundled from
// the npm package), worker.js (the simulation, with the browser entry) and kernel.wasm,
// which the worker fetches from next to itself. Type-checked first by
// host/page/tsconfig.json (npm run build:page runs both).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url);
const path = (p) => new URL(p, root).pathname;
const out = path('build/page/');

mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { main: path('host/page/main.ts'), worker: path('host/page/worker.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022', 'chrome111', 'firefox115'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const [from, to] of [['host/page/index.html', 'index.html'], ['host/page/style.css', 'style.css'], ['build/kernel.wasm', 'kernel.wasm']]) {
  copyFileSync(path(from), `${out}${to}`);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('socket-kernel storm page (min / min+gzip): build/page/');
for (const f of ['index.html', 'style.css', 'main.js', 'worker.js', 'kernel.wasm']) {
  const bytes = readFileSync(`${out}${f}`);
  console.log(`  ${f.padEnd(12)} ${kib(statSync(`${out}${f}`).size).padStart(9)} ${kib(gzipSync(bytes, { level: 9 }).length).padStart(9)}`);
}
