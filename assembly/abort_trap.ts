// The abort handler of build/kernel.noimports.wasm (asconfig.json target "noimports"):
// asc calls abort() only for a kernel bug (a failed assert or an out-of-memory), never
// for bad input, and the release build reports it through WASI fd_write and proc_exit.
// Hosts that provide no imports at all get this instead: the call traps where it
// happened, and the host sees its own trap error (docs/abi.md, "Which build").
function abortTrap(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  unreachable();
}
