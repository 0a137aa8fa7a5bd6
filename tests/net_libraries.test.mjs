// Libraries built on `net`, over k.net: undici (Node's own fetch) with a default Agent
// and a `connect` function, node:http's request timeout, and the accept EMFILE path a
// busy server meets. Each is checked beside the same run over loopback TCP where the
// result is Node's to compare with.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { Agent, request, fetch } from 'undici';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';

const HOST = '127.0.0.1';

/** An http.Server answering 'ok <path>' behind a listener of N (net or k.net). */
async function httpServer(N) {
  const server = http.createServer((req, res) => res.end(`ok ${req.url}`));
  const listener = N.createServer((s) => server.emit('connection', s));
  listener.listen(0, HOST);
  await once(listener, 'listening');
  return {
    port: listener.address().port,
    close: async () => { server.closeAllConnections(); await new Promise((r) => listener.close(r)); },
  };
}

/** An undici Agent whose connections come from N.connect; counts them. */
function countingAgent(N) {
  const agent = new Agent({
    connect: (opts, cb) => {
      agent.opened++;
      const s = N.connect({ port: Number(opts.port), host: opts.hostname });
      s.once('connect', () => cb(null, s));
      s.once('error', (e) => cb(e, null));
      return s;
    },
  });
  agent.opened = 0;
  return agent;
}

async function sequential(N, n, send) {
  const srv = await httpServer(N);
  const agent = countingAgent(N);
  let ok = 0;
  for (let i = 0; i < n; i++) if (await send(`http://${HOST}:${srv.port}/${i}`, agent) === `ok /${i}`) ok++;
  await agent.close();
  await srv.close();
  return { ok, opened: agent.opened };
}

const viaRequest = async (url, dispatcher) => { const r = await request(url, { dispatcher }); return r.body.text(); };
const viaFetch = async (url, dispatcher) => (await fetch(url, { dispatcher })).text();

describe('undici over k.net', () => {
  test('100 sequential undici.request calls reuse the connection as over loopback TCP (at most 2 opened)', async () => {
    const real = await sequential(net, 100, viaRequest);
    const k = await createKernel({ clock: 'real' });
    const sim = await sequential(k.net, 100, viaRequest);
    assert.equal(real.ok, 100);
    assert.equal(sim.ok, 100);
    assert.ok(real.opened <= 2, `loopback TCP opened ${real.opened}`);
    assert.ok(sim.opened <= 2, `k.net opened ${sim.opened} connections (loopback TCP: ${real.opened})`);
    assert.equal(k.stats().PassiveOpens, sim.opened);
  });
  test('1000 sequential requests under maxFds 64: no crash, no growth, every answer right', async () => {
    const k = await createKernel({ clock: 'real', maxFds: 64 });
    const errors = [];
    process.on('uncaughtException', (e) => errors.push(e));
    try {
      const r = await sequential(k.net, 1000, viaRequest);
      assert.equal(r.ok, 1000);
      assert.ok(r.opened <= 2, `opened ${r.opened}`);
      assert.deepEqual(errors, []);
    } finally { process.removeAllListeners('uncaughtException'); }
  });
  test("undici's fetch with the same Agent reuses its connection too", async () => {
    const k = await createKernel({ clock: 'real' });
    const r = await sequential(k.net, 100, viaFetch);
    assert.equal(r.ok, 100);
    assert.ok(r.opened <= 2, `opened ${r.opened}`);
  });
});

describe('node:http timeout over k.net', () => {
  // The server accepts and never answers; the request has { timeout: 80 }.
  async function silentRequest(N) {
    const silent = N.createServer((s) => s.resume());
    silent.listen(0, HOST);
    await once(silent, 'listening');
    const log = [];
    const t0 = performance.now();
    const req = http.get({ host: HOST, port: silent.address().port, path: '/', timeout: 80, createConnection: (o) => N.createConnection(o) });
    req.on('timeout', () => { log.push(`timeout after >= 70 ms: ${performance.now() - t0 >= 70}`); req.destroy(); });
    req.on('error', (e) => log.push(`error ${e.code} ${e.message}`));
    req.on('close', () => log.push('close'));
    await new Promise((r) => req.on('close', r));
    await new Promise((r) => silent.close(r));
    return log;
  }
  test("http.get({ timeout }) emits 'timeout'; destroying then fails the request with 'socket hang up', as over TCP", async () => {
    const real = await silentRequest(net);
    const k = await createKernel({ clock: 'real' });
    const sim = await silentRequest(k.net);
    assert.deepEqual(real, ['timeout after >= 70 ms: true', 'error ECONNRESET socket hang up', 'close']);
    assert.deepEqual(sim, real);
  });
});

describe('accept EMFILE (libuv uv__server_io and uv__emfile_trick)', () => {
  test('a full descriptor table sheds the pending connections instead of emitting an error, and counts them', async () => {
    const k = await createKernel({ clock: 'real', maxFds: 32 });
    const kept = [];
    const server = k.net.createServer((s) => kept.push(s));
    const errors = [];
    server.on('error', (e) => errors.push(e));
    server.listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address();
    const clients = [...k.connectBatch(24, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: HOST, port })];
    assert.ok(clients.every((fd) => fd >= 0), 'the 24 clients connected (the backlog holds them)');
    while (kept.length + k.net.stats().emfileShed < 24) await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors, [], "no 'error' event: libuv sheds load when it has its spare descriptor");
    assert.ok(kept.length > 0 && k.net.stats().emfileShed > 0, `accepted ${kept.length}, shed ${k.net.stats().emfileShed}`);
    // A shed client finds its connection closed by the server: end of file.
    const shed = clients.slice(kept.length);
    assert.equal(k.recv(shed.at(-1)).length, 0);
    // Freed descriptors let the server accept again.
    for (const s of kept.splice(0)) s.destroy();
    const late = k.net.connect(port, HOST);
    await once(server, 'connection');
    late.destroy();
    for (const s of kept) s.destroy();
    k.closeBatch(clients);
    await new Promise((r) => server.close(r));
  });
});
