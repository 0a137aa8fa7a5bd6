// Second optimisation pass over a release kernel (build/kernel.wasm, or the file named
// on the command line: build/kernel.noimports.wasm), with Binaryen's
// wasm-opt (the same Binaryen asc uses) and larger inlining limits than asc's -O3.
//
// Why: the handshake cycle crosses ~30 small kernel functions (fd and socket
// allocation, port and 4-tuple tables, state changes, queue pushes); V8 compiles each
// wasm function on its own, so every call pays a frame, a stack check and register
// spills. Inlining them into the system calls made the cycle 1.16-1.2x faster
// measured side by side (bench: `npm run bench`; docs/performance.md), for ~15 KiB
// more code. The limits keep the module under the 64 KiB target:
//   -aimfs  always inline functions up to this size    (Binaryen default 2)
//   -fimfs  inline "lightweight" functions up to this  (default 20)
//   -ocimfs inline a function with one caller up to    (default 15)
//   -ifwl   also inline functions that contain loops (the fd bitmap walk, table probes)
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => `${root}node_modules/.bin/${name}`;
const wasm = process.argv[2] ? resolve(root, process.argv[2]) : `${root}build/kernel.wasm`;
// The features asc 0.28 emits by default (mutable globals, sign extension, bulk memory,
// non-trapping float-to-int); wasm-opt must be told, or it rejects memory.fill.
const features = ['--enable-mutable-globals', '--enable-sign-ext', '--enable-bulk-memory', '--enable-nontrapping-float-to-int'];
const before = statSync(wasm).size;
execFileSync(bin('wasm-opt'), [...features, wasm, '-aimfs', '40', '-fimfs', '200', '-ocimfs', '1000', '-ifwl', '-O3', '-o', wasm], { stdio: 'inherit' });
execFileSync(bin('wasm-dis'), [wasm, '-o', wasm.replace(/\.wasm$/, '.wat')], { stdio: 'inherit' });
console.log(`  ${basename(wasm)} inlined: ${before} -> ${statSync(wasm).size} bytes`);
