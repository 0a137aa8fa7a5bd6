// npm start: a listener with a small backlog meets a burst of clients, on the
// simulated clock. Prints what happened to each connection and the counters that
// account for every drop.
//
//   node build/host/demo.js [--personality linux|freebsd|posix] [--backlog 8]
//       [--clients 50] [--accept-every 20] [--link-delay 0] [--json]

import { parseArgs } from 'node:util';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ERROR, errnoName, type PersonalityName } from './index.js';

const { values } = parseArgs({
  options: {
    personality: { type: 'string', default: 'linux' },
    backlog: { type: 'string', default: '8' },
    clients: { type: 'string', default: '50' },
    'accept-every': { type: 'string', default: '20' },
    'link-delay': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log('usage: npm start -- [--personality linux|freebsd|posix] [--backlog N] [--clients N] [--accept-every MS] [--link-delay MS] [--json]');
  process.exit(0);
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) { console.error(`--${name} must be an integer >= ${min}, got ${v}`); process.exit(2); }
  return n;
}

const personality = values.personality as PersonalityName;
const backlog = int('backlog', values.backlog!, -1);
const clients = int('clients', values.clients!, 1);
const acceptEvery = int('accept-every', values['accept-every']!, 1);
const linkDelay = Number(values['link-delay']);

const k = await createKernel({ personality, linkDelay, maxFds: clients * 2 + 16 });
const srv = k.socket(AF_INET, SOCK_STREAM);
k.bind(srv, { address: '127.0.0.1', port: 8080 });
k.listen(srv, backlog);

const fds: number[] = [];
const connectedAt = new Map<number, number>();
const failed = new Map<number, string>();
for (let i = 0; i < clients; i++) {
  const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  fds.push(fd);
  try { k.connect(fd, { address: '127.0.0.1', port: 8080 }); } catch { /* EINPROGRESS */ }
}
const pending = new Set(fds);
const check = () => {
  for (const fd of pending) {
    const err = k.getsockopt(fd, SOL_SOCKET, SO_ERROR);
    if (err !== 0) { failed.set(fd, errnoName(err)); pending.delete(fd); continue; }
    try { k.getpeername(fd); connectedAt.set(fd, k.now()); pending.delete(fd); } catch { /* still SYN_SENT */ }
  }
};
check();
const snapshot = k.sockets().find((s) => s.fd === srv)!;
let accepted = 0;
while (accepted < clients && (pending.size > 0 || k.sockets().find((s) => s.fd === srv)!.recvQ > 0)) {
  k.advance(acceptEvery);
  try { k.accept(srv); accepted++; } catch { /* EAGAIN */ }
  check();
  if (k.now() > 600_000) break;
}

const lat = [...connectedAt.values()].sort((a, b) => a - b);
const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
const stats = k.stats();
const result = {
  personality, backlog, clients, acceptEveryMs: acceptEvery, linkDelayMs: linkDelay,
  completedAtOnce: snapshot.recvQ, listenerBacklog: snapshot.sendQ,
  connected: connectedAt.size, failed: Object.fromEntries([...new Set(failed.values())].map((c) => [c, [...failed.values()].filter((x) => x === c).length])),
  connectLatencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
  simulatedMs: k.now(),
  counters: Object.fromEntries(Object.entries(stats).filter(([, v]) => v !== 0)),
};

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`socket-kernel demo: ${clients} clients connect at t=0 to 127.0.0.1:8080, listen(fd, ${backlog}), ${personality} personality`);
  console.log(`the server accepts one connection every ${acceptEvery} ms (simulated); link delay ${linkDelay} ms\n`);
  console.log(`at t=0: ${snapshot.recvQ} handshakes completed into the accept queue (Recv-Q ${snapshot.recvQ}, Send-Q ${snapshot.sendQ});`);
  console.log(`        the other ${clients - snapshot.recvQ} ${personality === 'freebsd' ? 'were reset (sonewconn refused them)' : 'lost their SYN and wait to retransmit'}\n`);
  console.log(`connected: ${connectedAt.size} of ${clients}; failed: ${JSON.stringify(result.failed)}`);
  console.log(`connect latency (simulated ms): p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${pct(100)}`);
  console.log(`simulated time: ${(k.now() / 1000).toFixed(1)} s\n`);
  console.log('counters (nonzero):');
  for (const [name, v] of Object.entries(result.counters)) console.log(`  ${name.padEnd(22)} ${v}`);
}
