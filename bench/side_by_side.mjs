// Runs the same workloads of two builds A and B in one process, their samples
// interleaved (A B, then B A) so that the machine's noise falls on both alike, and
// prints each build's time per cycle (the lower quartile of the samples) and B's speed
// relative to A. Used by bench/ab.mjs (two kernels) and bench/host_ab.mjs (two hosts).

/** ks: [workloadsA, workloadsB], each { name: () => void } running `cycles` cycles. */
export function sideBySide(labels, ks, { rounds, cycles }) {
  const names = Object.keys(ks[0]);
  const ns = Object.fromEntries(names.map((n) => [n, [[], []]]));
  for (let round = 0; round < rounds; round++) {
    for (const n of names) {
      for (let i = 0; i < 2; i++) {
        const j = round & 1 ? 1 - i : i;
        const t0 = performance.now(); ks[j][n](); const dt = performance.now() - t0;
        if (round >= 2) ns[n][j].push((dt * 1e6) / cycles); // the first rounds warm up (V8 tiers up)
      }
    }
  }
  const q1 = (a) => [...a].sort((x, y) => x - y)[a.length >> 2];
  console.log(`A = ${labels[0]}\nB = ${labels[1]}`);
  console.table(Object.fromEntries(names.map((n) => {
    const a = q1(ns[n][0]), b = q1(ns[n][1]);
    return [n, { 'A ns/cycle': a.toFixed(0), 'B ns/cycle': b.toFixed(0), 'B speed / A': `${(a / b).toFixed(3)}×` }];
  })));
}
