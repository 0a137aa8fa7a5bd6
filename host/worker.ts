// socket-kernel for edge workers (export conditions "workerd", "worker", "edge-light",
// and "default"), bundled by esbuild into build/worker.js. Cloudflare-Workers-like
// runtimes have no file system, no node: modules and no WASI library, and often forbid
// compiling WebAssembly from bytes at run time: the caller hands over the module
// (`import wasm from 'socket-kernel/kernel.wasm'`) or, where compiling is allowed, its
// bytes. The WASI imports the kernel needs are written in kernel.ts (kernelImports).

import { PlatformError, compileOnce, createKernelWith, fetchModule, parseUrl } from './load.js';
import type { EntryName } from './api.js';

export * from './api.js';

export const entry: EntryName = 'worker';

/**
 * The compiled kernel module fetched from `url` (once per URL). There is no packaged
 * file to read here: without a URL this rejects with a PlatformError.
 */
export function kernelModule(url?: string | URL): Promise<WebAssembly.Module> {
  if (url === undefined) {
    return Promise.reject(new PlatformError(
      'socket-kernel\'s worker entry needs options.wasm: loading the packaged kernel.wasm from the file system ' +
      'is available only in Node.js (the "node" export). Pass the WebAssembly.Module (in Cloudflare Workers: ' +
      "import wasm from 'socket-kernel/kernel.wasm'), or its bytes, or options.url to fetch it"));
  }
  const where = parseUrl(url);
  return compileOnce(where.href, () => fetchModule(where));
}

/**
 * Creates an independent kernel from `options.wasm` (a WebAssembly.Module or its
 * bytes), or from the module fetched from `options.url`; one of them is required.
 */
export const createKernel = createKernelWith(kernelModule);
