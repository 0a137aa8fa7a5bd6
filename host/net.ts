// A `net`-compatible facade over a kernel, for Node: createServer / Server.listen /
// 'listening' / 'connection' / 'error' / 'close' / address(), and connect() /
// createConnection() returning a Socket that is a real stream.Duplex. Errors are
// Node-shaped (code, errno, syscall, address, port) and asynchronous ones arrive as
// 'error' events on the next tick, as Node emits them. Enough for node:http: an
// http.Server takes these sockets through its 'connection' event, and an http.Agent
// through createConnection.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { Kernel } from './kernel.js';
import type { InetAddress, SocketAddress } from './sockaddr.js';
import { AF_INET, AF_INET6, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SHUT_WR } from './constants.js';
import { AbortError } from './async.js';

type ListenOptions = { port?: number; host?: string; backlog?: number };
type ConnectOptions = { port: number; host?: string };

const isV6 = (host: string) => host.includes(':');

export class Socket extends Duplex {
  #k: Kernel;
  #fd = -1;
  #connecting: Promise<void> | undefined;
  #abort = new AbortController();
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;

  constructor(k: Kernel, fd?: number) {
    super({ allowHalfOpen: false });
    this.#k = k;
    if (fd !== undefined) { this.#fd = fd; this.#names(); }
  }

  /** The kernel descriptor behind this socket (-1 before connect). */
  get fd(): number { return this.#fd; }
  get connecting(): boolean { return this.#connecting !== undefined; }

  #names(): void {
    try {
      const peer = this.#k.getpeername(this.#fd) as InetAddress;
      this.remoteAddress = peer.address; this.remotePort = peer.port; this.remoteFamily = peer.family;
    } catch { /* not connected */ }
    const local = this.#k.getsockname(this.#fd) as InetAddress;
    this.localAddress = local.address; this.localPort = local.port;
  }

  connect(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): this {
    const opts: ConnectOptions = typeof options === 'number' ? { port: options, host: typeof host === 'string' ? host : undefined } : options;
    const done = typeof host === 'function' ? host : cb;
    if (done) this.once('connect', done);
    const address = opts.host ?? '127.0.0.1';
    this.#fd = this.#k.socket(isV6(address) ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    this.#connecting = this.#k.connectAsync(this.#fd, { address, port: opts.port }, { signal: this.#abort.signal })
      .then(() => { this.#connecting = undefined; this.#names(); this.emit('connect'); this.emit('ready'); })
      .catch((e) => { this.#connecting = undefined; if (!(e instanceof AbortError)) this.destroy(e); });
    return this;
  }

  override _read(size: number): void {
    const go = async () => {
      if (this.#connecting) await this.#connecting;
      if (this.destroyed || this.#fd < 0) return;
      const data = await this.#k.recvAsync(this.#fd, Math.max(size, 16384), { signal: this.#abort.signal });
      this.push(data.length === 0 ? null : data);
    };
    go().catch((e) => { if (!(e instanceof AbortError)) this.destroy(e); });
  }

  override _write(chunk: Uint8Array, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const go = async () => {
      if (this.#connecting) await this.#connecting;
      await this.#k.sendAsync(this.#fd, chunk, { signal: this.#abort.signal });
    };
    go().then(() => cb(), (e) => cb(e));
  }

  override _final(cb: (e?: Error | null) => void): void {
    const go = async () => {
      if (this.#connecting) await this.#connecting;
      try { this.#k.shutdown(this.#fd, SHUT_WR); } catch { /* already gone */ }
    };
    go().then(() => cb(), (e) => cb(e));
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.#abort.abort();
    if (this.#fd >= 0) { try { this.#k.close(this.#fd); } catch { /* closed */ } this.#fd = -1; }
    cb(err);
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.#fd < 0) return {};
    const a = this.#k.getsockname(this.#fd) as InetAddress;
    return { address: a.address, family: a.family, port: a.port };
  }

  // Accepted for compatibility: the simulated network has no Nagle delay or keep-alive probes.
  setNoDelay(_noDelay?: boolean): this { return this; }
  setKeepAlive(_enable?: boolean, _delay?: number): this { return this; }
  setTimeout(_ms: number, cb?: () => void): this { if (cb) this.once('timeout', cb); return this; }
  ref(): this { return this; }
  unref(): this { return this; }
}

export class Server extends EventEmitter {
  #k: Kernel;
  #fd = -1;
  #abort = new AbortController();
  listening = false;

  constructor(k: Kernel, listener?: (s: Socket) => void) {
    super();
    this.#k = k;
    if (listener) this.on('connection', listener);
  }

  listen(port?: number | ListenOptions, host?: string | number | (() => void), backlog?: number | (() => void), cb?: () => void): this {
    let opts: ListenOptions;
    const fns = [port, host, backlog, cb].filter((x) => typeof x === 'function') as (() => void)[];
    if (typeof port === 'object' && port !== null) opts = port;
    else opts = { port: port as number | undefined, host: typeof host === 'string' ? host : undefined, backlog: typeof host === 'number' ? host : typeof backlog === 'number' ? backlog : undefined };
    if (fns[0]) this.once('listening', fns[0]);
    const address = opts.host ?? '0.0.0.0';
    const p = opts.port ?? 0;
    try {
      this.#fd = this.#k.socket(isV6(address) ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      this.#k.setsockopt(this.#fd, SOL_SOCKET, SO_REUSEADDR, 1); // libuv sets it on listeners
      this.#k.bind(this.#fd, { address, port: p });
      this.#k.listen(this.#fd, opts.backlog ?? 511);             // Node's default backlog
    } catch (e) {
      if (this.#fd >= 0) { try { this.#k.close(this.#fd); } catch { /* */ } this.#fd = -1; }
      const err = e as Error & { code?: string };
      // Node: "listen EADDRINUSE: address already in use 127.0.0.1:8080", on the next tick.
      if ((err as { syscall?: string }).syscall === 'bind') Object.assign(err, { syscall: 'listen', message: err.message.replace(/^bind /, 'listen ') });
      queueMicrotask(() => this.emit('error', err));
      return this;
    }
    this.listening = true;
    queueMicrotask(() => this.emit('listening'));
    void this.#acceptLoop();
    return this;
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const { fd } of this.#k.connections(this.#fd, { signal: this.#abort.signal })) {
        this.emit('connection', new Socket(this.#k, fd));
      }
    } catch (e) {
      if (!(e instanceof AbortError) && this.listening) this.emit('error', e);
    }
  }

  address(): { address: string; family: string; port: number } | null {
    if (this.#fd < 0) return null;
    const a = this.#k.getsockname(this.#fd) as SocketAddress & InetAddress;
    return { address: a.address, family: a.family, port: a.port };
  }

  close(cb?: (e?: Error) => void): this {
    if (this.#fd < 0) {
      const e = Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
      if (cb) queueMicrotask(() => cb(e));
      return this;
    }
    this.#abort.abort();
    this.listening = false;
    this.#k.close(this.#fd);
    this.#fd = -1;
    if (cb) this.once('close', cb);
    queueMicrotask(() => this.emit('close'));
    return this;
  }

  ref(): this { return this; }
  unref(): this { return this; }
}

export interface NetFacade {
  createServer(listener?: (s: Socket) => void): Server;
  createServer(options: object, listener?: (s: Socket) => void): Server;
  connect(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): Socket;
  createConnection(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): Socket;
  Server: typeof Server;
  Socket: typeof Socket;
}

export function createNetFacade(k: Kernel): NetFacade {
  const connect = (options: ConnectOptions | number, host?: string | (() => void), cb?: () => void) => new Socket(k).connect(options, host, cb);
  return {
    createServer: (a?: object | ((s: Socket) => void), b?: (s: Socket) => void) =>
      new Server(k, typeof a === 'function' ? (a as (s: Socket) => void) : b),
    connect,
    createConnection: connect,
    Server,
    Socket,
  };
}
