import { readFileSync } from 'node:fs';
import { kernelImports } from 'socket-kernel';
const mod = new WebAssembly.Module(readFileSync('build/kernel.wasm'));
let mem; const inst = new WebAssembly.Instance(mod, kernelImports(() => mem));
const x = inst.exports; mem = x.memory; x._initialize(); x.sk_init(0, 1n);
x.sk_sysctl_set(10, 1n << 20n);
const s = x.sk_scratch(); const v = new DataView(mem.buffer);
v.setUint16(s, 2, true); v.setUint16(s + 2, 8080, false); v.setUint32(s + 4, 0x0100007f, true);
const l = x.sk_socket(2, 1, 0); x.sk_bind(l, s, 16); x.sk_listen(l, 4096);
const out = x.sk_buffer(4096 * 4);
for (let rep = 0; rep < 3; rep++) {
const N = 2000; const t0 = performance.now();
for (let i = 0; i < N; i++) {
  x.sk_connect_batch(1024, 2, 1 | 2048, s, 16, out + 0);
  const n = x.sk_accept_batch(l, out + 8192, 1024, 0);
  x.sk_close_batch(out, 1024, 1); x.sk_close_batch(out + 8192, n, 0);
}
console.log((N * 1024 / (performance.now() - t0) / 1000).toFixed(2), 'M/s');
}
