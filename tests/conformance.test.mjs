// Conformance: the same scenarios against the real Linux kernel and against every
// socket-kernel personality.
//
// tests/conformance/scenarios/*.json hold the scenarios (format in
// tests/conformance/steps.mjs). On Linux with gcc, tests/conformance/runner.c is
// compiled once and runs every scenario that real loopback can show, all of them
// concurrently (each in its own process, with kernel-chosen ports). socket-kernel runs
// every scenario through the public package entry (tests/conformance/kernel_runner.mjs)
// for each personality, and each step's result is compared:
//
//   linux    with the real kernel's result; and with the step's "want", where the
//            scenario states one (a "want" the real kernel contradicts is stale data);
//   freebsd, with the step's "expect" for that personality where it has one (written
//   posix    from the FreeBSD and POSIX manuals and sources, each with its source),
//            else with the Linux result (real, or "want" where the real kernel cannot
//            be asked).
//
// "until" results are durations, compared within the tolerance; every other result
// must be equal. A difference fails unless tests/conformance/known-differences.json
// lists it (scenario, step, personality, the result socket-kernel gives) with a reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { loadScenarios, checkScenario, normalizeStep, kernelOnlyReason, parseStep, TOLERANCE_MS } from './conformance/steps.mjs';
import { runOnKernel } from './conformance/kernel_runner.mjs';
import { realKernelUnavailable, machineTunables, runAllReal } from './conformance/real_runner.mjs';

const KNOWN_DIFFERENCES = new URL('./conformance/known-differences.json', import.meta.url);
const PERSONALITIES = ['linux', 'freebsd', 'posix'];

const fmt = (v) => JSON.stringify(v);

// ---- comparison ----------------------------------------------------------------------

/**
 * Equal; two "until" durations within the tolerance; "*" in an expectation (where a
 * manual leaves the value open, such as a random port's parity) matches anything.
 */
function same(expected, actual, tolerance) {
  if (expected === '*') return true;
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object') {
    if ('after' in expected && 'after' in actual) return Math.abs(expected.after - actual.after) <= tolerance;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((k) => k in actual && same(expected[k], actual[k], tolerance));
  }
  return isDeepStrictEqual(expected, actual);
}

/**
 * What personality p should give at step i: { value, from }, or { unchecked } when
 * nothing states a value (a setup step of a socket-kernel-only scenario, or every step
 * when the real kernel cannot run here and the step has no "want"). `linuxKernel` is
 * the Linux personality's result, the last resort for FreeBSD and POSIX ("as Linux
 * unless stated").
 */
function expectation(scenario, i, p, real, linuxKernel) {
  const step = normalizeStep(scenario.steps[i]);
  if (p !== 'linux' && step.expect && p in step.expect) return { value: step.expect[p], from: `expect.${p}: ${step.source}` };
  const realValue = real?.results?.[i];
  if (realValue !== undefined && realValue !== 'skipped') return { value: realValue, from: 'the real Linux kernel' };
  if ('want' in step) return { value: step.want, from: scenario.kernelOnly ? `want: ${scenario.source}` : 'want' };
  if (p !== 'linux') return { value: linuxKernel[i], from: 'as the Linux personality (nothing stated)' };
  return { unchecked: true };
}

const scenarios = await loadScenarios();
const { differences } = JSON.parse(await readFile(KNOWN_DIFFERENCES, 'utf8'));
const known = new Map(differences.map((d) => [`${d.scenario}|${d.step}|${d.personality ?? 'linux'}`, d]));
const unavailable = realKernelUnavailable();
let realRuns = new Map();
let realError = null;
if (!unavailable) {
  try {
    realRuns = await runAllReal(scenarios);
  } catch (e) {
    realError = e;
  }
}
const tunables = unavailable ? {} : machineTunables();
/** Per scenario: how the Linux personality compared with the real kernel, and each personality's failures. */
const outcome = new Map();

test('conformance scenarios are well formed', () => {
  const problems = scenarios.flatMap(checkScenario);
  const names = scenarios.map((s) => s.name);
  for (const n of new Set(names)) if (names.indexOf(n) !== names.lastIndexOf(n)) problems.push(`duplicate scenario name "${n}"`);
  for (const s of scenarios) {
    s.steps.forEach((raw, i) => {
      const step = normalizeStep(raw);
      if (kernelOnlyReason(s, step) && !('want' in step) && ['stats', 'synqueue'].includes(parseStep(step.do).op)) {
        problems.push(`${s.name} step ${i}: "${step.do}" runs on socket-kernel only and needs a "want"`);
      }
    });
  }
  for (const d of differences) {
    const s = scenarios.find((x) => x.name === d.scenario);
    const step = s && s.steps[d.step] !== undefined ? normalizeStep(s.steps[d.step]) : null;
    if (!step) problems.push(`known-differences.json: no step ${d.step} in scenario "${d.scenario}"`);
    else if (step.do !== d.do) problems.push(`known-differences.json: ${d.scenario} step ${d.step} is "${step.do}", not "${d.do}"`);
    if (!d.reason) problems.push(`known-differences.json: ${d.scenario} step ${d.step} has no reason`);
  }
  assert.deepEqual(problems, []);
});

