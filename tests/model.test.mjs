// Model-based random testing, bounded: random call sequences against the reference
// model (tests/model/kernel_model.mjs) and the debug kernel, compared after every step
// (tests/model/commands.mjs), for each personality in turn. `npm run fuzz` runs it
// without a bound; a failure prints the seed, the path and the shrunk commands.
import { test } from 'node:test';
import fc from 'fast-check';
import { PERSONALITIES, modelProperty } from './model/commands.mjs';

const SEED = 20261205;

for (const personality of PERSONALITIES) {
  test(`${personality}: random call sequences: the kernel answers and looks as the model says, sk_check after every step`, async () => {
    await fc.assert(modelProperty({ maxCommands: 40, personalities: [personality] }), { seed: SEED, numRuns: 40 });
  });
}
