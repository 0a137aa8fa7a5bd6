// Bundles the web entries with esbuild (ESM, minified) into build/, and reports each
// entry's size minified and minified+gzipped into build/bundle-sizes.json.
//
//   build/browser.js  host/browser.ts  fetches build/kernel.wasm (next to it)
//   build/inline.js   host/inline.ts   build/kernel.wasm inlined as base64
//   build/worker.js   host/worker.ts   given the module or its bytes
//   build/host/index.cjs  host/index.ts  the Node entry as CommonJS (the "require" condition)
//
// platform 'neutral' resolves no node: built-ins, so a node: import reaching any of
// these entries fails the build. The Node entry is tsc's build/host/index.js, not a
// bundle; its size is measured the same way for comparison.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url);
const path = (p) => new URL(p, root).pathname;

const wasm = readFileSync(path('build/kernel.wasm'));

/** Resolves ./kernel-wasm-base64.js (declared by host/kernel-wasm-base64.d.ts) to the release .wasm. */
const inlineWasm = {
  name: 'inline-kernel-wasm',
  setup(build) {
    build.onResolve({ filter: /^\.\/kernel-wasm-base64\.js$/ }, () => ({ path: 'kernel-wasm-base64', namespace: 'inline-kernel-wasm' }));
    build.onLoad({ filter: /.*/, namespace: 'inline-kernel-wasm' }, () => ({
      contents: `export const KERNEL_WASM_BASE64 = ${JSON.stringify(wasm.toString('base64'))};`,
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'neutral',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [inlineWasm],
};

const entries = [
  { name: 'browser', in: 'host/browser.ts', out: 'build/browser.js' },
  { name: 'inline', in: 'host/inline.ts', out: 'build/inline.js' },
  { name: 'worker', in: 'host/worker.ts', out: 'build/worker.js' },
];

const size = (bytes) => ({ min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
const sizes = {};
for (const e of entries) {
  await esbuild.build({ ...common, entryPoints: [path(e.in)], outfile: path(e.out) });
  sizes[e.name] = { file: e.out, ...size(readFileSync(path(e.out))) };
}
// The Node entry for require(): one CommonJS file next to tsc's ESM build/host/index.js,
// so '../kernel.wasm' still names the packaged kernel. CommonJS has no import.meta: the
// file's URL comes from __filename. Not minified: it is what Node users step through.
await esbuild.build({
  ...common, minify: false, platform: 'node', format: 'cjs', target: 'node20', plugins: [],
  entryPoints: [path('host/index.ts')], outfile: path('build/host/index.cjs'),
  define: { 'import.meta.url': '__socketKernelUrl' },
  banner: { js: "const __socketKernelUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The Node entry, measured as a bundle would be (node: imports left external); not written.
const node = await esbuild.build({
  ...common, platform: 'node', entryPoints: [path('host/index.ts')], write: false, outfile: 'node.js',
});
sizes.node = { file: 'build/host/index.js (tsc; measured bundled)', ...size(node.outputFiles[0].contents) };
sizes['kernel.wasm'] = { file: 'build/kernel.wasm', ...size(wasm) };

writeFileSync(path('build/bundle-sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('socket-kernel bundles (min / min+gzip):');
for (const [name, s] of Object.entries(sizes)) console.log(`  ${name.padEnd(12)} ${kib(s.min).padStart(9)} ${kib(s.gzip).padStart(9)}  ${s.file}`);
console.log(`  fetched total (browser.js + kernel.wasm, gzip): ${kib(sizes.browser.gzip + sizes['kernel.wasm'].gzip)}`);
