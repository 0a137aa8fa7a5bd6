// socket-kernel with the kernel inlined (`socket-kernel/inline`), bundled by esbuild
// into build/inline.js: no second request and no server configuration, at the cost of
// base64 (the inlined kernel gzips to about 40% more than kernel.wasm does; sizes in
// build/bundle-sizes.json). Web APIs only (atob, WebAssembly), so it runs in browsers,
// Web Workers, edge runtimes that allow compiling WebAssembly, and Node.js.

import { compileOnce, createKernelWith, fetchModule, parseUrl } from './load.js';
import type { EntryName } from './api.js';
// Generated at bundle time from build/kernel.wasm (scripts/bundle.mjs).
import { KERNEL_WASM_BASE64 } from './kernel-wasm-base64.js';

export * from './api.js';

export const entry: EntryName = 'inline';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled kernel module: the inlined copy, or fetched from `url` when given. */
export function kernelModule(url?: string | URL): Promise<WebAssembly.Module> {
  if (url !== undefined) {
    const where = parseUrl(url);
    return compileOnce(where.href, () => fetchModule(where));
  }
  return compileOnce('inline:', () => WebAssembly.compile(decodeBase64(KERNEL_WASM_BASE64)));
}

/**
 * Creates an independent kernel. The module is `options.wasm` (a WebAssembly.Module or
 * its bytes), or fetched from `options.url`, or the copy inlined in this bundle.
 */
export const createKernel = createKernelWith(kernelModule);
