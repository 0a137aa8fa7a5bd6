// Model-based fuzzing without a bound: random call sequences against the reference
// model and the debug kernel (tests/model/commands.mjs), every personality or one.
//
//   npm run fuzz -- [--runs N] [--commands N] [--seed S] [--path P] [--personality linux|freebsd|posix]
//
// Prints the steps run, the seed and the outcome; on a divergence, fast-check's shrunk
// command list and the `--seed S --path P` that replay it exactly. Exit code 1 on a
// divergence, 2 on a bad option.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { PERSONALITIES, modelProperty } from '../tests/model/commands.mjs';

let values;
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1000' },
      commands: { type: 'string', default: '60' },
      seed: { type: 'string' },
      path: { type: 'string' },
      personality: { type: 'string' },
    },
  }));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const int = (name) => {
  const v = Number(values[name]);
  if (!Number.isSafeInteger(v) || v < 1) { console.error(`--${name} must be a positive integer. Received ${values[name]}`); process.exit(2); }
  return v;
};
const runs = int('runs'), maxCommands = int('commands');
const seed = values.seed === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(values.seed);
if (!Number.isSafeInteger(seed)) { console.error(`--seed must be an integer. Received ${values.seed}`); process.exit(2); }

const personality = values.personality;
if (personality !== undefined && !PERSONALITIES.includes(personality)) {
  console.error(`--personality must be one of ${PERSONALITIES.join(', ')}. Received ${personality}`);
  process.exit(2);
}
const personalities = personality === undefined ? PERSONALITIES : [personality];

let steps = 0, exact = 0;
const property = modelProperty({ maxCommands, personalities, onStep: (predicted) => { steps++; if (predicted) exact++; } });
const started = Date.now();
const details = await fc.check(property, { seed, numRuns: runs, path: values.path, endOnFailure: values.path !== undefined });
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`runs     ${details.numRuns}${details.failed ? ` (failed at ${details.numRuns})` : ''}`);
console.log(`steps    ${steps} (commands run, shrinking included); ${exact} answered exactly by the model, the rest checked weaker`);
console.log(`seed     ${seed}`);
console.log(`personalities ${personalities.join(', ')}`);
console.log(`time     ${secs} s`);
if (!details.failed) {
  console.log('outcome  ok: no divergence');
} else {
  console.log('outcome  DIVERGENCE');
  const only = personality === undefined ? '' : ` --personality ${personality}`;
  console.log(`replay   npm run fuzz -- --seed ${seed} --path ${details.counterexamplePath} --runs ${runs} --commands ${maxCommands}${only}`);
  console.log(`shrunk   ${details.counterexample?.map(String).join('\n         ')}`);
  console.log(`error    ${details.errorInstance?.message ?? details.error}`);
  process.exitCode = 1;
}
