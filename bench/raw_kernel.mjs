// A kernel instance driven through its exports alone (no host layer), as an embedder
// would: bench/index.mjs measures it next to the host API, bench/ab.mjs compares two
// builds with it.
//
// Scratch layout: s = sockaddr_in 127.0.0.1:8080 (the listener), s + 16 =
// 127.0.0.1:9999 (no listener: connect is refused), s + 64 = struct linger {1, 0}.
import { readFileSync } from 'node:fs';

/** Instantiates a release .wasm (path or URL), Linux personality, maxFds 4 M, listening on 127.0.0.1:8080. */
export function rawKernel(file) {
  const mod = new WebAssembly.Module(readFileSync(file));
  const x = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: { fd_write: () => 0, proc_exit: () => { throw new Error('abort'); } } }).exports;
  x._initialize(); x.sk_init(0, 1n); x.sk_sysctl_set(10, 1n << 22n);
  const s = x.sk_scratch(), v = new DataView(x.memory.buffer);
  v.setUint16(s, 2, true); v.setUint16(s + 2, 8080, false); v.setUint32(s + 4, 0x0100007f, true);
  v.setUint16(s + 16, 2, true); v.setUint16(s + 18, 9999, false); v.setUint32(s + 20, 0x0100007f, true);
  v.setInt32(s + 64, 1, true); v.setInt32(s + 68, 0, true);
  const l = x.sk_socket(2, 1, 0); x.sk_bind(l, s, 16); x.sk_listen(l, 4096);
  return { x, s, l };
}

/** n handshake cycles one call at a time: socket, SO_LINGER {1,0}, connect, accept, close both. */
export function rawCycles({ x, s, l }, n) {
  for (let i = 0; i < n; i++) {
    const c = x.sk_socket(2, 1 | 2048, 0);
    x.sk_setsockopt(c, 1, 13, s + 64, 8);
    x.sk_connect(c, s, 16);
    const a = x.sk_accept4(l, 0, 0, 0);
    x.sk_close(c); x.sk_close(a);
  }
}
