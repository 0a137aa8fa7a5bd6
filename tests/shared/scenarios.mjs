// The platform scenario suite: one suite, run on every host (STYLE.md 14).
//
//   tests/platform_node.test.mjs     Node.js, through the public package entries
//   tests/platform_edge.test.mjs     the worker entry in a node:vm context with web globals only
//   tests/platform_browser.test.mjs  chromium and firefox-esr: the browser bundle (fetched and
//                                    inlined .wasm) in a page, the worker bundle in a Web Worker
//
// Plain ESM with no imports from node: or from the package: each adapter hands in the
// entry it loaded. A scenario that cannot run on a host calls ctx.skip(reason); every
// skip and difference is listed in tests/shared/README.md.
//
// ctx = {
//   lib,           the entry's module namespace (import * as lib from 'socket-kernel')
//   createKernel,  (options) => Promise<Kernel>: lib.createKernel, or wrapped to hand over
//                  the module where the entry needs one (worker)
//   assert,        node:assert/strict, or ./assert.mjs where there is no node:assert
//   entry,         the entry the adapter expects: 'node' | 'browser' | 'inline' | 'worker'
//   urls,          optional, on a server: { wasm, missing, wrongType } for the fetch cases
// }

export class Skip extends Error {
  constructor(reason) {
    super(reason);
    this.name = 'Skip';
    this.reason = reason;
  }
}

export const PERSONALITIES = ['linux', 'freebsd', 'posix'];

// ---- fixtures, built by name (STYLE.md 13) -------------------------------------------

/** A TCP listener on 127.0.0.1, port chosen by the kernel. */
function listening(lib, k, backlog, port = 0) {
  const fd = k.socket(lib.AF_INET, lib.SOCK_STREAM);
  k.bind(fd, { address: '127.0.0.1', port });
  k.listen(fd, backlog);
  return { fd, port: k.getsockname(fd).port };
}

/** A nonblocking client that has called connect(): { fd, code } (code null or an errno name). */
function connecting(lib, k, port, flags = lib.SOCK_NONBLOCK) {
  const fd = k.socket(lib.AF_INET, lib.SOCK_STREAM | flags);
  try {
    k.connect(fd, { address: '127.0.0.1', port });
    return { fd, code: null };
  } catch (e) {
    return { fd, code: e.code };
  }
}

/** Whether a client's handshake completed (getpeername works only once ESTABLISHED). */
function isConnected(k, fd) {
  try { k.getpeername(fd); return true; } catch { return false; }
}

/** Opens clients until one does not complete: { completed, blocked }. */
function fillBacklog(lib, k, port, max = 100) {
  for (let i = 0; i < max; i++) {
    const c = connecting(lib, k, port);
    if (!isConnected(k, c.fd)) return { completed: i, blocked: c.fd };
  }
  return { completed: max, blocked: null };
}

function soError(lib, k, fd) { return k.getsockopt(fd, lib.SOL_SOCKET, lib.SO_ERROR); }

/** The errno name a call throws, or 'ok'. */
function code(fn) {
  try { fn(); return 'ok'; } catch (e) { return e.code ?? String(e); }
}

function thrown(fn) {
  try { fn(); } catch (e) { return e; }
  throw new Error('expected an exception');
}

function unixListener(lib, k, path, backlog) {
  const fd = k.socket(lib.AF_UNIX, lib.SOCK_STREAM);
  k.bind(fd, { path });
  k.listen(fd, backlog);
  return fd;
}

function unixConnect(lib, k, path) {
  const fd = k.socket(lib.AF_UNIX, lib.SOCK_STREAM | lib.SOCK_NONBLOCK);
  try { k.connect(fd, { path }); return { fd, code: null }; } catch (e) { return { fd, code: e.code }; }
}

// The accept-queue capacity of listen(fd, backlog), as docs/personalities.md derives it.
const capacity = {
  linux: (b) => b + 1, // include/net/sock.h sk_acceptq_is_full: '>' admits backlog + 1
  freebsd: (b) => Math.floor((3 * b) / 2) + 1, // uipc_socket.c sonewconn: qlen > 3 * qlimit / 2
  posix: (b) => Math.max(b, 1), // listen(3p): 0 admits an implementation-defined minimum, 1
};

