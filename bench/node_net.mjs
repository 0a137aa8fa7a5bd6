// The handshake cycle through Node's `net` module over loopback: what a Node user
// would otherwise run. One server on 127.0.0.1 (port 0, backlog 4096); each cycle
// opens a connection, waits for both the server's 'connection' and the client's
// 'connect', then destroys both sockets.
//
// resetAndDestroy() (Node 16.17 / 18.3+) closes with SO_LINGER {1, 0}: a RST instead
// of a FIN, so no TIME_WAIT is left and the ephemeral port range cannot fill up, as
// bench/c/cycle.c does for the C figure. Without it (older Node) the server side is
// destroyed first so the TIME_WAIT lands on the server's side of the 4-tuple; the
// result says which was used.
//
// Standalone:
//   node bench/node_net.mjs [--cycles N] [--max-ms MS] [--heap-pairs N]
//   node --expose-gc bench/node_net.mjs --heap-pairs 2000

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findGc } from './gc.mjs';

const HOST = '127.0.0.1';
const BACKLOG = 4096;
const HAS_RESET = typeof net.Socket.prototype.resetAndDestroy === 'function';

function checkCount(name, v, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`"${name}" must be an integer from ${min} to ${max}. Received ${String(v)}`);
  }
  return v;
}

/** A listening server whose 'connection' events are handed out in arrival order. */
async function openServer() {
  const waiting = [];   // resolvers of acceptOne() calls not yet served
  const queued = [];    // connections that arrived before anyone asked
  const server = net.createServer();
  server.on('connection', (sock) => {
    sock.on('error', () => {});   // a reset from the peer must not crash the run
    const w = waiting.shift();
    if (w) w(sock); else queued.push(sock);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: HOST, backlog: BACKLOG }, resolve);
  });
  const { port } = server.address();
  const acceptOne = () => (queued.length > 0
    ? Promise.resolve(queued.shift())
    : new Promise((resolve) => { waiting.push(resolve); }));
  const close = () => new Promise((resolve) => server.close(() => resolve()));
  return { server, port, acceptOne, close };
}

/** Opens one connection; resolves with [client, serverSide] once both ends have seen it. */
async function connectPair(srv) {
  const accepted = srv.acceptOne();
  const client = net.connect({ port: srv.port, host: HOST });
  const connected = new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const [, serverSide] = await Promise.all([connected, accepted]);
  client.on('error', () => {});
  return [client, serverSide];
}

function destroyPair(client, serverSide) {
  if (HAS_RESET) {
    client.resetAndDestroy();       // RST: no TIME_WAIT on either side
    serverSide.resetAndDestroy();
  } else {
    serverSide.destroy();
    client.destroy();
  }
}

/**
 * Runs `cycles` handshake cycles (or stops after `maxMs`). Returns
 * { cycles, seconds, cyclesPerSec, resetAndDestroy }.
 */
export async function nodeNetCycles({ cycles, maxMs = 60_000 } = {}) {
  checkCount('cycles', cycles, 1, 1e9);
  checkCount('maxMs', maxMs, 1, 86_400_000);
  const srv = await openServer();
  let done = 0, seconds = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  try {
    for (; done < cycles; ) {
      const [client, serverSide] = await connectPair(srv);
      destroyPair(client, serverSide);
      done++;
      if ((done & 63) === 0 && performance.now() >= deadline) break;
    }
  } finally {
    seconds = (performance.now() - t0) / 1000;
    await srv.close();
  }
  return { cycles: done, seconds, cyclesPerSec: done / seconds, resetAndDestroy: HAS_RESET };
}


function heapNow(gc) {
  if (gc) { gc(); gc(); }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external };
}

/**
 * Opens `n` connected pairs (client + server side), measures the growth of
 * heapUsed + external per pair after a full GC, closes them. Returns the details:
 * { pairs, bytesPerPair, heapUsedPerPair, externalPerPair, gc }. This is the
 * JavaScript heap only: the kernel's own socket memory is not counted.
 */
export async function nodeNetSocketHeap(n = 2000) {
  checkCount('n', n, 1, 1_000_000);
  const { gc, how } = findGc();
  const srv = await openServer();
  const pairs = [];
  try {
    const before = heapNow(gc);
    for (let i = 0; i < n; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 100); j++) batch.push(connectPair(srv));
      pairs.push(...(await Promise.all(batch)));
    }
    const after = heapNow(gc);
    const heapUsedPerPair = (after.heapUsed - before.heapUsed) / n;
    const externalPerPair = (after.external - before.external) / n;
    return {
      pairs: n, bytesPerPair: heapUsedPerPair + externalPerPair, heapUsedPerPair, externalPerPair, gc: how,
    };
  } finally {
    for (const [client, serverSide] of pairs) destroyPair(client, serverSide);
    await srv.close();
  }
}

/** Bytes of heapUsed + external per open `net` connection pair (see nodeNetSocketHeap). */
export async function nodeNetSocketHeapBytes(n = 2000) {
  return (await nodeNetSocketHeap(n)).bytesPerPair;
}

// ---- standalone ----------------------------------------------------------------

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: v } = parseArgs({ options: {
    cycles: { type: 'string', default: '200000' }, 'max-ms': { type: 'string', default: '20000' }, 'heap-pairs': { type: 'string', default: '2000' },
  } });
  const cycles = Number(v.cycles), maxMs = Number(v['max-ms']), pairs = Number(v['heap-pairs']);
  const warm = await nodeNetCycles({ cycles: Math.min(2000, cycles), maxMs });
  const run = await nodeNetCycles({ cycles, maxMs });
  console.log(JSON.stringify({ node: process.version, warmup: warm.cycles, ...run }));
  console.log(JSON.stringify({ node: process.version, ...(await nodeNetSocketHeap(pairs)) }));
}
