// One suite, two targets (STYLE.md 14): every scenario runs against Node's `net` over
// real loopback TCP (127.0.0.1, port 0) and against `k.net` over the kernel, and the
// two must record the same events, in the same order, with the same values. Each
// scenario also checks facts about Node's own record, so a scenario that records
// nothing cannot pass.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createKernel } from 'socket-kernel';

const HOST = '127.0.0.1';

const targets = [
  { name: 'net', open: async () => net },
  { name: 'k.net', open: async () => (await createKernel({ clock: 'real' })).net },
];

/** Runs scenario(N) against each target; returns { net: record, 'k.net': record }. */
async function onBoth(scenario) {
  const out = {};
  for (const t of targets) out[t.name] = await scenario(await t.open());
  return out;
}

/** Asserts the records match and returns Node's, to check facts on. */
async function same(scenario) {
  const r = await onBoth(scenario);
  assert.deepEqual(r['k.net'], r.net, 'k.net recorded what net recorded');
  return r.net;
}

async function listening(N, options = {}) {
  const server = N.createServer(options);
  server.listen(0, HOST);
  await once(server, 'listening');
  return { server, port: server.address().port };
}

/** A connected pair: { server, port, client, peer } (peer: the server's side). */
async function connected(N, serverOptions = {}, clientOptions = {}) {
  const { server, port } = await listening(N, serverOptions);
  const accepted = once(server, 'connection');
  const client = N.connect({ port, host: HOST, ...clientOptions });
  const [[peer]] = await Promise.all([accepted, once(client, 'connect')]);
  return { server, port, client, peer };
}

/** Records a socket's stream events as strings ('data:x', 'end', 'finish', 'close:false'). */
function recordEvents(sock, log, tag = '') {
  sock.on('data', (d) => log.push(`${tag}data:${d}`));
  for (const ev of ['end', 'finish', 'timeout']) sock.on(ev, () => log.push(`${tag}${ev}`));
  sock.on('error', (e) => log.push(`${tag}error:${e.code}`));
  sock.on('close', (hadError) => log.push(`${tag}close:${hadError}`));
}

