// Two host builds side by side, for a change to host/: which is faster, by how much.
// Both run in one process on the same kernel.wasm, their samples interleaved (A B,
// then B A) so the machine's noise falls on both alike; prints each build's time per
// handshake cycle (the lower quartile of the samples) and B's speed relative to A.
//
//   node bench/host_ab.mjs A/build/host/index.js B/build/host/index.js [--rounds 24] [--cycles 20000]
//
// Workloads: the cycle of bench/index.mjs (socket, SO_LINGER {1,0}, connect, accept,
// close both) through the errno API (k.sys), through the throwing API (nonblocking:
// connect throws EINPROGRESS; blocking: it returns), and batched 64 at a time.
import { parseArgs } from 'node:util';
import { sideBySide } from './side_by_side.mjs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';

const { values: opt, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '24' }, cycles: { type: 'string', default: '20000' } },
});
if (files.length !== 2) { console.error('usage: node bench/host_ab.mjs A/index.js B/index.js [--rounds N] [--cycles N]'); process.exit(2); }
const ROUNDS = Number(opt.rounds), N = Number(opt.cycles);
const wasm = new WebAssembly.Module(readFileSync(new URL('../build/kernel.wasm', import.meta.url)));
const ADDR = { address: '127.0.0.1', port: 8080 };
const LINGER0 = { onoff: 1, linger: 0 };

async function workloads(file) {
  const lib = await import(pathToFileURL(resolve(file)).href);
  const { AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_LINGER } = lib;
  const listener = async () => {
    const k = await lib.createKernel({ wasm, maxFds: 1 << 22, somaxconn: 65535 });
    const l = k.socket(AF_INET, SOCK_STREAM);
    k.bind(l, ADDR);
    k.listen(l, 4096);
    return { k, l };
  };
  const [sys, nb, b, batched] = await Promise.all([listener(), listener(), listener(), listener()]);
  const throwing = ({ k, l }, type) => () => {
    for (let i = 0; i < N; i++) {
      const c = k.socket(AF_INET, type);
      k.setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER0);
      try { k.connect(c, ADDR); } catch (e) { if (e.code !== 'EINPROGRESS') throw e; }
      const a = k.accept(l);
      k.close(c); k.close(a.fd);
    }
  };
  return {
    'errno API (k.sys)': () => {
      const { k, l } = sys, s = k.sys;
      for (let i = 0; i < N; i++) {
        const c = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
        s.setsockopt(c, SOL_SOCKET, SO_LINGER, LINGER0);
        const r = s.connect(c, ADDR);
        if (r !== 0 && r !== -115) throw new Error(`connect: errno ${r}`);
        const a = s.accept(l);
        s.close(c); s.close(a);
      }
    },
    'throwing API, nonblocking': throwing(nb, SOCK_STREAM | SOCK_NONBLOCK),
    'throwing API, blocking': throwing(b, SOCK_STREAM),
    'batched 64': () => {
      const { k, l } = batched;
      for (let d = 0; d < N; d += 64) {
        const c = k.connectBatch(64, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, ADDR);
        const a = k.acceptBatch(l, 64);
        k.closeBatch(c, { reset: true }); k.closeBatch(a);
      }
    },
  };
}

sideBySide(files, [await workloads(files[0]), await workloads(files[1])], { rounds: ROUNDS, cycles: N });
