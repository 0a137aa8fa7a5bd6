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

/**
 * Two hosts (10.0.0.1 listening, 10.0.0.2 connected to it) joined by a 1 ms link, for
 * the packet path between hosts; `uplink`: the client host's, in bit/s (0: none).
 * Returns the instance and a function sending n 1-byte segments client -> server in
 * bursts of 1000, advancing 1 ms and reading after each.
 */
export function rawLinkPackets(file, { uplink = 0 } = {}) {
  const { x, s } = rawKernel(file);
  const v = () => new DataView(x.memory.buffer);
  const at = (p, last) => { v().setUint16(p, 2, true); v().setUint16(p + 2, 8080, false); v().setUint32(p + 4, 0x0000000a | (last << 24), true); v().setBigUint64(p + 8, 0n); return p; };
  const srv = x.sk_host_create(0, 2n), cli = x.sk_host_create(0, 3n);
  x.sk_host_select(srv); x.sk_add_address(at(s + 128, 1), 16);
  const l = x.sk_socket(2, 1, 0); x.sk_bind(l, at(s + 128, 1), 16); x.sk_listen(l, 16);
  x.sk_host_select(cli); x.sk_add_address(at(s + 128, 2), 16);
  const c = x.sk_socket(2, 1 | 2048, 0); x.sk_connect(c, at(s + 128, 1), 16);
  x.sk_host_select(0);
  x.sk_link_change(1, -1, -1, 1000n, 0n, 0n, 0n, 0n);               // every link: 1 ms
  if (uplink) x.sk_link_change(10, cli, -1, BigInt(uplink), 1_500_000n, 0n, 0n, 0n);
  x.sk_advance(5000n);
  x.sk_host_select(srv); const a = x.sk_accept(l, 0, 0);
  if (a < 0) throw new Error(`accept over the link: ${a}`);
  const buf = x.sk_buffer(65536);
  return (n) => {
    for (let i = 0; i < n; i += 1000) {
      x.sk_host_select(cli);
      for (let j = 0; j < 1000; j++) x.sk_send(c, buf, 1, 0);
      x.sk_host_select(0); x.sk_advance(1000n);
      x.sk_host_select(srv);
      while (x.sk_recv(a, buf, 65536, 0) > 0);
    }
  };
}