const closed = (s) => new Promise((r) => { if (s.destroyed && s.closed) r(); else s.once('close', r); });
const closeServer = (server) => new Promise((r) => server.close(() => r()));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('net parity: listening and connecting', () => {
  test("listen(port, host) looks the host up first: 'listening' comes after a tick queued by the caller, before an immediate", async () => {
    const log = await same(async (N) => {
      const log = [];
      const server = N.createServer();
      server.on('listening', () => log.push('listening'));
      server.listen(0, HOST);
      log.push(`returned listening=${server.listening}`);
      process.nextTick(() => log.push('tick'));
      await new Promise((r) => setImmediate(r));
      log.push('immediate');
      const a = server.address();
      log.push(`address ${a.address} ${a.family} ${typeof a.port}`);
      await closeServer(server);
      log.push(`after close: listening=${server.listening} address=${server.address()}`);
      return log;
    });
    assert.deepEqual(log.slice(0, 4), ['returned listening=false', 'tick', 'listening', 'immediate']);
  });
  test("a client sees 'connect' then 'ready'; addresses, ports and families agree on both ends", async () => {
    const log = await same(async (N) => {
      const log = [];
      const { server, port } = await listening(N);
      const accepted = once(server, 'connection');
      const client = N.connect(port, HOST);
      log.push(`connecting=${client.connecting} pending=${client.pending} readyState=${client.readyState}`);
      for (const ev of ['connect', 'ready']) client.on(ev, () => log.push(ev));
      await once(client, 'ready');
      const [peer] = await accepted;
      log.push(`connecting=${client.connecting} pending=${client.pending} readyState=${client.readyState}`);
      log.push(`client remote ${client.remoteAddress} ${client.remoteFamily} ${client.remotePort === port}`);
      log.push(`client local ${client.localAddress} ${client.localPort === peer.remotePort}`);
      log.push(`peer local ${peer.localAddress} ${peer.localPort === port} remote ${peer.remoteAddress} ${peer.remoteFamily}`);
      log.push(`address() ${JSON.stringify({ ...client.address(), port: typeof client.address().port })}`);
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.equal(log[0], 'connecting=true pending=true readyState=opening');
    assert.deepEqual(log.slice(1, 3), ['connect', 'ready']);
  });
  test('connecting to a port nobody listens on: error ECONNREFUSED (syscall connect), then close with hadError', async () => {
    const log = await same(async (N) => {
      const { server, port } = await listening(N);
      await closeServer(server);
      const log = [];
      const client = N.connect(port, HOST);
      client.on('error', (e) => log.push(`error ${e.code} ${e.syscall} ${e.address} ${e.port === port}`));
      client.on('close', (hadError) => log.push(`close:${hadError}`));
      await closed(client);
      return log;
    });
    assert.deepEqual(log, ['error ECONNREFUSED connect 127.0.0.1 true', 'close:true']);
  });
  test('bad ports are thrown at once as ERR_SOCKET_BAD_PORT (RangeError)', async () => {
    const log = await same(async (N) => {
      const log = [];
      for (const port of [70000, -1, 1.5]) {
        try { N.connect({ port, host: HOST }); log.push('no throw'); } catch (e) { log.push(`${e.name} ${e.code}`); }
        try { N.createServer().listen(port, HOST); log.push('no throw'); } catch (e) { log.push(`${e.name} ${e.code}`); }
      }
      return log;
    });
    assert.ok(log.every((l) => l === 'RangeError ERR_SOCKET_BAD_PORT'));
  });
});

describe('net parity: data, end, finish, close', () => {
  test("end(data) from the client: the peer sees data, 'end', then closes its side; the client sees 'finish', 'end', 'close'", async () => {
    const r = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const c = [], p = [];
      recordEvents(client, c); recordEvents(peer, p);
      client.end('hello');
      await Promise.all([closed(client), closed(peer)]);
      await closeServer(server);
      return { client: c, peer: p };
    });
    assert.deepEqual(r.peer, ['data:hello', 'end', 'finish', 'close:false']);
    assert.ok(r.client.includes('finish') && r.client.at(-1) === 'close:false');
  });
  test('allowHalfOpen: the peer keeps writing after the client ended, and ends when it chooses', async () => {
    const r = await same(async (N) => {
      const { server, client, peer } = await connected(N, { allowHalfOpen: true });
      const c = [], p = [];
      recordEvents(client, c); recordEvents(peer, p);
      peer.on('end', () => {
        p.push(`writable after end: ${peer.writable}`);
        peer.write('a1');
        setTimeout(() => peer.end('a2'), 20);
      });
      client.end('q');
      await Promise.all([closed(client), closed(peer)]);
      await closeServer(server);
      return { client: c.join(' '), peer: p };
    });
    assert.deepEqual(r.peer.slice(0, 3), ['data:q', 'end', 'writable after end: true']);
    assert.match(r.client, /data:a1 .*data:a2|data:a1a2/);
  });
  test("without allowHalfOpen, the peer's writable side ends after 'end' by itself", async () => {
    const r = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const p = [];
      peer.on('end', () => p.push(`end: writable=${peer.writable} writableEnded=${peer.writableEnded}`));
      peer.on('finish', () => p.push('finish'));
      peer.resume();
      client.resume();
      client.end();
      await Promise.all([closed(client), closed(peer)]);
      await closeServer(server);
      return p;
    });
    assert.deepEqual(r, ['end: writable=true writableEnded=false', 'finish']);
  });
  test('destroySoon(): what was written arrives, then the socket closes', async () => {
    const r = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const c = [], p = [];
      recordEvents(client, c); recordEvents(peer, p);
      peer.write('bye');
      peer.destroySoon();
      await Promise.all([closed(client), closed(peer)]);
      await closeServer(server);
      return { client: c, peer: p };
    });
    assert.deepEqual(r.client.slice(0, 2), ['data:bye', 'end']);
    assert.ok(r.peer.includes('finish') && r.peer.at(-1) === 'close:false');
  });
  test('bytesWritten counts queued bytes before the connection is up; bytesRead what arrived', async () => {
    const log = await same(async (N) => {
      const log = [];
      const { server, port } = await listening(N);
      const accepted = once(server, 'connection');
      const client = N.connect(port, HOST);
      client.write('abc');
      client.write('defgh');
      log.push(`queued: ${client.bytesWritten}`);
      client.end();
      const [peer] = await accepted;
      peer.resume();
      await once(peer, 'end');
      log.push(`written ${client.bytesWritten} read ${peer.bytesRead} peer written ${peer.bytesWritten} client read ${client.bytesRead}`);
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['queued: 8', 'written 8 read 8 peer written 0 client read 0']);
  });
  test('a large write is taken whole, in order, across many reads', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const big = Buffer.alloc(3 << 20);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      let n = 0, ok = true;
      peer.on('data', (d) => { for (let i = 0; i < d.length; i++) ok &&= d[i] === (n + i) % 251; n += d.length; });
      // What write() returns is left out: Linux's loopback autotunes its buffers and
      // may take 3 MB in one write; the kernel takes rcvbuf + sndbuf (docs/api.md).
      client.write(big);
      client.end();
      await once(peer, 'end');
      client.destroy(); await closed(peer); await closeServer(server);
      return [`received ${n} in order ${ok}`];
    });
    assert.deepEqual(log, [`received ${3 << 20} in order true`]);
  });
});

