// A CommonJS Node.js project, checked by tests/package.test.mjs twice: with module node16
// (no require(esm): without the "require" condition's own declarations, build/host/cjs/
// from scripts/cjs-types.mjs, this import fails with TS1479) and with module commonjs +
// moduleResolution node10 (no "exports": without the top-level "types", TS2307).
import { createKernel, kernelModule, AF_INET, SOCK_STREAM, SocketError, type Kernel } from 'socket-kernel';

async function main(): Promise<void> {
  const k: Kernel = await createKernel({ personality: 'linux' });
  const fd: number = k.socket(AF_INET, SOCK_STREAM);
  try { k.bind(fd, { address: '127.0.0.1', port: 8080 }); } catch (e) { if (e instanceof SocketError) console.log(e.code); }
  const module: WebAssembly.Module = await kernelModule();
  // @ts-expect-error: the module and a URL to fetch it from are exclusive
  await createKernel({ wasm: module, url: 'file:///kernel.wasm' });
  k.net.createServer((socket) => socket.end('bye')).listen(8080, '127.0.0.1', 16).close();
}
void main();
