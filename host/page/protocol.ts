// Messages between the page (main.ts) and its simulation worker (worker.ts).

import type { Progress, StormSnapshot } from '../storm/engine.js';
import type { Scenario } from '../storm/scenario.js';
import type { StormResult } from '../storm/report.js';

export type ToWorker =
  | { type: 'run'; id: number; scenario: Scenario }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress; snapshot: StormSnapshot | null }
  | { type: 'done'; id: number; result: StormResult; wallMs: number }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };
