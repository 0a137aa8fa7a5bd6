// The imports a socket-kernel module needs: WASI fd_write and proc_exit, which
// AssemblyScript's abort() uses. Written here so no WASI library is required.

/** Raised when the kernel aborts (a bug in the kernel, never bad input). */
export class KernelPanic extends Error {
  constructor(message: string) { super(message); this.name = 'KernelPanic'; }
}

/** What kernelImports() returns (a WebAssembly.Imports, named without the `dom` lib). */
export type KernelImports = {
  wasi_snapshot_preview1: {
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number;
    proc_exit(code: number): never;
  };
};

export function kernelImports(getMemory: () => WebAssembly.Memory): KernelImports {
  let message = '';
  return {
    wasi_snapshot_preview1: {
      fd_write(_fd: number, iovs: number, iovsLen: number, nwritten: number): number {
        const view = new DataView(getMemory().buffer);
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view.getUint32(iovs + i * 8, true), len = view.getUint32(iovs + i * 8 + 4, true);
          message += new TextDecoder().decode(new Uint8Array(view.buffer, ptr, len));
          total += len;
        }
        view.setUint32(nwritten, total, true);
        return 0;
      },
      proc_exit(code: number): never {
        const text = message.trim() || `exit code ${code}`;
        message = '';
        throw new KernelPanic(`socket-kernel aborted: ${text}`);
      },
    },
  };
}
