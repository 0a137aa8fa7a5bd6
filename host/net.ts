// A `net`-compatible facade over a kernel, for Node: createServer / Server.listen /
// 'listening' / 'connection' / 'error' / 'close' / address(), and connect() /
// createConnection() returning a Socket that is a real stream.Duplex. Enough for
// node:http (an http.Server takes these sockets through 'connection', an http.Agent
// through createConnection) and for undici (`new Agent({ connect })`).
//
// It follows Node's lib/net.js over libuv (src/unix/stream.c), on the same phases of
// the event loop, because libraries built on `net` count on them:
// - I/O (accept, read, write completion, connect completion) runs in watcher callbacks
//   that the reactor calls from the I/O phase (Reactor.watch, see IoScheduler), never
//   in the microtasks of the call that caused it;
// - 'listening', 'error' and a server's 'close' on process.nextTick, as Node emits them;
// - a socket's 'close' (with hadError) after the handle is closed, on the next turn of
//   the loop (libuv's close callbacks run after the poll and check phases);
// - reads as uv__read does them: 64 KiB at a time, until a short read, while the
//   stream wants data (push() returning false stops the watcher: backpressure);
// - writes as uv_write does them: tried at once, the rest when the socket is writable.
// A server or a socket that is open keeps the process alive as a libuv handle does,
// unless unref()'d.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { Kernel } from './kernel.js';
import type { InetAddress } from './sockaddr.js';
import { SocketError } from './errors.js';
import {
  AF_INET, AF_INET6, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SO_ERROR, SO_LINGER, SHUT_WR,
  EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP,
} from './constants.js';

type ListenOptions = { port?: number; host?: string; backlog?: number };
type ConnectOptions = {
  port: number; host?: string; localAddress?: string; localPort?: number;
  timeout?: number; noDelay?: boolean; keepAlive?: boolean; keepAliveInitialDelay?: number; allowHalfOpen?: boolean;
};
type SocketOptions = { allowHalfOpen?: boolean };
type ServerOptions = { allowHalfOpen?: boolean; pauseOnConnect?: boolean; noDelay?: boolean; keepAlive?: boolean };

const READ_SIZE = 65536;   // uv__read asks the allocator for 64 KiB per read
const READ_ROUNDS = 32;    // uv__read gives up after 32 reads in one callback (count = 32)
const isV6 = (host: string) => host.includes(':');

/** A Node-coded error (`code` on a TypeError / RangeError / Error), as lib/internal/errors.js makes them. */
function nodeError<E extends Error>(Ctor: new (m: string) => E, code: string, message: string): E & { code: string } {
  const e = new Ctor(message) as E & { code: string };
  e.code = code;
  return e;
}

/** Node's validatePort (lib/internal/validators.js): an integer from 0 to 65535, else ERR_SOCKET_BAD_PORT. */
function validatePort(port: unknown, name = 'Port'): number {
  if (typeof port === 'string' && port.trim() !== '' && Number.isInteger(Number(port))) port = Number(port);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw nodeError(RangeError, 'ERR_SOCKET_BAD_PORT', `${name} should be >= 0 and < 65536. Received ${typeof port === 'number' ? `type number (${port})` : `type ${typeof port}`}.`);
  }
  return port;
}

/** Node's getTimerDuration for socket.setTimeout: a finite number >= 0. */
function validateMsecs(ms: unknown): number {
  if (typeof ms !== 'number') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "msecs" argument must be of type number. Received type ${typeof ms}`);
  if (!(ms >= 0) || !Number.isFinite(ms)) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${ms}`);
  return ms;
}

/** 'localhost' is the loopback address here (there is no resolver); other names are taken as given. */
const resolveHost = (host: string | undefined, fallback: string) => (host === undefined || host === 'localhost' ? fallback : host);

/** The kernel's error, renamed for the call Node would name (read, write, connect, accept). */
function errorFor(e: unknown, syscall: string, address?: string, port?: number): Error {
  const errno = (e as { errno?: number }).errno;
  return typeof errno === 'number' ? new SocketError(errno, syscall, address, port) : e as Error;
}

// ---- keeping the process alive --------------------------------------------------

