// Runs the platform suite on the worker entry (build/worker.js) inside node:vm contexts
// that hold web globals only: no process, require, Buffer, node: modules or fetch, no
// eval. Run by tests/platform_edge.test.mjs as
//   node --experimental-vm-modules edge_vm.mjs
// (vm.SourceTextModule needs the flag) and prints a JSON report on stdout.
//
// Two contexts, as edge runtimes differ:
//   workerd  WebAssembly may not be compiled at run time (Cloudflare Workers): the module
//            is compiled outside, as workerd does for `import wasm from './kernel.wasm'`,
//            and handed in.
//   bytes    WebAssembly may be compiled (Deno Deploy, Vercel Edge with a bytes import):
//            the context gets the .wasm bytes.
import vm from 'node:vm';
import { readFile } from 'node:fs/promises';

const root = new URL('..', import.meta.url);
const wasmBytes = await readFile(new URL('build/kernel.wasm', root));

// All the worker entry and the suite need besides the JavaScript built-ins (WebAssembly
// among them): TextEncoder/TextDecoder (addresses, abort messages), URL (options.url),
// and for the async layer queueMicrotask, setTimeout/clearTimeout (the 'auto' and
// 'real' clocks), AbortController/AbortSignal/EventTarget (cancellation) and
// ReadableStream/WritableStream (k.streams). console is for debugging. Every edge
// runtime (Cloudflare Workers, Deno Deploy, Vercel Edge) offers these and more; giving
// no more proves nothing else is touched.
const WEB_GLOBALS = {
  console, TextEncoder, TextDecoder, URL, queueMicrotask, setTimeout, clearTimeout,
  AbortController, AbortSignal, EventTarget, Event, ReadableStream, WritableStream, performance,
};
const NODE_ONLY = ['process', 'require', 'module', 'Buffer', 'global', '__dirname', 'setImmediate', 'fetch', 'atob'];

const FILES = {
  'socket-kernel': 'build/worker.js',
  './shared/scenarios.mjs': 'tests/shared/scenarios.mjs',
  './shared/assert.mjs': 'tests/shared/assert.mjs',
};

const HARNESS = `
import * as lib from 'socket-kernel';
import { runScenarios } from './shared/scenarios.mjs';
import { assert } from './shared/assert.mjs';
const wasm = globalThis.__wasm;
delete globalThis.__wasm;
globalThis.__report = await runScenarios({
  lib, assert, entry: 'worker', createKernel: (options) => lib.createKernel({ wasm, ...options }),
});
`;

async function runIn(name, codeGeneration, makeWasm) {
  const context = vm.createContext({ ...WEB_GLOBALS }, { name, codeGeneration });
  context.__wasm = makeWasm(context);
  const absent = Object.fromEntries(NODE_ONLY.map((g) => [g, vm.runInContext(`typeof ${g}`, context)]));
  const refused = [];
  const modules = new Map();
  const load = async (specifier) => {
    const file = FILES[specifier];
    if (!file) {
      refused.push(specifier);
      throw new Error(`edge context: import of '${specifier}' refused (web globals only here)`);
    }
    if (!modules.has(file)) {
      const source = await readFile(new URL(file, root), 'utf8');
      modules.set(file, new vm.SourceTextModule(source, { context, identifier: file }));
    }
    return modules.get(file);
  };
  const harness = new vm.SourceTextModule(HARNESS, { context, identifier: `${name}-harness.mjs` });
  await harness.link(load);
  await harness.evaluate();
  return {
    context: name,
    globals: Object.getOwnPropertyNames(vm.runInContext('globalThis', context)).filter((g) => g in WEB_GLOBALS || NODE_ONLY.includes(g)),
    absent,
    refused,
    results: JSON.parse(JSON.stringify(context.__report)),
  };
}

const module = await WebAssembly.compile(wasmBytes);
const report = [
  await runIn('workerd', { strings: false, wasm: false }, () => module),
  // The bytes are copied into an ArrayBuffer of the context's own realm, as a worker's would be.
  await runIn('bytes', { strings: false, wasm: true }, (context) => {
    const bytes = vm.runInContext(`new Uint8Array(${wasmBytes.length})`, context);
    bytes.set(wasmBytes);
    return bytes;
  }),
];
process.stdout.write(JSON.stringify(report));
