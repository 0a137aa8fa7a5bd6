// The async layer (acceptAsync, connectAsync, recvAsync, sendAsync, async iteration,
// AbortSignal, clocks) and the net facade, proved by an unmodified node:http server and
// client talking over the kernel.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { AF_INET, SOCK_STREAM, SOCK_NONBLOCK, AbortError } from 'socket-kernel';
import { kernel, listening } from './helpers.mjs';

const text = (u8) => new TextDecoder().decode(u8);

describe('async calls', () => {
  test('acceptAsync waits for a connection; recvAsync for bytes; sendAsync sends them all', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    const accepted = k.acceptAsync(l.fd);
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    await k.connectAsync(c, { address: '127.0.0.1', port: l.port });
    const { fd: a } = await accepted;
    const got = k.recvAsync(a);
    assert.equal(await k.sendAsync(c, 'hello'), 5);
    assert.equal(text(await got), 'hello');
    const big = new Uint8Array(1_000_000).fill(9);
    const sending = k.sendAsync(c, big);             // more than the queue holds: waits for reads
    let n = 0;
    while (n < big.length) n += (await k.recvAsync(a, 1 << 20)).length;
    assert.equal(await sending, big.length);
  });
  test('connectAsync rejects with ECONNREFUSED; a waiting accept is cancelled by its AbortSignal', async () => {
    const k = await kernel();
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    await assert.rejects(k.connectAsync(c, { address: '127.0.0.1', port: 9 }), { code: 'ECONNREFUSED' });
    const l = listening(k, 1);
    const ac = new AbortController();
    const p = k.acceptAsync(l.fd, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (e) => e instanceof AbortError && e.name === 'AbortError' && e.code === 'ABORT_ERR');
  });
  test('a listener is an async iterable of connections', async () => {
    const k = await kernel();
    const l = listening(k, 8);
    for (let i = 0; i < 3; i++) k.connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: l.port });
    const seen = [];
    for await (const conn of k.connections(l.fd)) { seen.push(conn.fd); if (seen.length === 3) break; }
    assert.equal(seen.length, 3);
  });
  test("manual clock: a retransmitted SYN waits for advance(); 'auto' jumps to the next timer by itself", async () => {
    const manual = await kernel();
    const l = listening(manual, 0);
    manual.connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: l.port });
    const c = manual.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    let done = false;
    const p = manual.connectAsync(c, { address: '127.0.0.1', port: l.port }).then(() => { done = true; });
    manual.accept(l.fd);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'time does not move by itself');
    manual.advance(1000);
    await p;
    const auto = await kernel({ clock: 'auto' });
    const la = listening(auto, 0);
    auto.connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: la.port });
    const ca = auto.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    const pa = auto.connectAsync(ca, { address: '127.0.0.1', port: la.port });
    auto.accept(la.fd);
    await pa;
    assert.equal(auto.now(), 1000, 'connected at the 1 s retransmit, in simulated time');
  });
  test("'real' clock: the kernel's timers follow the wall clock (the SYN retransmit lands after about 1 s)", async () => {
    const k = await kernel({ clock: 'real' });
    const l = listening(k, 0);
    k.connectBatch(1, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, { address: '127.0.0.1', port: l.port });
    const c = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    const t0 = performance.now();
    const p = k.connectAsync(c, { address: '127.0.0.1', port: l.port });
    k.accept(l.fd);
    await p;
    const ms = performance.now() - t0;
    assert.ok(ms >= 900 && ms < 3000, `connected after ${ms.toFixed(0)} ms of wall time`);
    assert.ok(k.now() >= 1000);
  });
});

describe('net facade', () => {
  test('createServer / listen / connect: events, addresses, data both ways, end', async () => {
    const k = await kernel();
    const server = k.net.createServer();
    server.listen(8080, '127.0.0.1', 16);
    await once(server, 'listening');
    assert.deepEqual(server.address(), { address: '127.0.0.1', family: 'IPv4', port: 8080 });
    const conn = once(server, 'connection');
    const client = k.net.connect({ port: 8080, host: '127.0.0.1' });
    await once(client, 'connect');
    const [srvSock] = await conn;
    assert.equal(srvSock.remotePort, client.localPort);
    client.end('ping');
    const chunks = [];
    for await (const chunk of srvSock) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), 'ping');
    client.destroy();
    server.close();
  });
  test('listen on a port in use: an EADDRINUSE error event, shaped like Node\'s', async () => {
    const k = await kernel();
    const s1 = k.net.createServer().listen(8080, '127.0.0.1');
    const s2 = k.net.createServer().listen(8080, '127.0.0.1');
    const [err] = await once(s2, 'error');
    s1.close();
    assert.equal(err.code, 'EADDRINUSE');
    assert.equal(err.syscall, 'listen');
    assert.equal(err.message, 'listen EADDRINUSE: address already in use 127.0.0.1:8080');
  });
  test('connect to a closed port: an ECONNREFUSED error event', async () => {
    const k = await kernel();
    const s = k.net.connect(9, '127.0.0.1');
    const [err] = await once(s, 'error');
    assert.equal(err.code, 'ECONNREFUSED');
  });
});

describe('node:http over the kernel', () => {
  async function httpOverKernel({ backlog = 511, clock = 'auto' } = {}) {
    const k = await kernel({ clock });
    const server = http.createServer((req, res) => {
      let body = 0;
      req.on('data', (c) => { body += c.length; });
      req.on('end', () => res.end(JSON.stringify({ url: req.url, method: req.method, body })));
    });
    const ns = k.net.createServer((sock) => server.emit('connection', sock));
    ns.listen(8080, '127.0.0.1', backlog);
    await once(ns, 'listening');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    agent.createConnection = (opts) => k.net.createConnection({ port: opts.port, host: opts.host });
    const request = (path, { method = 'GET', body } = {}) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: 8080, path, method, agent }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(parts).toString()), socket: req.socket }));
      });
      req.on('error', reject);
      req.end(body);
    });
    return { k, server, ns, agent, request };
  }
  test('an unmodified http.Server and http client exchange requests, with keep-alive', async () => {
    const { k, ns, agent, request } = await httpOverKernel();
    const a = await request('/one');
    const b = await request('/two');
    assert.deepEqual(a.json, { url: '/one', method: 'GET', body: 0 });
    assert.equal(b.status, 200);
    assert.equal(a.socket, b.socket, 'the second request reused the kept-alive connection');
    assert.equal(k.stats().PassiveOpens, 1);
    agent.destroy(); ns.close();
  });
  test('a large body (4 MB) arrives whole', async () => {
    const { agent, ns, request } = await httpOverKernel();
    const r = await request('/upload', { method: 'POST', body: Buffer.alloc(4 << 20, 7) });
    assert.equal(r.json.body, 4 << 20);
    agent.destroy(); ns.close();
  });
  test('a burst of clients overflows backlog 2: the extra SYNs are dropped, retransmitted, and every request is served', async () => {
    const { k, agent, ns, request } = await httpOverKernel({ backlog: 2 });
    agent.maxSockets = 50;
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => request(`/r${i}`)));
    assert.ok(rs.every((r) => r.status === 200));
    assert.ok(k.stats().ListenOverflows > 0, 'some SYNs found the queue full');
    assert.ok(k.stats().TCPSynRetrans > 0, 'and were retransmitted on the simulated clock');
    agent.destroy(); ns.close();
  });
});