// A libuv handle that is active and referenced keeps Node's loop running. These
// sockets have no handle of their own: one shared interval stands in for all of them,
// held while any is active and referenced.
let held = 0;
let keeper: ReturnType<typeof setInterval> | undefined;

class Liveness {
  #active = false;
  #refed = true;
  #holding = false;
  set active(v: boolean) { this.#active = v; this.#update(); }
  set refed(v: boolean) { this.#refed = v; this.#update(); }
  get refed(): boolean { return this.#refed; }
  #update(): void {
    const want = this.#active && this.#refed;
    if (want === this.#holding) return;
    this.#holding = want;
    if (want) { if (held++ === 0) keeper = setInterval(() => {}, 1 << 30); }
    else if (--held === 0) { clearInterval(keeper); keeper = undefined; }
  }
}

// ---- per-kernel state -------------------------------------------------------------

/** What the facade keeps per kernel: libuv's spare descriptor for the EMFILE trick, and its counter. */
class NetState {
  spare = -1;
  emfileShed = 0;
  constructor(readonly k: Kernel) {}

  /** Reserves the spare descriptor (uv__stream_init opens loop->emfile_fd the same way). */
  reserve(): void {
    if (this.spare >= 0) return;
    try { this.spare = this.k.socket(AF_INET, SOCK_STREAM); } catch { /* none left: the trick cannot run */ }
  }

  /**
   * libuv's uv__emfile_trick (src/unix/stream.c): on accept EMFILE, close the spare
   * descriptor, accept every pending connection and close it at once (the clients see
   * the server is overloaded), then take the spare again. Returns the error that ended
   * the loop (EAGAIN when the queue was drained), or EMFILE when there was no spare.
   */
  emfileTrick(listenFd: number): string {
    if (this.spare < 0) return 'EMFILE';
    this.k.close(this.spare);
    this.spare = -1;
    let code = 'EAGAIN';
    for (;;) {
      try {
        const { fd } = this.k.accept(listenFd);
        this.k.close(fd);
        this.emfileShed++;
      } catch (e) { code = (e as { code?: string }).code ?? 'EIO'; break; }
    }
    this.reserve();
    return code;
  }
}

// ---- Socket ----------------------------------------------------------------------

interface PendingWrite { data: Uint8Array; off: number; cb: (e?: Error | null) => void }

export class Socket extends Duplex {
  #s: NetState;
  #k: Kernel;
  #fd = -1;
  #connecting = false;
  #wantRead = false;      // the stream asked for data (_read) and has not been refused (push() === false)
  #watching = 0;          // the events registered with the reactor
  #write: PendingWrite | undefined;
  #final: ((e?: Error | null) => void) | undefined;
  #dispatched = 0;
  #read = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #live = new Liveness();
  #server: Server | undefined;
  #onIo = (revents: number) => this.#io(revents);
  /** The idle timeout set by setTimeout(), in ms (undefined before). */
  timeout: number | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;

  /** @internal Use k.net.Socket / k.net.connect. */
  constructor(s: NetState, options: SocketOptions = {}, fd?: number, server?: Server, pauseOnCreate = false) {
    // lib/net.js: allowHalfOpen defaults to false; 'close' is emitted by the socket itself, with hadError.
    super({ allowHalfOpen: Boolean(options.allowHalfOpen), emitClose: false, autoDestroy: true });
    this.#s = s;
    this.#k = s.k;
    if (fd !== undefined) {
      this.#fd = fd;
      this.#server = server;
      this.#names();
      this.#live.active = true;
      // lib/net.js: a socket made from a handle starts reading at once (read(0)), unless
      // the server says pauseOnConnect.
      if (pauseOnCreate) this.pause(); else this.read(0);
    }
  }

  /** The kernel descriptor behind this socket (-1 before connect and after close). */
  get fd(): number { return this.#fd; }
  get connecting(): boolean { return this.#connecting; }
  get pending(): boolean { return this.#fd < 0 || this.#connecting; }
  get bytesRead(): number { return this.#read; }
  /** Bytes handed to the kernel plus those still queued in the stream, as Node counts them. */
  get bytesWritten(): number {
    let n = this.#dispatched;
    // writableBuffer is Node's (lib/internal/streams/writable.js), missing from @types/node.
    for (const w of (this as unknown as { writableBuffer: { chunk: { length: number } }[] }).writableBuffer) n += w.chunk.length;
    if (this.#connecting && this.#write) n += this.#write.data.length;
    return n;
  }
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.#connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  #names(): void {
    try {
      const peer = this.#k.getpeername(this.#fd) as InetAddress;
      this.remoteAddress = peer.address; this.remotePort = peer.port; this.remoteFamily = peer.family;
    } catch { /* not connected */ }
    const local = this.#k.getsockname(this.#fd) as InetAddress;
    this.localAddress = local.address; this.localPort = local.port;
  }

  connect(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): this {
    const opts: ConnectOptions = typeof options === 'number' || typeof options === 'string'
      ? { port: options, host: typeof host === 'string' ? host : undefined } : options;
    const done = typeof host === 'function' ? host : cb;
    if (this.#fd >= 0 || this.#connecting) throw nodeError(Error, 'ERR_SOCKET_CONNECTING', 'Socket is already connected');
    const port = validatePort(opts.port, 'Port');
    if (opts.localPort !== undefined) validatePort(opts.localPort, 'options.localPort');
    const address = resolveHost(opts.host, '127.0.0.1');
    if (done) this.once('connect', done);
    if (opts.timeout !== undefined) this.setTimeout(opts.timeout);
    this.#connecting = true;
    this.#live.active = true;
    // lib/net.js lookupAndConnect: an IP address is connected to on the next tick.
    process.nextTick(() => this.#startConnect(address, port, opts));
    return this;
  }

  #startConnect(address: string, port: number, opts: ConnectOptions): void {
    if (this.destroyed) return;
    try {
      this.#fd = this.#k.socket(isV6(address) ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      if (opts.localAddress !== undefined || opts.localPort !== undefined) {
        this.#k.bind(this.#fd, { address: opts.localAddress ?? (isV6(address) ? '::' : '0.0.0.0'), port: opts.localPort ?? 0 });
      }
    } catch (e) {
      this.destroy(errorFor(e, 'connect', address, port));
      return;
    }
    try {
      this.#k.connect(this.#fd, { address, port });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'EINPROGRESS') {
        // libuv reports even an at-once ECONNREFUSED from the loop, not from uv_tcp_connect.
        this.#s.k.reactor.ioScheduler(() => this.#afterConnect(errorFor(e, 'connect', address, port)));
        return;
      }
    }
    this.#connectTo = { address, port };
    this.#update();
  }

  #connectTo: { address: string; port: number } | undefined;

  #afterConnect(err: Error | undefined): void {
    if (this.destroyed) return;
    this.#connecting = false;
    if (err) { this.destroy(err); return; }
    this.#names();
    this.#touch();
    if (this.#write) { const w = this.#write; this.#write = undefined; this.#dispatched += w.data.length; this.#send(w); }
    if (this.#final) { const f = this.#final; this.#final = undefined; this._final(f); }
    this.#update();
    // lib/net.js afterConnect: start reading unless paused, then 'connect' and 'ready'.
    if (!this.isPaused()) this.read(0);
    this.emit('connect');
    this.emit('ready');
  }

  /** Registers the events this socket waits for with the reactor (or none). */
  #update(): void {
    if (this.#fd < 0) return;
    let want = 0;
    if (this.#connecting) want = EPOLLOUT;
    else {
      if (this.#wantRead) want |= EPOLLIN | EPOLLRDHUP;
      if (this.#write) want |= EPOLLOUT;
    }
    if (want === this.#watching) return;
    this.#watching = want;
    if (want === 0) this.#k.reactor.unwatch(this.#fd);
    else this.#k.reactor.watch(this.#fd, want, this.#onIo);
  }

  /** The reactor's callback, from the I/O phase: uv__stream_io. */
  #io(revents: number): void {
    if (this.#connecting) {
      if (!this.#connectTo) return;
      const errno = this.#k.getsockopt(this.#fd, SOL_SOCKET, SO_ERROR);
      const { address, port } = this.#connectTo;
      if (errno === 0 && (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) === 0) return; // still in the handshake
      this.#afterConnect(errno === 0 ? undefined : new SocketError(errno, 'connect', address, port));
      return;
    }
    if (this.#write && (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) !== 0) {
      const w = this.#write; this.#write = undefined; this.#send(w);
    }
    if (this.#wantRead && (revents & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) !== 0) this.#readNow();
    this.#update();
  }

  #readNow(): void {
    for (let round = 0; round < READ_ROUNDS && this.#wantRead && this.#fd >= 0; round++) {
      let data: Uint8Array;
      try { data = this.#k.recv(this.#fd, READ_SIZE); } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') return;
        this.destroy(errorFor(e, 'read'));
        return;
      }
      if (data.length === 0) {
        // stream_base_commons onStreamRead: push(null) then read(0), so that 'end' is
        // emitted even by a paused socket with nothing buffered.
        this.#wantRead = false;
        this.push(null);
        this.read(0);
        return;
      }
      this.#read += data.length;
      this.#touch();
      if (!this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.#wantRead = false;
      if (data.length < READ_SIZE) return; // a short read: nothing more queued
    }
  }

  override _read(_size: number): void {
    if (this.#wantRead) return;
    this.#wantRead = true;
    if (!this.#connecting) this.#update();
  }

  override _write(chunk: Uint8Array, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const w = { data: chunk, off: 0, cb };
    if (this.#connecting) { this.#write = w; return; }
    this.#touch();
    this.#dispatched += chunk.length;
    this.#send(w);
  }

  override _writev(chunks: { chunk: Uint8Array }[], cb: (e?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'binary', cb);
  }

  /** uv__write: as much as the kernel takes now; the rest waits for EPOLLOUT. */
  #send(w: PendingWrite): void {
    if (this.#fd < 0) { w.cb(nodeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed')); return; }
    while (w.off < w.data.length) {
      try { w.off += this.#k.send(this.#fd, w.off === 0 ? w.data : w.data.subarray(w.off)); } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') { this.#write = w; this.#update(); return; }
        w.cb(errorFor(e, 'write'));
        return;
      }
    }
    // Node calls back at once for a write the kernel took whole (stream_base's TryWrite).
    w.cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.#connecting) { this.#final = cb; return; }
    if (this.#fd < 0) { cb(); return; }
    try { this.#k.shutdown(this.#fd, SHUT_WR); } catch { /* the peer is gone: ENOTCONN, as Node ignores */ }
    // libuv completes a shutdown request from the loop (uv__drain), not from uv_shutdown.
    this.#k.reactor.ioScheduler(() => cb());
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined; }
    this.#connecting = false;
    this.#wantRead = false;
    const pending = this.#write; this.#write = undefined;
    if (this.#fd >= 0) {
      try { this.#k.close(this.#fd); } catch { /* closed */ }
      this.#fd = -1;
      this.#watching = 0;
    }
    this.#live.active = false;
    const server = this.#server; this.#server = undefined;
    cb(err);
    pending?.cb(nodeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed'));
    // Node emits 'close' from the handle's close callback, after the poll and check phases.
    const hadError = Boolean(err);
    setImmediate(() => this.emit('close', hadError));
    server?._connectionClosed();
  }

  /** lib/net.js destroySoon: end the writable side, destroy once it has finished. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Closes with a reset (SO_LINGER {1, 0}) instead of a FIN, as Node 16.17+ does. */
  resetAndDestroy(): this {
    if (this.#fd >= 0 && !this.#connecting) { try { this.#k.setsockopt(this.#fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }); } catch { /* */ } }
    this.destroy();
    return this;
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.#fd < 0) return {};
    const a = this.#k.getsockname(this.#fd) as InetAddress;
    return { address: a.address, family: a.family, port: a.port };
  }

  /**
   * Emits 'timeout' after `ms` of inactivity (no read, no write), once, rearmed by the
   * next activity; 0 disables. The socket is not closed: the listener decides. Wall-clock
   * time whatever the kernel's clock, and it does not keep the process alive, as in Node.
   */
  setTimeout(ms: number, cb?: () => void): this {
    if (this.destroyed) return this;
    this.timeout = ms;
    ms = validateMsecs(ms);
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined; }
    if (ms === 0) { if (cb) this.removeListener('timeout', cb); return this; }
    this.#timer = setTimeout(() => this.emit('timeout'), ms);
    this.#timer.unref();
    if (cb) this.once('timeout', cb);
    return this;
  }

  /** Activity: restarts the idle timeout (Node's _unrefTimer). */
  #touch(): void { this.#timer?.refresh(); }

  // Accepted and validated as Node does; the simulated network has no Nagle delay and no keep-alive probes.
  setNoDelay(_noDelay?: boolean): this { return this; }
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this { return this; }
  ref(): this { this.#live.refed = true; return this; }
  unref(): this { this.#live.refed = false; return this; }
}

// ---- Server ----------------------------------------------------------------------

export class Server extends EventEmitter {
  #s: NetState;
  #k: Kernel;
  #fd = -1;
  #connections = 0;
  #live = new Liveness();
  #options: ServerOptions;
  #onIo = () => this.#accept();
  /** Connections beyond this many are closed at once and reported by a 'drop' event (Node 18.6+). */
  maxConnections: number | undefined;

  /** @internal Use k.net.createServer. */
  constructor(s: NetState, options: ServerOptions = {}, listener?: (s: Socket) => void) {
    super();
    this.#s = s;
    this.#k = s.k;
    this.#options = options;
    if (listener) this.on('connection', listener);
  }

  get listening(): boolean { return this.#fd >= 0; }

  listen(port?: number | ListenOptions, host?: string | number | (() => void), backlog?: number | (() => void), cb?: () => void): this {
    let opts: ListenOptions;
    const fns = [port, host, backlog, cb].filter((x) => typeof x === 'function') as (() => void)[];
    if (typeof port === 'object' && port !== null) opts = port;
    else opts = { port: port as number | undefined, host: typeof host === 'string' ? host : undefined, backlog: typeof host === 'number' ? host : typeof backlog === 'number' ? backlog : undefined };
    if (this.#fd >= 0 || this.#lookingUp) throw nodeError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    const p = opts.port === undefined || opts.port === null ? 0 : validatePort(opts.port, 'options.port');
    if (fns[0]) this.once('listening', fns[0]);
    // lib/net.js: with a host, Node looks it up first (dns.lookup answers an IP address on
    // the next tick) and listens then; without one it listens at once. 'listening' and
    // errors follow on the next tick either way.
    if (opts.host === undefined) this.#listen('0.0.0.0', p, opts.backlog);
    else {
      this.#lookingUp = true;
      // As in Node, a close() during the lookup does not cancel it.
      process.nextTick(() => {
        this.#lookingUp = false;
        this.#listen(resolveHost(opts.host, '127.0.0.1'), p, opts.backlog);
      });
    }
    return this;
  }

  #lookingUp = false;

  #listen(address: string, port: number, backlog = 511): void {
    let fd = -1;
    try {
      fd = this.#k.socket(isV6(address) ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
      this.#k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1); // libuv sets it on listeners
      this.#k.bind(fd, { address, port });
      this.#k.listen(fd, backlog);                           // Node's default backlog is 511
    } catch (e) {
      if (fd >= 0) { try { this.#k.close(fd); } catch { /* */ } }
      const err = e as Error & { syscall?: string };
      // Node: "listen EADDRINUSE: address already in use 127.0.0.1:8080", on the next tick.
      if (err.syscall === 'bind') Object.assign(err, { syscall: 'listen', message: err.message.replace(/^bind /, 'listen ') });
      process.nextTick(() => this.emit('error', err));
      return;
    }
    this.#fd = fd;
    this.#closing = false;
    this.#s.reserve();
    this.#live.active = true;
    this.#k.reactor.watch(fd, EPOLLIN, this.#onIo);
    process.nextTick(() => { if (this.#fd === fd) this.emit('listening'); });
  }

  /** uv__server_io and Node's onconnection: accept until EAGAIN, a 'connection' each. */
  #accept(): void {
    while (this.#fd >= 0) {
      let fd: number;
      try { fd = this.#k.accept4(this.#fd, SOCK_NONBLOCK).fd; } catch (e) {
        let code = (e as { code?: string }).code;
        if (code === 'EAGAIN') return;
        if (code === 'ECONNABORTED') continue;                   // libuv ignores it
        if (code === 'EMFILE' || code === 'ENFILE') {
          code = this.#s.emfileTrick(this.#fd);                   // shed load, as libuv does
          if (code === 'EAGAIN') return;
        }
        // libuv hands the error to the connection callback; Node's onconnection emits it.
        // The listener stays readable: the next turn tries again.
        this.emit('error', errorFor(e, 'accept'));
        return;
      }
      if (this.maxConnections !== undefined && this.#connections >= this.maxConnections) {
        const info = this.#dropInfo(fd);
        this.#k.close(fd);
        this.emit('drop', info);
        continue;
      }
      const socket = new Socket(this.#s, { allowHalfOpen: this.#options.allowHalfOpen }, fd, this, Boolean(this.#options.pauseOnConnect));
      this.#connections++;
      this.emit('connection', socket);
    }
  }

  #dropInfo(fd: number): object {
    const local = this.#k.getsockname(fd) as InetAddress, peer = this.#k.getpeername(fd) as InetAddress;
    return { localAddress: local.address, localPort: local.port, localFamily: local.family, remoteAddress: peer.address, remotePort: peer.port, remoteFamily: peer.family };
  }

  /** @internal A connection of this server was destroyed. */
  _connectionClosed(): void {
    this.#connections--;
    this.#emitCloseIfDrained();
  }

  #closing = false;
  #emitCloseIfDrained(): void {
    if (!this.#closing || this.#fd >= 0 || this.#connections > 0) return;
    this.#closing = false;
    process.nextTick(() => this.emit('close'));
  }

  address(): { address: string; family: string; port: number } | null {
    if (this.#fd < 0) return null;
    const a = this.#k.getsockname(this.#fd) as InetAddress;
    return { address: a.address, family: a.family, port: a.port };
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.#connections;
    process.nextTick(() => cb(null, n));
    return this;
  }

  /**
   * Stops accepting; 'close' (and `cb`) once every connection has closed, as Node's
   * server.close(). Called when not listening, `cb` gets ERR_SERVER_NOT_RUNNING.
   */
  close(cb?: (e?: Error) => void): this {
    if (typeof cb === 'function') {
      if (this.#fd < 0) this.once('close', () => cb(nodeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
      else this.once('close', cb);
    }
    if (this.#fd >= 0) {
      this.#k.close(this.#fd);
      this.#fd = -1;
      this.#live.active = false;
    }
    this.#closing = true;
    this.#emitCloseIfDrained();
    return this;
  }

  ref(): this { this.#live.refed = true; return this; }
  unref(): this { this.#live.refed = false; return this; }
}

// ---- the facade ------------------------------------------------------------------

export interface NetFacade {
  createServer(listener?: (s: Socket) => void): Server;
  createServer(options: ServerOptions, listener?: (s: Socket) => void): Server;
  connect(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): Socket;
  createConnection(options: ConnectOptions | number, host?: string | (() => void), cb?: () => void): Socket;
  /** `new k.net.Socket([options])`, as `new net.Socket()`. */
  Socket: new (options?: SocketOptions) => Socket;
  /** `new k.net.Server([options][, listener])`, as `new net.Server()`. */
  Server: new (options?: ServerOptions | ((s: Socket) => void), listener?: (s: Socket) => void) => Server;
  /** Connections accepted and closed at once because the descriptor table was full (libuv's EMFILE trick). */
  stats(): { emfileShed: number };
}

export function createNetFacade(k: Kernel): NetFacade {
  const state = new NetState(k);
  class KSocket extends Socket { constructor(options?: SocketOptions) { super(state, options); } }
  class KServer extends Server {
    constructor(options?: ServerOptions | ((s: Socket) => void), listener?: (s: Socket) => void) {
      if (typeof options === 'function') super(state, {}, options); else super(state, options ?? {}, listener);
    }
  }
  const connect = (options: ConnectOptions | number, host?: string | (() => void), cb?: () => void) => {
    const opts: Partial<ConnectOptions> = typeof options === 'object' && options !== null ? options : {};
    const s = new KSocket({ allowHalfOpen: opts.allowHalfOpen });
    return s.connect(options, host, cb);
  };
  return {
    createServer: (a?: ServerOptions | ((s: Socket) => void), b?: (s: Socket) => void) => new KServer(a, b),
    connect,
    createConnection: connect,
    Server: KServer,
    Socket: KSocket,
    stats: () => ({ emfileShed: state.emfileShed }),
  };
}
