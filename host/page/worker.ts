// The page's simulation worker: compiles the kernel with the browser entry (kernel.wasm
// fetched from next to this bundle) and runs one storm at a time with runStorm, so the
// page never freezes. Between slices it posts progress and, spaced so that building them
// costs at most a tenth of the run, snapshots of the result for the live charts.

import { kernelModule } from '../browser.js';
import { runStorm, StormCancelled } from '../storm/engine.js';
import type { Scenario } from '../storm/scenario.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The dedicated worker's global scope, as much of it as this file uses (the page's tsconfig has lib DOM only). */
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

const SLICE_MS = 30;            // wall time per slice: how soon a cancel is seen
const PROGRESS_EVERY_MS = 100;
const SNAPSHOT_EVERY_MS = 250;  // at least; more when snapshots are expensive (large runs)

let current: { id: number; abort: AbortController } | null = null;

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type === 'cancel') {
    if (current?.id === m.id) current.abort.abort();
    else scope.postMessage({ type: 'cancelled', id: m.id });   // already over: say so all the same
  } else if (m.type === 'run') {
    void run(m.id, m.scenario);
  }
};

async function run(id: number, scenario: Scenario): Promise<void> {
  current?.abort.abort();
  const abort = new AbortController();
  current = { id, abort };
  const t0 = performance.now();
  let lastProgress = -Infinity, lastSnapshot = -Infinity, snapshotCost = 0;
  try {
    const module = await kernelModule();
    const result = await runStorm(module, scenario, {
      signal: abort.signal,
      sliceMs: SLICE_MS,
      onSlice: (storm) => {
        const now = performance.now();
        if (now - lastSnapshot >= Math.max(SNAPSHOT_EVERY_MS, 10 * snapshotCost)) {
          const snapshot = storm.snapshot();
          lastSnapshot = lastProgress = performance.now();
          snapshotCost = lastSnapshot - now;
          scope.postMessage({ type: 'progress', id, progress: storm.progress(), snapshot });
        } else if (now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          scope.postMessage({ type: 'progress', id, progress: storm.progress(), snapshot: null });
        }
      },
    });
    scope.postMessage({ type: 'done', id, result, wallMs: performance.now() - t0 });
  } catch (e) {
    if (e instanceof StormCancelled) scope.postMessage({ type: 'cancelled', id });
    else scope.postMessage({ type: 'error', id, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  } finally {
    if (current?.id === id) current = null;
  }
}
