// Writes build/host/cjs/: the host's declarations (tsc's build/host/**/*.d.ts) again,
// in a folder whose package.json says "type": "commonjs", for the "require" condition
// and for consumers without `exports` support (moduleResolution node10).
//
// The package is "type": "module", so TypeScript reads build/host/*.d.ts as ES module
// declarations; a CommonJS consumer compiled with `module: node16` (or any TypeScript
// before require(esm), 5.8) gets TS1479 "the referenced file is an ECMAScript module and
// cannot be imported with 'require'", and node10 finds no types at all. The same text
// in a CommonJS folder describes build/host/index.cjs (esbuild's CommonJS bundle of the
// same entry) exactly. Runs after tsc (build:host).
//
//   node scripts/cjs-types.mjs
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../build/host/', import.meta.url));
const to = join(from, 'cjs');

rmSync(to, { recursive: true, force: true });
// Declarations only; demo is not shipped (package.json "files").
const declarations = readdirSync(from, { recursive: true })
  .filter((f) => f.endsWith('.d.ts') && !f.startsWith('cjs/') && f !== 'demo.d.ts');
for (const file of declarations) {
  mkdirSync(dirname(join(to, file)), { recursive: true });
  copyFileSync(join(from, file), join(to, file));
}
writeFileSync(join(to, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
