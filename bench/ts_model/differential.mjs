// Differential check: the same random sequence of calls on TsKernel and on the
// WebAssembly kernel (build/, through the host), comparing every result, every
// error code, the state of every descriptor and the counters after each call.
// Ephemeral port numbers are not compared: the two choose them with different
// hashes (same algorithm, same parity rules).

import { TsKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from './kernel.mjs';

const COUNTERS = ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'TCPTimeouts', 'ActiveOpens', 'PassiveOpens',
  'AttemptFails', 'EstabResets', 'OutRsts', 'AcceptQueueResets', 'ConnectRefused', 'ConnectTimedOut'];

/** Calls fn; returns its result with ephemeral ports left out, or the error code. */
function outcome(fn) {
  try {
    const r = fn();
    if (r === undefined) return 'ok';
    if (typeof r === 'number') return r;
    return { fd: r.fd, address: r.address.address, family: r.address.family };
  } catch (e) {
    if (typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) throw e;
    return e.code;
  }
}

/**
 * Runs `ops` random calls from `seed` on both kernels; throws on the first
 * difference, naming the call. `createKernel` is the host's (socket-kernel).
 */
export function differential(createKernelSync, { ops = 3000, seed = 7 } = {}) {
  const wasm = createKernelSync();
  const model = new TsKernel({ debug: true });
  let x = seed >>> 0;
  const rand = (n) => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    x = (x ^ (x >>> 12)) >>> 0;
    return x % n;
  };
  const both = (what, f) => {
    const a = outcome(() => f(wasm)), b = outcome(() => f(model));
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`differential: ${what}: kernel ${JSON.stringify(a)}, TsKernel ${JSON.stringify(b)}`);
    }
    return a;
  };
  const log = [];
  const call = (what, f) => { log.push(what); return both(`${what} (call ${log.length})`, f); };

  // Two listeners: 127.0.0.1:8080 backlog 2 and 0.0.0.0:8081 backlog 0.
  const specs = [{ address: '127.0.0.1', port: 8080, backlog: 2 }, { address: '0.0.0.0', port: 8081, backlog: 0 }];
  const listeners = [];
  const openListener = (i) => {
    const { address, port, backlog } = specs[i];
    const fd = call('socket', (k) => k.socket(AF_INET, SOCK_STREAM));
    call(`bind ${fd} ${address}:${port}`, (k) => k.bind(fd, { address, port }));
    call(`listen ${fd} ${backlog}`, (k) => k.listen(fd, backlog));
    listeners[i] = fd;
    return fd;
  };
  openListener(0);
  openListener(1);
  // Reopening a listener fails to bind its port while accepted children still hold it
  // (no SO_REUSEADDR: EADDRINUSE, and listen() then autobinds elsewhere), so long runs
  // drift towards refused connects; both kernels must agree on that too.

  const addresses = ['127.0.0.1', '127.0.0.1', '0.0.0.0', '127.0.0.2'];
  const ports = [8080, 8080, 8081, 8082];
  let top = 5;
  for (let i = 0; i < ops; i++) {
    const fd = rand(top + 2);
    switch (rand(9)) {
      case 0: case 1: {
        const type = SOCK_STREAM | (rand(2) ? SOCK_NONBLOCK : 0);
        const r = call(`socket ${type}`, (k) => k.socket(AF_INET, type));
        if (typeof r === 'number' && r >= top) top = r + 1;
        break;
      }
      case 2: case 3: {
        const addr = { address: addresses[rand(4)], port: ports[rand(4)] };
        call(`connect ${fd} ${addr.address}:${addr.port}`, (k) => k.connect(fd, addr));
        break;
      }
      case 4: {
        const l = rand(3) === 0 ? fd : listeners[rand(2)];
        const r = call(`accept ${l}`, (k) => k.accept(l));
        if (typeof r === 'object' && r.fd >= top) top = r.fd + 1;
        break;
      }
      case 5: case 6:
        if (listeners.includes(fd)) break;   // listeners close in case 8
        call(`close ${fd}`, (k) => k.close(fd));
        break;
      case 7: {
        const ms = [0, 500, 1000, 3000, 20_000][rand(5)];
        call(`advance ${ms}`, (k) => k.advance(ms));
        break;
      }
      case 8: {
        if (rand(16) !== 0) break;
        // Close a listener (its queued connections are reset), then listen again.
        const i = rand(2);
        call(`close listener ${listeners[i]}`, (k) => k.close(listeners[i]));
        const nfd = openListener(i);
        if (nfd >= top) top = nfd + 1;
        break;
      }
    }
    // Every open descriptor in the same state, and the same counters.
    const states = new Map(wasm.sockets().filter((r) => r.fd !== null).map((r) => [r.fd, r.state]));
    for (let f = 3; f < top; f++) {
      const a = states.get(f) ?? 'closed';
      let b;
      try { b = model.stateOf(f); } catch { b = 'closed'; }
      if (a !== b) throw new Error(`differential: after ${log.at(-1)} (call ${log.length}): fd ${f} is ${a} in the kernel, ${b} in TsKernel`);
    }
    const sa = wasm.stats(), sb = model.stats();
    for (const c of COUNTERS) {
      if (sa[c] !== sb[c]) throw new Error(`differential: after ${log.at(-1)} (call ${log.length}): ${c} ${sa[c]} in the kernel, ${sb[c]} in TsKernel`);
    }
  }
  model.checkInvariants();
  return { calls: log.length, counters: model.stats() };
}