describe('net parity: errors from the peer', () => {
  test('a reset by the peer: error ECONNRESET (syscall read), then close with hadError', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      recordEvents(client, log);
      peer.resetAndDestroy();
      await closed(client);
      await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['error:ECONNRESET', 'close:true']);
  });
  test('writing to a peer that closed: the first write is taken, the peer resets, the next fails with EPIPE', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N, {}, { allowHalfOpen: true });
      const log = [];
      client.on('end', () => log.push('end'));
      client.on('error', (e) => log.push(`error ${e.code} ${e.syscall}`));
      client.on('close', (hadError) => log.push(`close:${hadError}`));
      peer.destroy();
      await sleep(30);
      client.write('late', (e) => log.push(`write cb ${e?.code}`));
      await sleep(50);
      client.write('later', (e) => log.push(`write cb ${e?.code}`));
      await closed(client);
      await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['end', 'write cb undefined', 'write cb EPIPE', 'error EPIPE write', 'close:true']);
  });
});

describe('net parity: the event loop', () => {
  test('a write from an I/O callback reaches the peer after the ticks, microtasks and immediates that callback queued', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      peer.on('data', (d) => {
        log.push(`peer:${d}`);
        peer.write('pong');
        setImmediate(() => log.push('immediate'));
        process.nextTick(() => log.push('tick'));
        Promise.resolve().then(() => log.push('microtask'));
      });
      client.on('data', (d) => log.push(`client:${d}`));
      client.write('ping');
      await once(client, 'data');
      await new Promise((r) => setImmediate(r));
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['peer:ping', 'tick', 'microtask', 'immediate', 'client:pong']);
  });
  test('data is not delivered in the microtasks of the write', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      peer.on('data', (d) => log.push(`peer:${d}`));
      await new Promise((r) => setImmediate(r));
      client.write('x');
      for (let i = 0; i < 10; i++) await null;
      log.push('microtasks done');
      await once(peer, 'data');
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['microtasks done', 'peer:x']);
  });
});

describe('net parity: timeouts and options', () => {
  test("setTimeout(ms): one 'timeout' after ms idle, the socket stays open; setTimeout(0) turns it off", async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      const t0 = performance.now();
      client.setTimeout(40);
      log.push(`timeout=${client.timeout}`);
      await once(client, 'timeout');
      const ms = performance.now() - t0;
      log.push(`fired after >= 35 ms: ${ms >= 35}, destroyed=${client.destroyed}`);
      let more = 0;
      client.on('timeout', () => more++);
      client.setTimeout(0);
      client.write('still open');
      await once(peer, 'data');
      await sleep(80);
      log.push(`fired again: ${more}`);
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['timeout=40', 'fired after >= 35 ms: true, destroyed=false', 'fired again: 0']);
  });
  test('activity restarts the idle timer', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      client.setTimeout(200, () => log.push('timeout'));
      peer.resume();
      for (let i = 0; i < 4; i++) { await sleep(30); client.write('.'); }
      log.push('wrote every 30 ms');
      await once(client, 'timeout');
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['wrote every 30 ms', 'timeout']);
  });
  test('setTimeout rejects what Node rejects', async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      for (const v of [-1, '5', Infinity, NaN]) {
        try { client.setTimeout(v); log.push('ok'); } catch (e) { log.push(`${e.name} ${e.code}`); }
      }
      client.destroy(); await closed(peer); await closeServer(server);
      return log;
    });
    assert.deepEqual(log, ['RangeError ERR_OUT_OF_RANGE', 'TypeError ERR_INVALID_ARG_TYPE', 'RangeError ERR_OUT_OF_RANGE', 'RangeError ERR_OUT_OF_RANGE']);
  });
  test('setNoDelay, setKeepAlive, ref and unref return the socket; the connect timeout option sets the idle timeout', async () => {
    const log = await same(async (N) => {
      const { server, port, client, peer } = await connected(N);
      const log = [client.setNoDelay(true) === client, client.setKeepAlive(true, 1000) === client,
        client.unref() === client, client.ref() === client, server.unref() === server, server.ref() === server];
      const c2 = N.connect({ port, host: HOST, timeout: 30 });
      log.push(`timeout option: ${c2.timeout}`);
      await once(c2, 'timeout');
      c2.destroy(); client.destroy();
      await Promise.all([closed(c2), closed(peer)]);
      await sleep(10);
      await closeServer(server);
      return log;
    });
    assert.deepEqual(log, [true, true, true, true, true, true, 'timeout option: 30']);
  });
});