test('the real Linux kernel runs the scenarios', (t) => {
  if (unavailable) { t.skip(unavailable); return; }
  if (realError) throw realError;
  t.diagnostic(`${realRuns.size} scenarios on this kernel; tunables ${fmt(tunables)}`);
});

for (const scenario of scenarios) {
  test(`${scenario.area}: ${scenario.name}`, async (t) => {
    const real = scenario.kernelOnly ? null : realRuns.get(scenario.name) ?? null;
    outcome.set(scenario.name, { area: scenario.area, real: Boolean(real?.results) });
    if (scenario.kernelOnly) t.diagnostic(`socket-kernel only: ${scenario.kernelOnly}`);

    await t.test('real Linux kernel', (tt) => {
      if (scenario.kernelOnly) { tt.skip(`kernel-only scenario: ${scenario.kernelOnly}`); return; }
      if (unavailable) { tt.skip(unavailable); return; }
      if (realError) throw realError;
      assert.ok(real, 'no recording');
      if (real.error) assert.fail(real.error);
      assert.equal(real.results.length, scenario.steps.length, 'runner.c answered every step');
      assert.deepEqual(real.end, { open_fds_left: 0 }, 'runner.c closed every socket');
      // A stated "want" that the real kernel contradicts is stale scenario data.
      const stale = [];
      scenario.steps.forEach((raw, i) => {
        const step = normalizeStep(raw);
        const r = real.results[i];
        if ('want' in step && r !== 'skipped' && r !== 'unavailable' && !same(step.want, r, scenario.tolerance ?? TOLERANCE_MS)) {
          stale.push(`step ${i} "${step.do}": want ${fmt(step.want)}, Linux ${fmt(r)}`);
        }
      });
      if (stale.length) assert.fail(`the scenario's wants disagree with this Linux kernel:\n  ${stale.join('\n  ')}`);
    });

    const runs = {};
    for (const p of PERSONALITIES) {
      runs[p] = await runOnKernel(scenario, {
        personality: p,
        ...(scenario.kernelOnly ? scenario.kernel : p === 'linux' ? tunables : {}),
        ...scenario.kernelFor?.[p],
      });
    }
    const tolerance = scenario.tolerance ?? TOLERANCE_MS;

    for (const p of PERSONALITIES) {
      await t.test(p, (tt) => {
        if (scenario.skip?.[p]) { tt.skip(scenario.skip[p]); return; }
        const run = runs[p];
        const failures = [];
        let knownSeen = false;
        run.results.forEach((got, i) => {
          const step = normalizeStep(scenario.steps[i]);
          if (real?.results?.[i] === 'unavailable' && !(p !== 'linux' && step.expect && p in step.expect)) {
            tt.diagnostic(`step ${i} "${step.do}": this Linux kernel cannot answer it (no AF_UNIX sock_diag)`);
            return;
          }
          const e = expectation(scenario, i, p, real, runs.linux.results);
          const entry = known.get(`${scenario.name}|${i}|${p}`);
          if (e.unchecked) return;
          const ok = same(e.value, got, tolerance);
          const expected = fmt(e.value);
          if (ok) {
            if (entry && (real || scenario.kernelOnly || p !== 'linux')) {
              failures.push(`step ${i} "${step.do}": known-differences.json lists a difference that is gone (socket-kernel gives ${fmt(got)} as expected); remove the entry`);
            }
            return;
          }
          if (entry && isDeepStrictEqual(entry.kernel, got)) {
            tt.diagnostic(`step ${i} "${step.do}": known difference, expected ${expected} (${e.from}), socket-kernel ${fmt(got)}: ${entry.reason}`);
            knownSeen = true;
            return;
          }
          failures.push(`step ${i} "${step.do}": expected ${expected} (${e.from}), socket-kernel ${fmt(got)}`
            + (entry ? ` (known-differences.json expects ${fmt(entry.kernel)})` : ''));
        });
        if (!isDeepStrictEqual(run.end, { open_fds_left: 0 })) failures.push(`descriptors left open after closing every socket: ${fmt(run.end)}`);
        const o = outcome.get(scenario.name);
        o[p] = failures.length ? 'differs' : knownSeen ? 'known difference' : 'matches';
        if (failures.length) assert.fail(`${failures.length} difference(s), ${p} personality:\n  ${failures.join('\n  ')}`);
      });
    }
  });
}

test('summary', (t) => {
  const areas = new Map();
  for (const o of outcome.values()) {
    const a = areas.get(o.area) ?? { scenarios: 0, onRealKernel: 0, matchReal: 0, knownDifference: 0, differ: 0 };
    a.scenarios++;
    if (o.real) {
      a.onRealKernel++;
      if (o.linux === 'matches') a.matchReal++;
      else if (o.linux === 'known difference') a.knownDifference++;
      else a.differ++;
    }
    areas.set(o.area, a);
  }
  for (const [area, a] of areas) {
    t.diagnostic(`${area}: ${a.scenarios} scenarios, ${a.onRealKernel} on the real kernel: ${a.matchReal} match, ${a.knownDifference} with a known difference, ${a.differ} differ`);
  }
  for (const p of PERSONALITIES) {
    const differ = [...outcome].filter(([, o]) => o[p] === 'differs').map(([n]) => n);
    t.diagnostic(`${p}: ${differ.length} scenario(s) differ${differ.length ? `: ${differ.join(', ')}` : ''}`);
  }
});
