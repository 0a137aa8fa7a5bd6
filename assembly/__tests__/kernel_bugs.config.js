// Known kernel bugs, kept out of the main run (as-pect.config.js only takes *.spec.ts).
// Each case in kernel_bugs.bugs.ts fails today and is marked "KERNEL BUG:".
// Run:   npx asp --config assembly/__tests__/kernel_bugs.config.js
// When a bug is fixed, move its case into the module's spec file.
export default {
  entries: ['assembly/__tests__/kernel_bugs.bugs.ts'],
  include: [],
  disclude: [/node_modules/],
  config: 'as-pect.asconfig.json',
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
