// Soak: N mixed operations on one kernel (connect, accept, send, recv, shutdown,
// disconnect, close, abortive close, listen/unlisten, advance) over a pool of sockets,
// a few listening ports and rotating 127/8 source addresses, then everything closed
// and a simulated day passed. Ends with the figures next to their baseline: live
// sockets, descriptors, pending events, TIME_WAIT, bytes queued, and whether the fixed
// ports, the ephemeral range and the addresses are usable again. Nothing may be left.
//
//   node scripts/soak.mjs [--ops N] [--seed S] [--personality linux|freebsd|posix] [--debug]
//
// Default 100 M operations (hours); tests/soak.test.mjs runs a small N. Exit code 1
// when a figure is not back at its baseline, 2 on a bad option.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_LINGER, SHUT_WR } from 'socket-kernel';

const PORTS = [7000, 7001, 7002];
const POOL = 64;
/** Source addresses rotate over 127.0.1.0 - 127.0.4.255 (1024 of them). */
const ADDRESSES = 1024;
const DAY_MS = 24 * 3600 * 1000;

/** The figures that must come back: what the kernel holds for the sockets in use. */
function figures(k) {
  const m = k.memoryUsage();
  return { liveSockets: m.liveSockets, fds: m.fds, pendingEvents: m.pendingEvents, timeWait: m.timeWait, queuedBytes: m.queuedBytes };
}

/** mulberry32: a seeded generator, so a run replays exactly. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `ops` operations; returns { ops, baseline, end, memory: { before, after }, usable, ok }.
 * @param {{ ops: number, seed?: number, personality?: string, wasm?: WebAssembly.Module, onProgress?: (done: number) => void }} options
 */
