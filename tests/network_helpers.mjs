// Fixtures for the network tests (tests/network_*.test.mjs): two hosts and a link.
import assert from 'node:assert/strict';
import { createKernel, AF_INET, SOCK_STREAM, SOCK_NONBLOCK } from 'socket-kernel';

export const SERVER = '10.0.0.1', CLIENT = '10.0.0.2';

/** A kernel with a server and a client host joined both ways by `link`. */
export async function network({ server = {}, client = {}, link = { latency: 1 }, seed = 1 } = {}) {
  const k = await createKernel({ seed });
  const srv = k.addHost({ name: 'server', addresses: [SERVER], ...server });
  const cli = k.addHost({ name: 'client', addresses: [CLIENT], ...client });
  k.link(cli, srv, link, { both: true });
  return { k, srv, cli };
}

export function listener(h, backlog = 128, port = 8080, address = SERVER) {
  const fd = h.socket(AF_INET, SOCK_STREAM);
  h.bind(fd, { address, port });
  h.listen(fd, backlog);
  return fd;
}

export function connectTo(h, port = 8080, address = SERVER) {
  const fd = h.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  assert.throws(() => h.connect(fd, { address, port }), { code: 'EINPROGRESS' });
  return fd;
}

export const stateOf = (h, fd) => h.sockets().find((s) => s.fd === fd)?.state;

/** Advances event by event until `done()` or `maxMs`; returns the time it became true. */
export function until(k, done, maxMs = 600_000) {
  const end = k.now() + maxMs;
  while (!done()) {
    const next = k.nextTimer();
    if (next === null || k.now() + next > end) return null;
    k.advance(next);
  }
  return k.now();
}

