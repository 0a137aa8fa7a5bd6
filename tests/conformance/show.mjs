// show.mjs - print what each side answers, step by step, for writing and checking
// scenarios:  node tests/conformance/show.mjs [scenario-name-or-area ...]
//
// Columns: the real Linux kernel (when it can run here), then socket-kernel's linux,
// freebsd and posix personalities, then the scenario's want / expect.

import { loadScenarios, normalizeStep } from './steps.mjs';
import { runOnKernel } from './kernel_runner.mjs';
import { realKernelUnavailable, machineTunables, runAllReal } from './real_runner.mjs';

const wanted = process.argv.slice(2);
const scenarios = (await loadScenarios()).filter((s) => wanted.length === 0 || wanted.includes(s.name) || wanted.includes(s.area));
const unavailable = realKernelUnavailable();
const real = unavailable ? new Map() : await runAllReal(scenarios);
const tunables = unavailable ? {} : machineTunables();
const f = (v) => (v === undefined ? '' : JSON.stringify(v));

for (const s of scenarios) {
  const runs = {};
  for (const p of ['linux', 'freebsd', 'posix']) {
    runs[p] = await runOnKernel(s, { personality: p, ...(s.kernelOnly ? s.kernel : p === 'linux' ? tunables : {}), ...s.kernelFor?.[p] });
  }
  const r = real.get(s.name);
  console.log(`\n== ${s.area}: ${s.name}${s.kernelOnly ? ' (kernel only)' : ''}${r?.error ? ` REAL ERROR ${r.error}` : ''}`);
  s.steps.forEach((raw, i) => {
    const step = normalizeStep(raw);
    const cols = [f(r?.results?.[i]), f(runs.linux.results[i]), f(runs.freebsd.results[i]), f(runs.posix.results[i])];
    const stated = [('want' in step) ? `want ${f(step.want)}` : '', step.expect ? `expect ${f(step.expect)}` : ''].filter(Boolean).join(' ');
    console.log(`${String(i).padStart(2)} ${step.do.padEnd(36)} real ${cols[0].padEnd(14)} L ${cols[1].padEnd(14)} F ${cols[2].padEnd(14)} P ${cols[3].padEnd(14)} ${stated}`);
  });
  if (r?.end) console.log(`   end real ${f(r.end)} L ${f(runs.linux.end)} F ${f(runs.freebsd.end)} P ${f(runs.posix.end)}`);
}