export async function soak({ ops, seed = 1, personality = 'linux', wasm, onProgress }) {
  const k = await createKernel({ personality, seed, maxFds: 4096, ...(wasm ? { wasm } : {}) });
  const rnd = prng(seed);
  const pick = (n) => Math.floor(rnd() * n);
  const baseline = figures(k);
  const memoryBefore = k.memoryUsage().total;
  const listeners = new Map();   // port -> fd
  const conns = [];              // fds of clients and accepted ends
  const payload = new Uint8Array(512).fill(7);
  const listen = (port) => {
    const fd = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (k.sys.bind(fd, { address: '0.0.0.0', port }) !== 0 || k.sys.listen(fd, 8) !== 0) { k.sys.close(fd); return; }
    listeners.set(port, fd);
  };
  for (const port of PORTS) listen(port);
  const closeAt = (i) => { k.sys.close(conns[i]); conns[i] = conns[conns.length - 1]; conns.pop(); };

  for (let done = 0; done < ops; done++) {
    const op = pick(100);
    if (op < 20) {
      if (conns.length >= POOL) { closeAt(pick(conns.length)); continue; }
      const fd = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      if (fd < 0) continue;
      const a = 1 + pick(ADDRESSES);
      if (pick(4) === 0) k.sys.bind(fd, { address: `127.0.${a >> 8}.${a & 255}`, port: 0 });
      k.sys.connect(fd, { address: '127.0.0.1', port: PORTS[pick(PORTS.length)] });
      conns.push(fd);
    } else if (op < 35) {
      const l = listeners.get(PORTS[pick(PORTS.length)]);
      if (l !== undefined && conns.length < POOL) { const fd = k.sys.accept(l); if (fd >= 0) conns.push(fd); }
    } else if (op < 55) {
      if (conns.length) { try { k.send(conns[pick(conns.length)], payload.subarray(0, 1 + pick(512))); } catch { /* EAGAIN, EPIPE, ECONNRESET... */ } }
    } else if (op < 72) {
      if (conns.length) { try { k.recv(conns[pick(conns.length)], 1024); } catch { /* EAGAIN, ENOTCONN, errors */ } }
    } else if (op < 76) {
      if (conns.length) k.sys.shutdown(conns[pick(conns.length)], pick(3));
    } else if (op < 78) {
      if (conns.length) { try { k.disconnect(conns[pick(conns.length)]); } catch { /* EBADF cannot happen; others are answers */ } }
    } else if (op < 90) {
      if (conns.length) closeAt(pick(conns.length));
    } else if (op < 93) {
      if (conns.length) {
        const i = pick(conns.length);
        k.sys.setsockopt(conns[i], SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
        closeAt(i);
      }
    } else if (op < 94) {
      // A listener goes and comes back: its queue is reset.
      const port = PORTS[pick(PORTS.length)];
      const l = listeners.get(port);
      if (l !== undefined) { k.sys.close(l); listeners.delete(port); } else listen(port);
    } else {
      k.advance(pick(4) === 0 ? 1000 + pick(60_000) : pick(50));
    }
    if (onProgress && (done & 0xfffff) === 0) onProgress(done);
  }

  for (const fd of conns) k.sys.close(fd);
  for (const fd of listeners.values()) k.sys.close(fd);
  k.advance(DAY_MS);
  k.check();
  const end = figures(k);
  // Ports and addresses are usable again: every fixed port binds, the ephemeral range
  // connects, and fresh source addresses bind.
  const usable = { ports: true, ephemeral: true, addresses: true };
  const held = [];
  for (const port of PORTS) {
    const fd = k.sys.socket(AF_INET, SOCK_STREAM);
    held.push(fd);
    if (k.sys.bind(fd, { address: '0.0.0.0', port }) !== 0 || k.sys.listen(fd, 4096) !== 0) usable.ports = false;
  }
  for (let i = 0; i < 200; i++) {
    const fd = k.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    held.push(fd);
    if (k.sys.connect(fd, { address: '127.0.0.1', port: PORTS[0] }) !== -115) usable.ephemeral = false;
    const a = 1 + pick(ADDRESSES);
    const b = k.sys.socket(AF_INET, SOCK_STREAM);
    held.push(b);
    if (k.sys.bind(b, { address: `127.0.${a >> 8}.${a & 255}`, port: 0 }) !== 0) usable.addresses = false;
  }
  k.closeBatch(held, { reset: true });
  const ok = JSON.stringify(end) === JSON.stringify(baseline) && usable.ports && usable.ephemeral && usable.addresses;
  return { ops, baseline, end, memory: { before: memoryBefore, after: k.memoryUsage().total }, usable, ok, stats: k.stats() };
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({ options: {
      ops: { type: 'string', default: '100000000' }, seed: { type: 'string', default: '1' },
      personality: { type: 'string', default: 'linux' }, debug: { type: 'boolean', default: false },
    } }));
  } catch (e) { console.error(e.message); process.exit(2); }
  const ops = Number(values.ops), seed = Number(values.seed);
  if (!Number.isSafeInteger(ops) || ops < 0) { console.error(`--ops must be a non-negative integer. Received ${values.ops}`); process.exit(2); }
  if (!Number.isSafeInteger(seed)) { console.error(`--seed must be an integer. Received ${values.seed}`); process.exit(2); }
  if (!['linux', 'freebsd', 'posix'].includes(values.personality)) { console.error(`--personality must be linux, freebsd or posix. Received ${values.personality}`); process.exit(2); }
  const wasm = values.debug ? await WebAssembly.compile(await readFile(new URL('../build/kernel.debug.wasm', import.meta.url))) : undefined;
  const started = Date.now();
  const r = await soak({ ops, seed, personality: values.personality, wasm,
    onProgress: process.stderr.isTTY ? (d) => process.stderr.write(`\r${d} / ${ops}`) : undefined });
  if (process.stderr.isTTY) process.stderr.write('\r');
  const secs = (Date.now() - started) / 1000;
  console.log(`soak: ${ops} operations, seed ${seed}, ${values.personality}${values.debug ? ' (debug)' : ''}, ${secs.toFixed(1)} s`);
  console.log('figure          baseline        end');
  for (const name of Object.keys(r.baseline)) console.log(`${name.padEnd(14)} ${String(r.baseline[name]).padStart(9)} ${String(r.end[name]).padStart(10)}`);
  console.log(`${'linear memory'.padEnd(14)} ${String(r.memory.before).padStart(9)} ${String(r.memory.after).padStart(10)}  (grows, never shrinks)`);
  console.log(`ports usable again: ${r.usable.ports}, ephemeral range: ${r.usable.ephemeral}, addresses: ${r.usable.addresses}`);
  console.log(`outcome: ${r.ok ? 'ok: back at baseline' : 'LEAK: not back at baseline'}`);
  if (!r.ok) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
