// A worker project (Cloudflare-Workers-like): lib es2022 and webworker, no @types/node,
// no `dom`. Checked by tests/package.test.mjs.
import { createKernel, AF_INET, SOCK_STREAM } from 'socket-kernel';
import wasm from 'socket-kernel/kernel.wasm';

export default {
  async fetch(): Promise<Response> {
    const k = await createKernel({ wasm, personality: 'linux' });
    const fd = k.socket(AF_INET, SOCK_STREAM);
    k.bind(fd, { address: '127.0.0.1', port: 8080 });
    k.listen(fd, 16);
    // @ts-expect-error: the net facade is Node's only
    k.net;
    return Response.json(k.sockets());
  },
};
