// The link model (assembly/net/) compiled on its own, in memory, for the tests and the
// benchmark that reach it before the kernel exports it (issue 12 part 2 wires it into
// assembly/index.ts; docs/network.md "Wiring plan"). Nothing is written to build/.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Compiles assembly/net/index.ts to a WebAssembly.Module; `optimize` as the release build (-O3, no asserts). */
export async function compileNet({ optimize = false } = {}) {
  let binary = null;
  const args = ['assembly/net/index.ts', '--outFile', 'net.wasm', '--runtime', 'stub', '--exportStart', '_initialize'];
  if (optimize) args.push('-O3', '--noAssert');
  const { error, stderr } = await asc.main(args, {
    baseDir: root,
    writeFile(name, contents) { if (name.endsWith('.wasm')) binary = contents; },
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return new WebAssembly.Module(binary);
}

/**
 * A fresh instance, initialised and seeded. asconfig.json's WASI shim imports two calls:
 * proc_exit is how an abort arrives, so it throws.
 */
export function instantiateNet(module, seed) {
  const wasi = {
    proc_exit(code) { throw new Error(`link module aborted (exit ${code})`); },
    fd_write() { return 0; },
  };
  const { exports } = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  exports._initialize();
  exports.linkInit(BigInt(seed));
  return exports;
}
