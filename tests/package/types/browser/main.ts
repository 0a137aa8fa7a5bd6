// A browser project: lib es2022 and dom, no @types/node. Checked by tests/package.test.mjs.
import { createKernel, AF_INET, SOCK_STREAM, type Kernel } from 'socket-kernel';
import * as inline from 'socket-kernel/inline';

const k: Kernel = await createKernel({ url: '/assets/kernel.wasm' });
k.listen(k.socket(AF_INET, SOCK_STREAM), 8);
const conn = k.streams.connect({ address: '127.0.0.1', port: 8080 });
await conn.opened;
const reader: ReadableStreamDefaultReader<Uint8Array> = conn.readable.getReader();
reader.releaseLock();
await inline.createKernel();
// @ts-expect-error: the net facade is Node's only
k.net;
// @ts-expect-error: the module and a URL to fetch it from are exclusive
await createKernel({ wasm: new Uint8Array(8), url: '/k.wasm' });
