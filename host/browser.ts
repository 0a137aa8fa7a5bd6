// socket-kernel for browsers (export condition "browser"), bundled by esbuild into
// build/browser.js. By default it fetches kernel.wasm from next to the bundle and
// compiles it while it downloads; `socket-kernel/inline` (inline.ts) embeds it instead.

import { compileOnce, createKernelWith, fetchModule, parseUrl } from './load.js';
import type { EntryName } from './api.js';

export * from './api.js';

export const entry: EntryName = 'browser';

/**
 * The compiled kernel module, fetched with WebAssembly.compileStreaming (the server
 * must send `application/wasm`) once per URL. Default: kernel.wasm next to this bundle.
 */
export function kernelModule(url?: string | URL): Promise<WebAssembly.Module> {
  // new URL(..., import.meta.url) is the pattern bundlers (Vite, webpack, Parcel)
  // recognise: they copy kernel.wasm along with the code that uses it.
  const where = url === undefined ? new URL('./kernel.wasm', import.meta.url) : parseUrl(url);
  return compileOnce(where.href, () => fetchModule(where));
}

/**
 * Creates an independent kernel. The module is `options.wasm` (a WebAssembly.Module or
 * its bytes), or fetched from `options.url`, or fetched from next to the bundle.
 */
export const createKernel = createKernelWith(kernelModule);