// ---- the scenarios -----------------------------------------------------------------

export const scenarios = [
  {
    name: 'LISTEN: the accept queue holds backlog+1 (linux), 3*backlog/2+1 (freebsd), max(backlog,1) (posix), then turns the next SYN away',
    async run({ lib, createKernel, assert }) {
      for (const personality of PERSONALITIES) {
        for (const backlog of [0, 1, 3, 8]) {
          const k = await createKernel({ personality });
          const l = listening(lib, k, backlog);
          const { completed, blocked } = fillBacklog(lib, k, l.port);
          const what = `${personality} backlog ${backlog}`;
          assert.equal(completed, capacity[personality](backlog), what);
          const row = k.sockets().find((s) => s.fd === l.fd);
          assert.deepEqual([row.state, row.recvQ, row.sendQ, row.drops], ['LISTEN', completed, backlog, 1], `${what}: ss -lt row`);
          if (personality === 'freebsd') {
            // The syncache completes the handshake, sonewconn refuses, rst_on_sock_fail resets.
            assert.equal(soError(lib, k, blocked), 104, `${what}: ECONNRESET`);
          } else {
            // Linux and POSIX drop the SYN: the client stays in SYN_SENT and will retransmit.
            assert.equal(k.sockets().find((s) => s.fd === blocked).state, 'SYN_SENT', what);
            assert.equal(k.stats().ListenOverflows, 1, what);
          }
        }
      }
    },
  },
  {
    name: 'SYN_SENT -> ESTABLISHED: a nonblocking connect says EINPROGRESS and accept() returns the clients in order; an empty queue says EAGAIN',
    async run({ lib, createKernel, assert }) {
      const k = await createKernel();
      const l = listening(lib, k, 8, 8080);
      const a = connecting(lib, k, 8080), b = connecting(lib, k, 8080);
      assert.deepEqual([a.code, b.code], ['EINPROGRESS', 'EINPROGRESS'], 'as POSIX says for a nonblocking connect');
      const first = k.accept(l.fd), second = k.accept(l.fd);
      assert.deepEqual(first.address, k.getsockname(a.fd), 'FIFO: the first client first');
      assert.deepEqual(second.address, k.getsockname(b.fd));
      assert.deepEqual(k.getpeername(first.fd), k.getsockname(a.fd));
      assert.deepEqual(k.getsockname(first.fd), { family: 'IPv4', address: '127.0.0.1', port: 8080 });
      assert.equal(soError(lib, k, a.fd), 0);
      assert.equal(code(() => k.connect(a.fd, { address: '127.0.0.1', port: 8080 })), 'ok', 'connect() reports completion once');
      assert.equal(code(() => k.connect(a.fd, { address: '127.0.0.1', port: 8080 })), 'EISCONN');
      assert.throws(() => k.accept(l.fd), { code: 'EAGAIN', syscall: 'accept' });
      assert.deepEqual([k.stats().ActiveOpens, k.stats().PassiveOpens], [2, 2]);
    },
  },
  {
    name: 'SYN_SENT: a SYN dropped on a full queue gets in at the 1 s retransmit, after advance(1000)',
    async run({ lib, createKernel, assert }) {
      const k = await createKernel({ personality: 'linux' });
      const l = listening(lib, k, 0);
      const { completed, blocked } = fillBacklog(lib, k, l.port);
      assert.equal(completed, 1);
      assert.equal(k.nextTimer(), 1000, 'TCP_TIMEOUT_INIT: the retransmit is due in 1 s');
      k.accept(l.fd);
      k.advance(999);
      assert.equal(isConnected(k, blocked), false, 'not before 1 s');
      k.advance(1);
      assert.equal(isConnected(k, blocked), true, 'at 1 s');
      assert.equal(k.now(), 1000);
      const s = k.stats();
      assert.deepEqual([s.ListenOverflows, s.ListenDrops, s.TCPSynRetrans], [1, 1, 1]);
    },
  },
  {
    name: 'SYN_SENT -> CLOSED: with no listener a nonblocking connect says EINPROGRESS, SO_ERROR says ECONNREFUSED once, a blocking connect throws it',
    async run({ lib, createKernel, assert }) {
      const k = await createKernel();
      const c = connecting(lib, k, 9);
      assert.equal(c.code, 'EINPROGRESS');
      assert.equal(soError(lib, k, c.fd), 111, 'ECONNREFUSED');
      assert.equal(soError(lib, k, c.fd), 0, 'SO_ERROR is cleared by reading it');
      const fd = k.socket(lib.AF_INET, lib.SOCK_STREAM);
      const err = thrown(() => k.connect(fd, { address: '127.0.0.1', port: 9 }));
      assert.deepEqual([err.code, err.errno, err.syscall, err.address, err.port, err.message],
        ['ECONNREFUSED', -111, 'connect', '127.0.0.1', 9, 'connect ECONNREFUSED: connection refused 127.0.0.1:9']);
      assert.equal(k.stats().ConnectRefused, 2);
    },
  },
  {
    name: 'AF_UNIX: bind, listen, connect and accept by path; a full queue says EAGAIN (linux, posix) or ECONNREFUSED (freebsd)',
    async run({ lib, createKernel, assert }) {
      const full = { linux: 'EAGAIN', freebsd: 'ECONNREFUSED', posix: 'EAGAIN' };
      for (const personality of PERSONALITIES) {
        const k = await createKernel({ personality });
        const l = unixListener(lib, k, '/run/app.sock', 2);
        const c = unixConnect(lib, k, '/run/app.sock');
        assert.equal(c.code, null, 'AF_UNIX connect completes at once');
        assert.deepEqual(k.getpeername(c.fd), { family: 'unix', path: '/run/app.sock' });
        const a = k.accept(l);
        assert.deepEqual(a.address, { family: 'unix', path: '' }, 'an unnamed client');
        assert.deepEqual(k.getsockname(a.fd), { family: 'unix', path: '/run/app.sock' });
        let n = 0, last;
        for (; n < 20; n++) { last = unixConnect(lib, k, '/run/app.sock'); if (last.code) break; }
        assert.equal(n, capacity[personality](2), personality);
        assert.equal(last.code, full[personality], personality);
        assert.equal(k.stats().UnixRefusedFull, 1);
        assert.equal(unixConnect(lib, k, '/run/none.sock').code, 'ENOENT');
        assert.throws(() => k.bind(k.socket(lib.AF_UNIX, lib.SOCK_STREAM), { path: '/run/app.sock' }),
          { code: 'EADDRINUSE', address: '/run/app.sock', message: 'bind EADDRINUSE: address already in use /run/app.sock' });
      }
    },
  },
  {
    name: "errors: SocketError carries code, errno, syscall, address, port and Node's message; bad arguments are TypeErrors with Node's codes",
    async run({ lib, createKernel, assert }) {
      const k = await createKernel();
      const ebadf = thrown(() => k.listen(42, 1));
      assert.ok(ebadf instanceof lib.SocketError && ebadf instanceof Error);
      assert.deepEqual([ebadf.name, ebadf.code, ebadf.errno, ebadf.syscall, ebadf.message],
        ['SocketError', 'EBADF', -9, 'listen', 'listen EBADF: bad file descriptor']);
      listening(lib, k, 1, 8080);
      const inUse = thrown(() => k.bind(k.socket(lib.AF_INET, lib.SOCK_STREAM), { address: '127.0.0.1', port: 8080 }));
      assert.deepEqual([inUse.code, inUse.errno, inUse.syscall, inUse.address, inUse.port, inUse.message],
        ['EADDRINUSE', -98, 'bind', '127.0.0.1', 8080, 'bind EADDRINUSE: address already in use 127.0.0.1:8080']);
      assert.equal(lib.Errno.EADDRINUSE, 98);
      assert.equal(lib.errnoName(-111), 'ECONNREFUSED');
      const badFd = thrown(() => k.listen('3', 1));
      assert.ok(badFd instanceof TypeError && badFd instanceof lib.ArgumentError);
      assert.equal(badFd.code, 'ERR_INVALID_ARG_TYPE');
      assert.throws(() => k.bind(k.socket(lib.AF_INET, lib.SOCK_STREAM), { address: '127.0.0.1', port: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => k.advance(-5), { code: 'ERR_OUT_OF_RANGE' });
      await assert.rejects(createKernel({ backlog: 5 }), { code: 'ERR_INVALID_ARG_VALUE', message: 'Unknown option "backlog"' });
      await assert.rejects(createKernel({ personality: 'windows' }), { code: 'ERR_INVALID_ARG_VALUE' });
      await assert.rejects(createKernel({ somaxconn: 1.5 }), { code: 'ERR_INVALID_ARG_TYPE', message: '"somaxconn" must be an integer. Received 1.5' });
    },
  },
  {
    name: 'kernels: two kernels in one realm share nothing (ports, descriptors, queues, clocks, counters); the same seed gives the same ports',
    async run({ lib, createKernel, assert }) {
      const [a, b] = await Promise.all([createKernel({ seed: 7 }), createKernel({ seed: 7 })]);
      const la = listening(lib, a, 0, 8080), lb = listening(lib, b, 0, 8080);
      assert.deepEqual([la.fd, lb.fd], [3, 3], 'each has its own descriptor table');
      assert.equal(fillBacklog(lib, a, 8080).completed, 1);
      assert.deepEqual([a.stats().ListenOverflows, b.stats().ListenOverflows], [1, 0], 'counters are per kernel');
      a.advance(5000);
      assert.deepEqual([a.now(), b.now()], [5000, 0], 'clocks are per kernel');
      const cb = connecting(lib, b, 8080);
      assert.equal(isConnected(b, cb.fd), true, "b's queue is its own");
      const ca = connecting(lib, a, 8080);
      assert.equal(isConnected(a, ca.fd), false, "a's queue is still full");
      // Determinism: the same calls from the same seed give the same ephemeral ports.
      const [c, d] = await Promise.all([createKernel({ seed: 42 }), createKernel({ seed: 42 })]);
      for (const kk of [c, d]) listening(lib, kk, 4, 8080);
      const ports = [c, d].map((kk) => [0, 1, 2].map(() => kk.getsockname(connecting(lib, kk, 8080).fd).port));
      assert.deepEqual(ports[0], ports[1]);
      c.close(3);
      assert.equal(code(() => d.getsockname(3)), 'ok', "closing c's listener leaves d's");
    },
  },
  {
    name: 'observability: stats() names every counter, sockets() shows the table as ss does, memoryUsage() accounts for it',
    async run({ lib, createKernel, assert }) {
      const k = await createKernel();
      const fresh = k.stats();
      for (const name of ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'ActiveOpens', 'PassiveOpens', 'ConnectRefused', 'UnixRefusedFull']) {
        assert.equal(fresh[name], 0, name);
      }
      assert.ok(Object.values(fresh).every((v) => typeof v === 'number'));
      const l = listening(lib, k, 4, 8080);
      const c = connecting(lib, k, 8080);
      const rows = k.sockets();
      assert.deepEqual(rows.find((s) => s.fd === l.fd), {
        fd: l.fd, state: 'LISTEN', family: 'IPv4', type: 'stream', recvQ: 1, sendQ: 4, synRecv: 0, drops: 0,
        local: { family: 'IPv4', address: '127.0.0.1', port: 8080 }, peer: null,
      });
      const client = rows.find((s) => s.fd === c.fd);
      assert.deepEqual([client.state, client.peer], ['ESTABLISHED', { family: 'IPv4', address: '127.0.0.1', port: 8080 }]);
      const queued = rows.find((s) => s.fd === null);
      assert.deepEqual([queued.state, queued.local.port], ['ESTABLISHED', 8080], 'the queued connection has no descriptor yet');
      const m = k.memoryUsage();
      assert.deepEqual([m.liveSockets, m.fds], [3, 5]);
      assert.ok(m.total > 0);
    },
  },
  {
    name: 'loading: createKernel() checks wasm, url and every other option at the door; kernels from one module are independent',
    async run({ lib, createKernel, assert }) {
      await assert.rejects(createKernel({ wasm: 42 }), { code: 'ERR_INVALID_ARG_TYPE', message: /"wasm" must be a WebAssembly.Module or a BufferSource/ });
      await assert.rejects(createKernel({ wasm: 'kernel.wasm' }), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(lib.createKernel({ url: 42 }), { code: 'ERR_INVALID_ARG_TYPE', message: /"url" must be a string or a URL/ });
      await assert.rejects(lib.createKernel({ url: 'https://example.invalid/kernel.wasm', wasm: new Uint8Array(8) }),
        { code: 'ERR_INVALID_ARG_VALUE', message: 'Give "wasm" or "url", not both' });
      await assert.rejects(lib.createKernel(7), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(createKernel({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) }), { name: 'CompileError' });
      const k = await createKernel();
      assert.equal(k.personality, 'linux');
      assert.equal(typeof lib.Kernel, 'function');
      assert.equal(typeof lib.kernelImports, 'function');
      for (const name of ['KernelPanic', 'PlatformError', 'WasmLoadError', 'SocketError', 'ArgumentError']) {
        assert.equal(typeof lib[name], 'function', name);
      }
      assert.deepEqual([lib.AF_UNIX, lib.AF_INET, lib.AF_INET6, lib.SOCK_STREAM, lib.SOCK_NONBLOCK], [1, 2, 10, 1, 0o4000]);
    },
  },
  {
    name: 'loading: each entry finds the kernel its own way (node: the package file; browser: fetched; inline: embedded; worker: given)',
    async run({ lib, assert, entry }) {
      assert.equal(lib.entry, entry, 'package.json picked the expected entry');
      if (entry === 'worker') {
        // No file system: the module must be handed over. The error says what is Node-only.
        const noWasm = { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', name: 'TypeError', message: /available only in Node\.js/ };
        await assert.rejects(lib.createKernel(), noWasm);
        await assert.rejects(lib.createKernel({ personality: 'freebsd' }), noWasm);
        await assert.rejects(lib.kernelModule(), noWasm);
      } else {
        const [m1, m2] = await Promise.all([lib.kernelModule(), lib.kernelModule()]);
        assert.ok(m1 === m2 && m1 === (await lib.kernelModule()), 'compiled once, shared by every kernel');
        const [a, b] = [new lib.Kernel(m1), new lib.Kernel(m1, { personality: 'posix' })];
        listening(lib, a, 1, 8080);
        listening(lib, b, 1, 8080);
        assert.deepEqual([a.personality, b.personality], ['linux', 'posix']);
        assert.equal((await lib.createKernel({ personality: 'freebsd' })).sysctl('somaxconn'), 128);
      }
      if (entry === 'node') {
        await assert.rejects(lib.createKernel({ url: 'file:///nonexistent/kernel.wasm' }), { code: 'ENOENT' });
      } else {
        // Reading file: URLs is a Node.js feature; elsewhere the error says so.
        await assert.rejects(lib.createKernel({ url: 'file:///srv/kernel.wasm' }),
          { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', message: /file: URLs are read only by socket-kernel's Node\.js entry/ });
      }
    },
  },
  {
    name: 'async: acceptAsync, connectAsync, recvAsync and sendAsync wait on readiness; an AbortSignal cancels with AbortError',
    async run({ lib, createKernel, assert }) {
      const k = await createKernel();
      const l = listening(lib, k, 4);
      const accepted = k.acceptAsync(l.fd);
      const c = k.socket(lib.AF_INET, lib.SOCK_STREAM | lib.SOCK_NONBLOCK);
      await k.connectAsync(c, { address: '127.0.0.1', port: l.port });
      const { fd: a } = await accepted;
      const got = k.recvAsync(a);
      await k.sendAsync(c, 'over the kernel');
      assert.equal(new TextDecoder().decode(await got), 'over the kernel');
      const ac = new AbortController();
      const waiting = k.recvAsync(a, 100, { signal: ac.signal });
      ac.abort();
      await assert.rejects(waiting, { name: 'AbortError', code: 'ABORT_ERR' });
      const r = k.socket(lib.AF_INET, lib.SOCK_STREAM | lib.SOCK_NONBLOCK);
      await assert.rejects(k.connectAsync(r, { address: '127.0.0.1', port: 9 }), { code: 'ECONNREFUSED' });
    },
  },
  {
    name: "async, clock 'auto': a dropped SYN is retransmitted on the simulated clock without anyone calling advance()",
    async run({ lib, createKernel, assert }) {
      const k = await createKernel({ clock: 'auto' });
      const l = listening(lib, k, 0);
      connecting(lib, k, l.port);                     // fills backlog 0
      const c = k.socket(lib.AF_INET, lib.SOCK_STREAM | lib.SOCK_NONBLOCK);
      const p = k.connectAsync(c, { address: '127.0.0.1', port: l.port });
      k.accept(l.fd);
      await p;
      assert.equal(k.now(), 1000, 'the 1 s SYN retransmit, in simulated time');
    },
  },
  {
    name: 'streams: a connection as WHATWG ReadableStream/WritableStream (k.streams), listener as an async iterable',
    async run({ createKernel, assert }) {
      const k = await createKernel();
      const server = k.streams.listen({ address: '127.0.0.1', port: 8080 });
      const serving = (async () => {
        for await (const conn of server) {
          const reader = conn.readable.getReader();
          const writer = conn.writable.getWriter();
          let all = '';
          for (;;) { const { value, done } = await reader.read(); if (done) break; all += new TextDecoder().decode(value); }
          await writer.write(new TextEncoder().encode(all.toUpperCase()));
          await writer.close();
          return;
        }
      })();
      const client = k.streams.connect({ address: '127.0.0.1', port: 8080 });
      const { remoteAddress } = await client.opened;
      assert.deepEqual(remoteAddress, { family: 'IPv4', address: '127.0.0.1', port: 8080 });
      const w = client.writable.getWriter();
      await w.write(new TextEncoder().encode('hello streams'));
      await w.close();
      let reply = '';
      const r = client.readable.getReader();
      for (;;) { const { value, done } = await r.read(); if (done) break; reply += new TextDecoder().decode(value); }
      assert.equal(reply, 'HELLO STREAMS');
      await serving;
      await client.closed;
    },
  },
  {
    name: 'net facade: Node-only, and outside Node its error says so',
    async run({ createKernel, assert, entry }) {
      const k = await createKernel();
      if (entry === 'node') {
        assert.equal(typeof k.net.createServer, 'function');
      } else {
        assert.throws(() => k.net, { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', message: /Node\.js only/ });
      }
    },
  },
  {
    name: 'loading: options.url is fetched and compiled while streaming; a 404 or a wrong content type is a WasmLoadError',
    async run({ lib, assert, urls, skip }) {
      if (!urls) skip('no HTTP server on this host (the vm context has no network); the url cases run in Node, the pages and the Web Worker');
      const [m1, m2] = await Promise.all([lib.kernelModule(urls.wasm), lib.kernelModule(new URL(urls.wasm))]);
      assert.ok(m1 === m2, 'compiled once per URL');
      const k = await lib.createKernel({ url: urls.wasm, personality: 'posix' });
      assert.equal(k.personality, 'posix');
      await assert.rejects(lib.createKernel({ url: urls.missing }), { name: 'WasmLoadError', code: 'ERR_KERNEL_WASM_LOAD', status: 404, url: urls.missing });
      await assert.rejects(lib.createKernel({ url: urls.wrongType }),
        { code: 'ERR_KERNEL_WASM_LOAD', message: /was served as 'text\/plain.*needs 'application\/wasm'/ });
      // A failure is not remembered: the same URL is tried again.
      await assert.rejects(lib.kernelModule(urls.missing), { status: 404 });
    },
  },
];

/** Runs one scenario: { name, status: 'pass' | 'fail' | 'skip', ms, error?, reason? }. */
export async function runScenario(scenario, ctx) {
  const start = Date.now();
  const skip = (reason) => { throw new Skip(reason); };
  try {
    await scenario.run({ ...ctx, skip });
    return { name: scenario.name, status: 'pass', ms: Date.now() - start };
  } catch (error) {
    if (error instanceof Skip) return { name: scenario.name, status: 'skip', reason: error.reason, ms: Date.now() - start };
    return { name: scenario.name, status: 'fail', ms: Date.now() - start, error };
  }
}

/** Runs every scenario; errors become plain { name, message, stack } so results can cross postMessage and page boundaries. */
export async function runScenarios(ctx) {
  const results = [];
  for (const s of scenarios) {
    const r = await runScenario(s, ctx);
    if (r.error) r.error = { name: r.error.name, message: String(r.error.message), stack: String(r.error.stack ?? '') };
    results.push(r);
  }
  return results;
}
