// socket-kernel for Node.js (export condition "node"): loads the release .wasm shipped
// in the package. The API is declared in api.ts; this file says where the module is.

import { compileOnce, createKernelWith, fetchModule, parseUrl } from './load.js';
import type { EntryName } from './api.js';

export * from './api.js';
import { Kernel } from './kernel.js';
import { createNetFacade, type NetFacade } from './net.js';

// The `net` facade needs node:events and node:stream, so only the Node entry installs it,
// and only the Node entry's types declare it (browser and worker types have no k.net).
export type { NetFacade, Socket as NetSocket, Server as NetServer } from './net.js';
declare module './kernel.js' {
  interface Kernel {
    /** The `net`-compatible facade (createServer, connect, Socket as a stream.Duplex). Node.js only. */
    readonly net: NetFacade;
  }
}
const facades = new WeakMap<Kernel, NetFacade>();
Object.defineProperty(Kernel.prototype, 'net', {
  configurable: true,
  get(this: Kernel): NetFacade {
    let f = facades.get(this);
    if (!f) { f = createNetFacade(this); facades.set(this, f); }
    return f;
  },
});

export const entry: EntryName = 'node';

/** build/kernel.wasm, next to build/host/ in the installed package. */
const PACKAGED = new URL('../kernel.wasm', import.meta.url);

/**
 * The compiled kernel module (compiled once per process and URL, instantiated per
 * kernel). Without a URL, the packaged build/kernel.wasm; `file:` URLs are read from
 * disk, others fetched.
 */
export function kernelModule(url?: string | URL): Promise<WebAssembly.Module> {
  const where = url === undefined ? PACKAGED : parseUrl(url);
  return compileOnce(where.href, async () => {
    if (where.protocol !== 'file:') return fetchModule(where);
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(where));
  });
}

/**
 * Creates an independent kernel: its own fd table, ports, queues and clock. The module
 * is `options.wasm` (a WebAssembly.Module or its bytes), or fetched from `options.url`,
 * or the packaged build/kernel.wasm.
 */
export const createKernel = createKernelWith(kernelModule);
