// The handshake cycle on TsKernel, the plain-JavaScript model, for the benchmark and
// for running it alone. One listener on 127.0.0.1:8080 (backlog 4096); each cycle:
// socket -> connect -> accept -> close (client) -> close (server side).
//
//   node bench/ts_model/cycles.mjs [--cycles N] [--max-ms MS] [--nonblocking] [--open K] [--heap-pairs N]
//
// Blocking (default): connect() returns once the loopback handshake is done.
// Nonblocking: connect() throws EINPROGRESS (an Error object per cycle, as the
// per-call host API does), accept() follows at once.
//
// --open K keeps K pairs open first, all from 127.0.0.1 to 127.0.0.1:8080. Past about
// 14 000 (half of ip_local_port_range) the even ports for that one destination are all
// taken and every connect() scans them before trying odd ones: O(range) per connect,
// in this model and in the kernel alike (same __inet_hash_connect algorithm).

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findGc } from '../gc.mjs';
import { performance } from 'node:perf_hooks';
import { TsKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from './kernel.mjs';

const ADDR = { address: '127.0.0.1', port: 8080 };

/** A kernel with a listener and `open` established pairs kept open. */
export function tsModelSetup({ open = 0, nonblocking = false } = {}) {
  const k = new TsKernel({ maxFds: Math.max(1024, 2 * open + 16) });
  const listener = k.socket(AF_INET, SOCK_STREAM);
  k.bind(listener, ADDR);
  k.listen(listener, 4096);
  const type = SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0);
  for (let i = 0; i < open; i++) {
    const c = k.socket(AF_INET, type);
    try { k.connect(c, ADDR); } catch (e) { if (e.code !== 'EINPROGRESS') throw e; }
    k.accept(listener);
  }
  return { k, listener, type };
}

/** One cycle. */
export function tsModelCycle(k, listener, type) {
  const c = k.socket(AF_INET, type);
  try { k.connect(c, ADDR); } catch (e) { if (e.code !== 'EINPROGRESS') throw e; }
  const { fd } = k.accept(listener);
  k.close(c);
  k.close(fd);
}

/** Runs `cycles` cycles or stops after `maxMs`; returns { cycles, seconds, cyclesPerSec }. */
export function tsModelCycles({ cycles, maxMs = 60_000, nonblocking = false, open = 0 } = {}) {
  if (!Number.isInteger(cycles) || cycles < 1) throw new RangeError(`"cycles" must be a positive integer. Received ${String(cycles)}`);
  const { k, listener, type } = tsModelSetup({ open, nonblocking });
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  let done = 0;
  while (done < cycles) {
    tsModelCycle(k, listener, type);
    done++;
    if ((done & 1023) === 0 && performance.now() >= deadline) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { cycles: done, seconds, cyclesPerSec: done / seconds, open, mode: nonblocking ? 'nonblocking' : 'blocking' };
}


/**
 * JavaScript heap per established pair (client + accepted server side, no data):
 * heapUsed growth over `n` pairs after a full GC. Returns { pairs, bytesPerPair, gc }.
 */
export function tsModelHeapBytes(n = 100_000) {
  if (!Number.isInteger(n) || n < 1 || n > 4_000_000) throw new RangeError(`"n" must be an integer from 1 to 4000000. Received ${String(n)}`);
  const { gc, how } = findGc();
  const heap = () => { if (gc) { gc(); gc(); } return process.memoryUsage().heapUsed; };
  const k = new TsKernel({ maxFds: 2 * n + 1024 });
  // 64 listeners: one destination has only ~28 000 ephemeral ports.
  const listeners = [];
  for (let i = 0; i < 64; i++) {
    const l = k.socket(AF_INET, SOCK_STREAM);
    k.bind(l, { address: '127.0.0.1', port: 9000 + i });
    k.listen(l, 4096);
    listeners.push(l);
  }
  const cycle = (i) => {
    const c = k.socket(AF_INET, SOCK_STREAM);
    k.connect(c, { address: '127.0.0.1', port: 9000 + (i & 63) });
    return [c, k.accept(listeners[i & 63]).fd];
  };
  for (let i = 0; i < 64; i++) { const [c, a] = cycle(i); k.close(c); k.close(a); }   // tables exist before the first reading
  const before = heap();
  for (let i = 0; i < n; i++) cycle(i);
  const after = heap();
  return { pairs: n, bytesPerPair: (after - before) / n, gc: how };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: v } = parseArgs({ options: {
    cycles: { type: 'string', default: '200000' }, 'max-ms': { type: 'string', default: '20000' }, open: { type: 'string', default: '0' },
    nonblocking: { type: 'boolean', default: false }, 'heap-pairs': { type: 'string' },
  } });
  const cycles = Number(v.cycles), maxMs = Number(v['max-ms']), open = Number(v.open), nonblocking = v.nonblocking;
  tsModelCycles({ cycles: Math.min(20_000, cycles), maxMs, nonblocking, open });   // warm-up: let V8 optimise
  console.log(JSON.stringify(tsModelCycles({ cycles, maxMs, nonblocking, open })));
  if (v['heap-pairs'] !== undefined) console.log(JSON.stringify(tsModelHeapBytes(Number(v['heap-pairs']))));
}
