// socket-kernel for Node: loads the release .wasm shipped in the package.

import { Kernel, type KernelOptions } from './kernel.js';

export * from './constants.js';
export { Errno, SocketError, ArgumentError, errnoName } from './errors.js';
export { Kernel, KernelPanic, kernelImports } from './kernel.js';
export type { KernelOptions, AcceptResult, SocketInfo, PersonalityName } from './kernel.js';
export type { SocketAddress, InetAddress, UnixAddress, AddressInput } from './sockaddr.js';

let cached: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module (compiled once per process, instantiated per kernel). */
export function kernelModule(): Promise<WebAssembly.Module> {
  cached ??= (async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(new URL('../kernel.wasm', import.meta.url));
    return WebAssembly.compile(bytes);
  })();
  return cached;
}

export interface CreateKernelOptions extends KernelOptions {
  /** A compiled module or its bytes, instead of the packaged build/kernel.wasm. */
  wasm?: WebAssembly.Module | BufferSource;
}

/** Creates an independent kernel: its own fd table, ports, queues and clock. */
export async function createKernel(options: CreateKernelOptions = {}): Promise<Kernel> {
  const { wasm, ...rest } = options ?? {};
  let module: WebAssembly.Module;
  if (wasm === undefined) module = await kernelModule();
  else if (wasm instanceof WebAssembly.Module) module = wasm;
  else module = await WebAssembly.compile(wasm);
  return new Kernel(module, rest);
}
