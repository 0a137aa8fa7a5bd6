// Browser adapter of the platform suite (tests/shared/scenarios.mjs), loaded by
// index.html and driven by tests/platform_browser.test.mjs. Runs the suite on the
// browser bundle with the .wasm fetched (its default: kernel.wasm next to the bundle),
// on the inline bundle, and on the worker bundle inside a Web Worker; then publishes
// window.__report, which the test waits for.
import * as fetched from 'socket-kernel';
import * as inlined from 'socket-kernel/inline';
import { runScenarios } from '/tests/shared/scenarios.mjs';
import { assert } from '/tests/shared/assert.mjs';

const urls = {
  wasm: new URL('/build/kernel.wasm', location.href).href,
  missing: new URL('/missing.wasm', location.href).href,
  wrongType: new URL('/text.wasm', location.href).href,
};

/** The worker entry in a module Web Worker, handed a precompiled module as an edge worker is. */
async function inWorker() {
  const module = await WebAssembly.compileStreaming(fetch(urls.wasm));
  const worker = new Worker('/tests/browser/worker.mjs', { type: 'module' });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(`Web Worker failed: ${e.message ?? 'error event'}`));
      worker.onmessageerror = () => reject(new Error('Web Worker: message could not be cloned'));
      worker.postMessage({ module, urls });
    });
  } finally {
    worker.terminate();
  }
}

const report = { userAgent: navigator.userAgent };
try {
  report.fetched = await runScenarios({ lib: fetched, createKernel: fetched.createKernel, assert, entry: 'browser', urls });
  report.inlined = await runScenarios({ lib: inlined, createKernel: inlined.createKernel, assert, entry: 'inline', urls });
  report.worker = await inWorker();
} catch (e) {
  report.error = `${e?.stack ?? e}`;
}
window.__report = report;
