// A Node.js project: lib es2022 and @types/node, no `dom`. Checked by tests/package.test.mjs.
import { createKernel, kernelModule, AF_INET, SOCK_STREAM, SocketError, type Kernel } from 'socket-kernel';

const k: Kernel = await createKernel({ personality: 'linux' });
const fd: number = k.socket(AF_INET, SOCK_STREAM);
try { k.bind(fd, { address: '127.0.0.1', port: 8080 }); } catch (e) { if (e instanceof SocketError) console.log(e.code); }
const module: WebAssembly.Module = await kernelModule();
await createKernel({ wasm: module });
await createKernel({ url: new URL('file:///kernel.wasm') });
// @ts-expect-error: the module and a URL to fetch it from are exclusive
await createKernel({ wasm: module, url: 'file:///kernel.wasm' });
const server = k.net.createServer((socket) => socket.end('bye')).listen(8080, '127.0.0.1', 16);
server.close();
