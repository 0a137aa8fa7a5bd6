// One sweep point per call, on a tinypool worker thread: the same Storm as a run
// alone, so a point's result does not depend on the pool or on the other points.

import { kernelModule } from '../index.js';
import { Storm } from './engine.js';
import type { StormResult } from './report.js';

export default async function runPoint(scenario: unknown): Promise<StormResult> {
  return new Storm(await kernelModule(), scenario).run();
}
