// Finding the kernel's WebAssembly.Module: the part of createKernel() that every
// platform shares. Platform-neutral (web APIs only: fetch, URL, WebAssembly); the
// entries (index.ts, browser.ts, inline.ts, worker.ts) add where the module comes from
// when the caller does not say.

import { ArgumentError } from './errors.js';
import { Kernel, type KernelOptions } from './kernel.js';

// TypeScript declares WebAssembly in its `dom` and `webworker` libs only, and @types/node
// 20 not at all: without these, a Node project without `dom` could not read the .d.ts
// files. They merge with the libs' declarations (the same members) where those exist.
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory { readonly buffer: ArrayBuffer }
  }
}

/** A kernel .wasm's bytes (the `dom` lib's BufferSource, spelled without it). */
export type KernelBytes = ArrayBuffer | ArrayBufferView<ArrayBuffer>;

/** createKernel()'s options: the kernel's, plus `wasm` or `url` (not both: a type error, and ERR_INVALID_ARG_VALUE). */
export type CreateKernelOptions = KernelOptions & (
  | {
    /** The kernel as a compiled WebAssembly.Module, or its bytes. */
    wasm?: WebAssembly.Module | KernelBytes;
    url?: undefined;
  }
  | {
    wasm?: undefined;
    /**
     * Where to fetch the kernel's .wasm (served as `application/wasm`). An absolute URL;
     * in a page also one relative to the document. `file:` URLs only in Node.js.
     */
    url?: string | URL;
  }
);

/**
 * A feature this platform does not have, e.g. reading the packaged kernel.wasm from the
 * file system outside Node.js. Shaped like Node's ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
 */
export class PlatformError extends TypeError {
  readonly code = 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM';
  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

/** The kernel's .wasm could not be fetched: network error, HTTP status or content type. */
export class WasmLoadError extends Error {
  readonly code = 'ERR_KERNEL_WASM_LOAD';
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  constructor(message: string, url: string, status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WasmLoadError';
    this.url = url;
    if (status !== undefined) this.status = status;
  }
}

const toString = Object.prototype.toString;

// Tag checks rather than instanceof alone: a module or buffer made in another realm
// (an iframe, a vm context, a workerd binding) is still one.
function isModule(x: unknown): x is WebAssembly.Module {
  return x instanceof WebAssembly.Module || toString.call(x) === '[object WebAssembly.Module]';
}

function isBufferSource(x: unknown): x is KernelBytes {
  return ArrayBuffer.isView(x) || x instanceof ArrayBuffer || toString.call(x) === '[object ArrayBuffer]';
}

function received(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object' || typeof x === 'function') return `an instance of ${toString.call(x).slice(8, -1)}`;
  return `type ${typeof x} (${String(x)})`;
}

/** Parses options.url; relative URLs resolve against the page, where there is one. */
export function parseUrl(url: unknown): URL {
  if (url instanceof URL) return url;
  if (typeof url !== 'string') {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"url" must be a string or a URL. Received ${received(url)}`);
  }
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(url, base);
  } catch {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"url" must be an absolute URL${base ? ' or one relative to the page' : ''}. Received '${url}'`);
  }
}

export interface LoadOptions {
  wasm?: WebAssembly.Module | KernelBytes;
  url?: URL;
  /** Everything else, for the Kernel constructor (which rejects unknown keys). */
  kernel: KernelOptions;
}

/** Takes `wasm` and `url` out of createKernel()'s options and checks them at the door. */
export function takeLoadOptions(options: unknown): LoadOptions {
  if (options === undefined) return { kernel: {} };
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${received(options)}`);
  }
  const { wasm, url, ...kernel } = options as CreateKernelOptions;
  if (wasm !== undefined && url !== undefined) {
    throw new ArgumentError('ERR_INVALID_ARG_VALUE', 'Give "wasm" or "url", not both');
  }
  if (wasm !== undefined && !isModule(wasm) && !isBufferSource(wasm)) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE',
      `"wasm" must be a WebAssembly.Module or a BufferSource (ArrayBuffer, TypedArray, DataView). Received ${received(wasm)}`);
  }
  return { wasm, url: url === undefined ? undefined : parseUrl(url), kernel };
}

/** A module as given, or compiled from its bytes. */
export function toModule(wasm: WebAssembly.Module | KernelBytes): Promise<WebAssembly.Module> {
  return isModule(wasm) ? Promise.resolve(wasm) : WebAssembly.compile(wasm);
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Compiles once per key (per realm); a failure is not remembered, so a later call
 * tries again (a page may retry a fetch that failed).
 */
export function compileOnce(key: string, load: () => Promise<WebAssembly.Module>): Promise<WebAssembly.Module> {
  let p = compiled.get(key);
  if (p === undefined) {
    p = load();
    compiled.set(key, p);
    p.catch(() => { if (compiled.get(key) === p) compiled.delete(key); });
  }
  return p;
}

/**
 * Fetches and compiles a kernel .wasm, streaming (WebAssembly.compileStreaming compiles
 * while the bytes arrive). compileStreaming requires the `application/wasm` content
 * type; a server that sends another is reported, not worked around.
 */
export async function fetchModule(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    throw new PlatformError(`Reading ${url.href}: file: URLs are read only by socket-kernel's Node.js entry ` +
      '(the "node" export). Here serve kernel.wasm over HTTP(S), or pass its bytes or module as options.wasm');
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new WasmLoadError(`Fetching the kernel from ${url.href} failed: ${(cause as Error)?.message ?? String(cause)}`, url.href, undefined, cause);
  }
  if (!response.ok) {
    throw new WasmLoadError(`Fetching the kernel from ${url.href} failed: HTTP ${response.status} ${response.statusText}`.trimEnd(), url.href, response.status);
  }
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming !== 'function') {
    // Runtimes without streaming compilation (it is optional in the JS API).
    return WebAssembly.compile(await response.arrayBuffer());
  }
  if (type.split(';')[0].trim().toLowerCase() !== 'application/wasm') {
    throw new WasmLoadError(`${url.href} was served as '${type || 'no content type'}'; WebAssembly.compileStreaming needs ` +
      "'application/wasm'. Serve kernel.wasm with that type, or fetch it yourself and pass the bytes as options.wasm", url.href, response.status);
  }
  return WebAssembly.compileStreaming(response);
}

/**
 * createKernel() for an entry, given how that entry finds the module when the caller
 * names none (`kernelModule()` with no URL).
 */
export function createKernelWith(kernelModule: (url?: string | URL) => Promise<WebAssembly.Module>) {
  return async function createKernel(options?: CreateKernelOptions): Promise<Kernel> {
    const { wasm, url, kernel } = takeLoadOptions(options);
    const module = wasm !== undefined ? await toModule(wasm) : await kernelModule(url);
    return new Kernel(module, kernel);
  };
}
