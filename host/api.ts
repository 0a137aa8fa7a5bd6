// The public API of socket-kernel, declared once. Every platform entry re-exports this
// module and adds the three names of `Entry`, each in its own way:
//
//   host/index.ts    Node.js           export condition "node"; reads the packaged kernel.wasm
//   host/browser.ts  browsers          "browser"; fetches kernel.wasm next to the bundle
//   host/inline.ts   any web platform  "socket-kernel/inline"; kernel.wasm inlined as base64
//   host/worker.ts   edge workers      "workerd", "worker", "edge-light", "default"; given the module
//
// The Kernel itself (host/kernel.ts) is platform-neutral: it takes a compiled module.

import type { Kernel } from './kernel.js';
import type { CreateKernelOptions } from './load.js';

export * from './constants.js';
export { TUNABLES, TUNABLE_TABLE } from './options.js';
export type { TunableName } from './options.js';
export { Errno, SocketError, ArgumentError, AbiError, errnoName } from './errors.js';
export { Kernel, KernelPanic, kernelImports } from './kernel.js';
export type { KernelOptions, KernelName, AcceptResult, SocketInfo, MemoryUsage, PersonalityName, SysCalls } from './kernel.js';
export type { KernelImports } from './abi/imports.js';
export { EXPORTS, ABI_VERSIONS } from './abi/exports.js';
export type { Exports, ExportName, AbiType } from './abi/exports.js';
export { Reactor, AbortError } from './async.js';
export type { ClockName } from './async.js';
export type { StreamsFacade, StreamSocket, StreamListener } from './streams.js';
export type { SocketAddress, InetAddress, UnixAddress, AddressInput } from './sockaddr.js';
export { PlatformError, WasmLoadError } from './load.js';
export type { CreateKernelOptions, KernelBytes } from './load.js';

/** Which entry package.json's export conditions picked. */
export type EntryName = 'node' | 'browser' | 'inline' | 'worker';

/** What each platform entry implements. */
export interface Entry {
  /** Which entry this is. */
  readonly entry: EntryName;
  /**
   * Creates an independent kernel: its own memory, fd table, ports, queues and clock.
   * The module comes from `options.wasm`, else from `options.url`, else from where the
   * entry keeps it (see kernelModule).
   */
  createKernel(options?: CreateKernelOptions): Promise<Kernel>;
  /**
   * The compiled kernel module, compiled once per URL and realm and shared by every
   * kernel made from it. Without a URL: Node reads the packaged file, the browser entry
   * fetches kernel.wasm next to the bundle, the inline entry decodes its copy, and the
   * worker entry, which has no file to read, rejects with a PlatformError.
   */
  kernelModule(url?: string | URL): Promise<WebAssembly.Module>;
}

// Compile-time proof that every entry implements Entry.
type Implements<T extends Entry> = T;
type Entries = [
  Implements<typeof import('./index.js')>,
  Implements<typeof import('./browser.js')>,
  Implements<typeof import('./inline.js')>,
  Implements<typeof import('./worker.js')>,
];
