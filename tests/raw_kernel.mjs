// The debug kernel (assertions on) driven through its raw exports, as an embedder
// without the host would: for tests of the ABI itself (docs/abi.md). An abort (a
// kernel assertion or a trap) throws from the call that caused it.
import { readFileSync } from 'node:fs';

export const EFAULT = -14, EINVAL = -22, EAGAIN = -11, EINPROGRESS = -115;
export const AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0o4000;

// SK_DEBUG_WASM names another build, to show that a regression test fails on the
// build before its fix (the report of issue 10 does so with the build of 8e82b42).
const debugWasm = process.env.SK_DEBUG_WASM ?? new URL('../build/kernel.debug.wasm', import.meta.url);

/** A fresh debug kernel (Linux personality unless told) and helpers over its scratch area. */
export function rawDebugKernel(personality = 0) {
  const module = new WebAssembly.Module(readFileSync(debugWasm));
  let memory;
  const x = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: {
      fd_write: () => 0,
      proc_exit: () => { throw new Error('the kernel aborted'); },
    },
  }).exports;
  memory = x.memory;
  x._initialize();
  if (x.sk_init(personality, 1n) !== 0) throw new Error('sk_init failed');
  const s = x.sk_scratch();
  const view = () => new DataView(memory.buffer);
  const top = () => memory.buffer.byteLength;
  /** Writes sockaddr_in 127.0.0.1:port at p. */
  const sin = (p, port) => {
    const v = view();
    v.setUint16(p, AF_INET, true); v.setUint16(p + 2, port, false); v.setUint32(p + 4, 0x0100007f, true);
    v.setBigUint64(p + 8, 0n);
    return p;
  };
  return { x, module, s, view, top, sin };
}

/** A TCP listener on 127.0.0.1:port with the given backlog; returns its fd. */
export function rawListener(k, port, backlog = 16) {
  const fd = k.x.sk_socket(AF_INET, SOCK_STREAM, 0);
  if (k.x.sk_bind(fd, k.sin(k.s + 256, port), 16) !== 0) throw new Error('bind failed');
  if (k.x.sk_listen(fd, backlog) !== 0) throw new Error('listen failed');
  return fd;
}

/** A nonblocking client connected (or connecting) to 127.0.0.1:port; returns its fd. */
export function rawConnect(k, port) {
  const fd = k.x.sk_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const r = k.x.sk_connect(fd, k.sin(k.s + 256, port), 16);
  if (r !== 0 && r !== EINPROGRESS) throw new Error(`connect failed: ${r}`);
  return fd;
}
