// as-pect runs the kernel's unit specs in its own, non-WASI build (as-pect.asconfig.json):
// as-pect crashes on throws() tests when the wasi-shim config is in the chain.
export default {
  entries: ['assembly/__tests__/**/*.spec.ts'],
  include: ['assembly/__tests__/**/*.include.ts'],
  disclude: [/node_modules/],
  config: 'as-pect.asconfig.json',
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