describe('net parity: closing a server', () => {
  test("close(cb) stops accepting at once; 'close' and cb wait for the open connection to end", async () => {
    const log = await same(async (N) => {
      const { server, client, peer } = await connected(N);
      const log = [];
      server.close(() => log.push('server closed'));
      log.push(`listening=${server.listening}`);
      peer.on('close', () => log.push('peer close'));
      await sleep(20);
      log.push('still open');
      client.destroy();
      await Promise.all([once(server, 'close'), closed(peer)]);
      return log;
    });
    // The server counts the connection closed when the socket is destroyed, and emits
    // 'close' on the next tick; the socket's own 'close' waits for the handle to close.
    assert.deepEqual(log, ['listening=false', 'still open', 'server closed', 'peer close']);
  });
  test('close(cb) on a server that is not listening: cb gets ERR_SERVER_NOT_RUNNING', async () => {
    const log = await same(async (N) => {
      const server = N.createServer();
      const [err] = await new Promise((r) => server.close((...a) => r(a)));
      return [err?.code];
    });
    assert.deepEqual(log, ['ERR_SERVER_NOT_RUNNING']);
  });
});

describe('net parity: keeping the process alive', () => {
  // A child process runs the script, which prints once it is set up; 'exited' if it ends
  // by itself within 1.5 s of that (the start-up itself, compiling the kernel on a busy
  // machine, is not timed: the child has 20 s to print).
  function run(target, body) {
    const open = target === 'net'
      ? "import net from 'node:net'; const N = net;"
      : "import { createKernel } from 'socket-kernel'; const N = (await createKernel({ clock: 'real' })).net;";
    const child = spawn(process.execPath, ['--input-type=module', '-e', `${open}\n${body}`], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timer = setTimeout(() => child.kill(), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      clearTimeout(timer);
      timer = setTimeout(() => child.kill(), 1500);
    });
    return new Promise((resolve) => {
      child.on('exit', (code, signal) => { clearTimeout(timer); resolve(`${signal ? 'kept alive' : `exited ${code}`}: ${out.trim()}`); });
    });
  }
  const scripts = {
    'a listening server keeps the process alive': "const s = N.createServer(); s.listen(0, '127.0.0.1', () => console.log('listening'));",
    'an unref()d listening server lets it exit': "const s = N.createServer(); s.listen(0, '127.0.0.1', () => console.log('listening')); s.unref();",
    'an open connection keeps it alive after the server is unref()d': "const s = N.createServer(); s.listen(0, '127.0.0.1', () => { const c = N.connect(s.address().port, '127.0.0.1', () => console.log('connected')); }); s.unref();",
    'unref()d sockets and server let it exit': "const s = N.createServer((p) => p.unref()); s.listen(0, '127.0.0.1', () => { const c = N.connect(s.address().port, '127.0.0.1', () => console.log('connected')); c.unref(); }); s.unref();",
    'a closed server lets it exit': "const s = N.createServer(); s.listen(0, '127.0.0.1', () => s.close(() => console.log('closed')));",
  };
  for (const [name, body] of Object.entries(scripts)) {
    test(name, async () => {
      const [a, b] = await Promise.all([run('net', body), run('k.net', body)]);
      assert.equal(b, a);
      assert.match(a, name.includes('keeps') ? /^kept alive/ : /^exited 0/);
    });
  }
});
