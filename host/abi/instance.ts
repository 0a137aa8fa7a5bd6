// One instantiated kernel module: its checked exports, its scratch area, and views of
// its memory that are fresh whenever memory has grown.

import { ArgumentError } from '../errors.js';
import { checkExports, type Exports } from './exports.js';
import { kernelImports } from './imports.js';

/** The most sk_buffer hands out (assembly/index.ts sk_buffer): 64 MiB. */
export const IO_BUFFER_MAX = 64 * 2 ** 20;
/** The least it allocates (assembly/index.ts sk_buffer: 4096 bytes). */
const IO_BUFFER_MIN = 4096;

export class KernelInstance {
  readonly x: Exports;
  /** sk_scratch(): where arguments and results of one call go. */
  readonly scratch: number;
  // The memory's ArrayBuffer and two views of it, kept: WebAssembly.Memory's buffer
  // getter costs ~15 ns (measured), more than some whole system calls. Growing the
  // memory detaches the old buffer, whose byteLength then reads 0. Set by #renew().
  #buf!: ArrayBuffer;
  #dv!: DataView;
  #i32!: Int32Array;
  #u8!: Uint8Array;
  // The kernel's I/O buffer as last handed out, and bytes it is known to hold.
  #ioPtr = 0;
  #ioCap = -1;

  /**
   * Instantiates `module`, checks it against the ABI (AbiError), runs _initialize (a
   * reactor needs it once before any export) and sk_init.
   */
  constructor(module: WebAssembly.Module, personality: number, seed: bigint) {
    let memory: WebAssembly.Memory | undefined;
    const instance = new WebAssembly.Instance(module, kernelImports(() => memory!));
    this.x = checkExports(instance.exports);
    memory = this.x.memory;
    this.x._initialize();
    this.x.sk_init(personality, seed);
    this.scratch = this.x.sk_scratch();
    this.#renew();
  }

  /**
   * sk_buffer(bytes): the kernel's I/O buffer for one call. A request above
   * IO_BUFFER_MAX is refused here (ERR_OUT_OF_RANGE naming `what` and the limit): the
   * kernel answers it with 0, and address 0 is the kernel's own memory.
   */
  buffer(bytes: number, what: string): number {
    // The kernel keeps its buffer until a larger one is asked for, and every caller asks
    // here: a request that fits the last one costs no call (one crossing fewer per send).
    if (bytes >= 0 && bytes <= this.#ioCap) return this.#ioPtr;
    const ptr = bytes <= IO_BUFFER_MAX ? this.x.sk_buffer(bytes) : 0;
    if (ptr === 0) {
      throw new ArgumentError('ERR_OUT_OF_RANGE', `${what} must fit the kernel's I/O buffer of ${IO_BUFFER_MAX} bytes (64 MiB). Received ${bytes} bytes`);
    }
    this.#ioPtr = ptr;
    this.#ioCap = Math.max(bytes, IO_BUFFER_MIN);
    return ptr;
  }

  /** The memory's buffer, renewed when memory has grown (growth replaces the buffer). */
  memory(): ArrayBuffer {
    if (this.#buf.byteLength === 0) this.#renew();
    return this.#buf;
  }

  /** A DataView of all of memory. */
  view(): DataView { this.memory(); return this.#dv; }

  /** All of memory as 32-bit integers (batched calls copy fd arrays through it). */
  ints(): Int32Array { this.memory(); return this.#i32; }

  /** All of memory as bytes (send copies its data in with one set(), no view made per call). */
  bytes(): Uint8Array { this.memory(); return this.#u8; }

  #renew(): void {
    this.#buf = this.x.memory.buffer;
    this.#dv = new DataView(this.#buf);
    this.#i32 = new Int32Array(this.#buf);
    this.#u8 = new Uint8Array(this.#buf);
  }
}

/** What the calls need of an instance: a KernelInstance, or a host's view of one (host/hosts.ts). */
export type KernelAccess = Pick<KernelInstance, 'x' | 'scratch' | 'memory' | 'view' | 'ints' | 'bytes' | 'buffer'>;

/**
 * Host `id`'s view of an instance: the same memory, and exports that act on host
 * `id` (sk_host_select before each call, host 0 again after it, so the default API
 * never pays for hosts). The wrappers live on one prototype per instance, made once,
 * so a host's view costs one small object. Exports that act on no host (the I/O buffer
 * and scratch area, shared by every host) are not wrapped: three crossings fewer for
 * each send and recv of a host.
 */
export function hostAccess(base: KernelAccess, id: number): KernelAccess {
  const proto = hostProtos.get(base.x) ?? makeHostProto(base.x);
  const x = Object.create(proto) as { hostId: number };
  x.hostId = id;
  return {
    x: x as unknown as Exports,
    scratch: base.scratch,
    memory: () => base.memory(),
    view: () => base.view(),
    ints: () => base.ints(),
    bytes: () => base.bytes(),
    buffer: (bytes, what) => base.buffer(bytes, what),
  };
}

const hostProtos = new WeakMap<Exports, object>();
/** Exports that no host selection changes (assembly/index.ts: they read no host's state). */
const HOSTLESS = new Set(['sk_host_select', '_initialize', 'sk_buffer', 'sk_scratch', 'sk_scratch_size']);

function makeHostProto(base: Exports): object {
  const x = base as unknown as Record<string, unknown>;
  const select = base.sk_host_select;
  const proto: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(x)) {
    if (typeof f !== 'function' || HOSTLESS.has(name)) { proto[name] = f; continue; }
    const fn = f as (...a: unknown[]) => unknown;
    // Eight fixed parameters (the widest export, sk_link_change, has eight): no rest
    // array per call, which the storm's hot loop paid in garbage collection. Arguments
    // past an export's arity are ignored by WebAssembly, as before.
    if (fn.length > 8) throw new Error(`hostAccess: ${name} takes ${fn.length} arguments; widen the wrapper`);
    proto[name] = function (this: { hostId: number }, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown, i: unknown) {
      select(this.hostId);
      try { return fn(a, b, c, d, e, g, h, i); } finally { select(0); }
    };
  }
  hostProtos.set(base, proto);
  return proto;
}
