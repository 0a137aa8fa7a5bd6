// What wrangler's *.wasm rule gives a worker (@cloudflare/workers-types declares the same).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
