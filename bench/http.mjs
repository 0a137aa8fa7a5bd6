// node:http requests per second over k.net beside the same server and client over
// Node's `net` on real loopback TCP, in one run, rounds interleaved so that both sides
// share the machine's noise.
//
//   node bench/http.mjs [--requests N] [--concurrency C] [--rounds R] [--json]
//
// One http.Server (answers 'ok', 2 bytes) behind a listener of each transport; a
// keep-alive http.Agent with `concurrency` sockets sends `concurrency` requests at a
// time until `requests` are answered (concurrency 1: strictly sequential). Each round
// measures both transports; the figure is the median of the rounds' rates, with the
// slowest and fastest round.

import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createKernel } from 'socket-kernel';

function checkCount(name, v, min, max) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`"${name}" must be an integer from ${min} to ${max}. Received ${String(v)}`);
  return n;
}

/** A server and a client agent over transport N (node:net or k.net). */
async function rig(N, concurrency) {
  const server = http.createServer((req, res) => res.end('ok'));
  const listener = N.createServer((s) => server.emit('connection', s));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = listener.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  agent.createConnection = (o, cb) => N.createConnection({ port: o.port, host: o.host }, cb);
  const get = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  const close = async () => { agent.destroy(); server.closeAllConnections(); await new Promise((r) => listener.close(r)); };
  return { get, close };
}

/** Sends `requests` requests, `concurrency` at a time; returns requests per second. */
async function run(r, requests, concurrency) {
  let sent = 0;
  const worker = async () => { while (sent < requests) { sent++; await r.get(); } };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return requests / ((performance.now() - t0) / 1000);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** Measures both transports; returns { concurrency, requests, rounds, tcp: {median,min,max}, knet: {...}, ratio }. */
export async function httpRates({ requests = 2000, concurrency = 1, rounds = 5 } = {}) {
  const k = await createKernel({ clock: 'real' });
  const rigs = { tcp: await rig(net, concurrency), knet: await rig(k.net, concurrency) };
  const rates = { tcp: [], knet: [] };
  for (const name of Object.keys(rigs)) await run(rigs[name], Math.min(200, requests), concurrency); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 ? ['knet', 'tcp'] : ['tcp', 'knet']) rates[name].push(await run(rigs[name], requests, concurrency));
  }
  for (const r of Object.values(rigs)) await r.close();
  const sum = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  const tcp = sum(rates.tcp), knet = sum(rates.knet);
  return { concurrency, requests, rounds, tcp, knet, ratio: knet.median / tcp.median };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: o } = parseArgs({
    options: {
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '1,16' },
      rounds: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const requests = checkCount('requests', o.requests, 1, 10_000_000);
  const rounds = checkCount('rounds', o.rounds, 1, 1000);
  const levels = o.concurrency.split(',').map((c) => checkCount('concurrency', c, 1, 1024));
  const out = [];
  for (const concurrency of levels) out.push(await httpRates({ requests, concurrency, rounds }));
  if (o.json) console.log(JSON.stringify({ node: process.version, results: out }, null, 2));
  else {
    const f = (x) => Math.round(x).toLocaleString('en-US').padStart(8);
    console.log(`node:http requests/s, ${requests} requests x ${rounds} rounds (median [min-max])  ${process.version}`);
    console.log('concurrency   loopback TCP (net)             k.net                          k.net / TCP');
    for (const r of out) {
      console.log(`${String(r.concurrency).padStart(11)}   ${f(r.tcp.median)} [${f(r.tcp.min)}-${f(r.tcp.max)}]   ${f(r.knet.median)} [${f(r.knet.min)}-${f(r.knet.max)}]   ${r.ratio.toFixed(2)}x`);
    }
  }
}
