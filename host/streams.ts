// The WHATWG-streams form of a connection, for browsers, edge workers and Node alike
// (the shape of the Workers `connect()` socket): `readable` and `writable` streams over
// the kernel's async calls, plus `opened` and `closed` promises.

import type { Kernel, AcceptResult } from './kernel.js';
import type { AddressInput, SocketAddress } from './sockaddr.js';
import { AF_INET, AF_INET6, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SHUT_WR } from './constants.js';

export interface StreamSocket {
  readonly fd: number;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves with the addresses once connected. */
  readonly opened: Promise<{ localAddress: SocketAddress; remoteAddress: SocketAddress }>;
  /** Resolves when both directions are done and the descriptor is closed. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export interface StreamListener extends AsyncIterable<StreamSocket> {
  readonly fd: number;
  readonly address: SocketAddress;
  accept(options?: { signal?: AbortSignal }): Promise<StreamSocket>;
  close(): void;
}

function wrap(k: Kernel, fd: number, connected: Promise<void>): StreamSocket {
  let readDone = false, writeDone = false, closedFd = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  const ac = new AbortController();
  const finish = () => {
    if (readDone && writeDone && !closedFd) { closedFd = true; try { k.close(fd); } catch { /* */ } resolveClosed(); }
  };
  const opened = connected.then(() => ({ localAddress: k.getsockname(fd), remoteAddress: k.getpeername(fd) }));
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await connected;
      const data = await k.recvAsync(fd, 65536, { signal: ac.signal });
      if (data.length === 0) { controller.close(); readDone = true; finish(); } else controller.enqueue(data);
    },
    cancel() { readDone = true; try { k.shutdown(fd, 0); } catch { /* */ } finish(); },
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) { await connected; await k.sendAsync(fd, chunk, { signal: ac.signal }); },
    async close() { await connected; try { k.shutdown(fd, SHUT_WR); } catch { /* */ } writeDone = true; finish(); },
    abort() { writeDone = true; finish(); },
  });
  const close = async () => { ac.abort(); readDone = writeDone = true; finish(); await closed; };
  opened.catch(() => { readDone = writeDone = true; finish(); });
  return { fd, readable, writable, opened, closed, close };
}

export interface StreamsFacade {
  /** Opens a connection: `const { readable, writable, opened } = k.streams.connect({ address, port })`. */
  connect(addr: AddressInput, options?: { signal?: AbortSignal }): StreamSocket;
  /** Listens and hands out connections: `for await (const s of k.streams.listen({ address, port }))`. */
  listen(addr: AddressInput & { backlog?: number }): StreamListener;
}

export function createStreams(k: Kernel): StreamsFacade {
  return {
    connect(addr, options = {}) {
      const v6 = 'address' in addr && addr.address.includes(':');
      const fd = k.socket('path' in addr ? 1 : v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      return wrap(k, fd, k.connectAsync(fd, addr, options));
    },
    listen(addr) {
      const v6 = 'address' in addr && addr.address.includes(':');
      const fd = k.socket('path' in addr ? 1 : v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      try {
        if (!('path' in addr)) k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        k.bind(fd, addr);
        k.listen(fd, addr.backlog ?? 511);
      } catch (e) { k.close(fd); throw e; }
      const accept = async (o: { signal?: AbortSignal } = {}) => {
        const r: AcceptResult = await k.acceptAsync(fd, o);
        return wrap(k, r.fd, Promise.resolve());
      };
      return {
        fd,
        address: k.getsockname(fd),
        accept,
        close: () => k.close(fd),
        async *[Symbol.asyncIterator]() { for (;;) yield await accept(); },
      };
    },
  };
}
