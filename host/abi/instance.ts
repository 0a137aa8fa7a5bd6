// One instantiated kernel module: its checked exports, its scratch area, and views of
// its memory that are fresh whenever memory has grown.

import { checkExports, type Exports } from './exports.js';
import { kernelImports } from './imports.js';

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

  /** The memory's buffer, renewed when memory has grown (growth replaces the buffer). */
  memory(): ArrayBuffer {
    if (this.#buf.byteLength === 0) this.#renew();
    return this.#buf;
  }

  /** A DataView of all of memory. */
  view(): DataView { this.memory(); return this.#dv; }

  /** All of memory as 32-bit integers (batched calls copy fd arrays through it). */
  ints(): Int32Array { this.memory(); return this.#i32; }

  #renew(): void {
    this.#buf = this.x.memory.buffer;
    this.#dv = new DataView(this.#buf);
    this.#i32 = new Int32Array(this.#buf);
  }
}
