// The soak (scripts/soak.mjs), bounded: mixed operations on the debug kernel, then
// everything closed and a day passed; live sockets, descriptors, pending events,
// TIME_WAIT and queued bytes back at their baseline, ports and addresses usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../scripts/soak.mjs';
import { debugWasm, PERSONALITIES } from './model/commands.mjs';

for (const personality of PERSONALITIES) {
  test(`${personality}: 60 000 mixed operations leave nothing behind`, async () => {
    const r = await soak({ ops: 60_000, seed: 11, personality, wasm: await debugWasm() });
    assert.deepEqual(r.end, r.baseline);
    assert.deepEqual(r.usable, { ports: true, ephemeral: true, addresses: true });
    assert.ok(r.stats.ActiveOpens > 1000, `connections were made: ${r.stats.ActiveOpens}`);
  });
}
