// Fixtures shared by the scenario tests, built by name (STYLE.md 13).
import { readFile } from 'node:fs/promises';
import {
  createKernel, AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_ERROR,
} from 'socket-kernel';

export const PERSONALITIES = ['linux', 'freebsd', 'posix'];

/** A kernel built from the debug .wasm (assertions on) when asked, else the release one. */
export async function kernel(options = {}, { debug = false } = {}) {
  if (!debug) return createKernel(options);
  const wasm = await readFile(new URL('../build/kernel.debug.wasm', import.meta.url));
  return createKernel({ ...options, wasm });
}

/** A TCP listener on 127.0.0.1 (port 0: the kernel picks). Returns { fd, port }. */
export function listening(k, backlog, { address = '127.0.0.1', port = 0, domain = AF_INET } = {}) {
  const fd = k.socket(domain, SOCK_STREAM);
  k.bind(fd, { address, port });
  k.listen(fd, backlog);
  return { fd, port: k.getsockname(fd).port, address };
}

/** A nonblocking client that has called connect(); returns { fd, code } (code: null or errno name). */
export function connecting(k, port, { address = '127.0.0.1', domain = AF_INET, flags = SOCK_NONBLOCK } = {}) {
  const fd = k.socket(domain, SOCK_STREAM | flags);
  try {
    k.connect(fd, { address, port });
    return { fd, code: null };
  } catch (e) {
    return { fd, code: e.code };
  }
}

/** Whether a client's handshake completed (getpeername works only once ESTABLISHED). */
export function isConnected(k, fd) {
  try { k.getpeername(fd); return true; } catch { return false; }
}

/** Opens nonblocking clients until one does not complete; returns how many did. */
export function fillBacklog(k, port, max = 200) {
  const clients = [];
  for (let i = 0; i < max; i++) {
    const c = connecting(k, port);
    clients.push(c.fd);
    if (!isConnected(k, c.fd)) return { completed: i, clients, blocked: c.fd };
  }
  return { completed: max, clients, blocked: null };
}

export function soError(k, fd) { return k.getsockopt(fd, SOL_SOCKET, SO_ERROR); }

/** The errno name a call throws, or 'ok'. */
export function code(fn) {
  try { fn(); return 'ok'; } catch (e) { return e.code ?? String(e); }
}

export { AF_INET, AF_INET6, AF_UNIX };
