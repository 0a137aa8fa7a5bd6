// The worker entry (build/worker.js) in a module Web Worker: no DOM, no import map, the
// kernel module handed over by the page (see page.mjs).
import * as lib from '/build/worker.js';
import { runScenarios } from '/tests/shared/scenarios.mjs';
import { assert } from '/tests/shared/assert.mjs';

self.onmessage = async ({ data: { module, urls } }) => {
  const results = await runScenarios({
    lib, assert, entry: 'worker', urls, createKernel: (options) => lib.createKernel({ wasm: module, ...options }),
  });
  self.postMessage(results);
};
