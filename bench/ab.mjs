// Two kernel builds side by side, for a change to the kernel: which is faster, by how
// much. Both .wasm files run in one process, their samples interleaved (A B, then B A),
// so that the machine's noise falls on both alike; prints each build's time per cycle
// (the lower quartile of the samples) and B's speed relative to A.
//
//   node bench/ab.mjs A.wasm B.wasm [--rounds 24] [--cycles 100000]
//
// Workloads, through the exports (no host layer): the handshake cycle one call at a
// time (SO_LINGER {1,0} as bench/c/cycle.c), the same cycle batched 64 at a time,
// socket + close, a connect refused by a closed port, and 1-byte segments between two
// hosts over a 1 ms link (the link model's packet path; no host has an uplink).
import { parseArgs } from 'node:util';
import { sideBySide } from './side_by_side.mjs';
import { rawKernel, rawCycles, rawLinkPackets } from './raw_kernel.mjs';

const { values: opt, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '24' }, cycles: { type: 'string', default: '100000' } },
});
if (files.length !== 2) { console.error('usage: node bench/ab.mjs A.wasm B.wasm [--rounds N] [--cycles N]'); process.exit(2); }
const ROUNDS = Number(opt.rounds), N = Number(opt.cycles);

function workloads(file) {
  const k = rawKernel(file), { x, s, l } = k;
  const B = 64, out = x.sk_buffer(B * 8);
  const link = rawLinkPackets(file);
  return {
    'cycle, per call': () => rawCycles(k, N),
    'cycle, batched 64': () => { for (let d = 0; d < N; d += B) { x.sk_connect_batch(B, 2, 1 | 2048, s, 16, out); x.sk_accept_batch(l, out + B * 4, B, 0); x.sk_close_batch(out, B, 1); x.sk_close_batch(out + B * 4, B, 0); } },
    'socket + close': () => { for (let i = 0; i < N; i++) x.sk_close(x.sk_socket(2, 1 | 2048, 0)); },
    'connect refused': () => { for (let i = 0; i < N; i++) { const c = x.sk_socket(2, 1 | 2048, 0); x.sk_connect(c, s + 16, 16); x.sk_close(c); } },
    'link packets': () => link(N),
  };
}

sideBySide(files, files.map(workloads), { rounds: ROUNDS, cycles: N });
