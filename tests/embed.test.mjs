// The kernel outside JavaScript, as an embedder loads it (docs/abi.md):
//   - from C: wabt's wasm2c turns the release build/kernel.wasm into C, and
//     tests/embed/embed.c, written against the package's header build/socket_kernel.h and
//     compiled with wasm2c's output and wabt's runtime, runs listen/connect/accept, a
//     backlog overflow with its counter and bad input, checking every result (TAP);
//   - in a second engine: wabt's interpreter (spectest-interp) runs tests/embed/kernel.wast
//     against the release build and against the no-imports build;
//   - the import lists: the release build imports the two WASI functions abort() uses,
//     the no-imports build nothing, with the same exports.
// Needs the Debian package wabt (and gcc); without them the tests skip and say so
// (.ci/run installs both).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const WASM2C_RUNTIME = '/usr/share/wabt/wasm2c';
const RELEASE = join(root, 'build/kernel.wasm');
const NOIMPORTS = join(root, 'build/kernel.noimports.wasm');

/** false when every tool runs, else why the test skips. */
function missingTools(...tools) {
  for (const tool of tools) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed (Debian: apt-get install -y ${tool === 'gcc' ? 'gcc' : 'wabt'}; .ci/run installs it)`;
    }
  }
  return false;
}

let work;
before(() => { work = mkdtempSync(join(tmpdir(), 'socket-kernel-embed-')); });
after(() => rmSync(work, { recursive: true, force: true }));

describe('the .wasm imports and exports', () => {
  const release = new WebAssembly.Module(readFileSync(RELEASE));
  const noimports = new WebAssembly.Module(readFileSync(NOIMPORTS));

  test('the release build imports only WASI fd_write and proc_exit (abort)', () => {
    assert.deepEqual(WebAssembly.Module.imports(release).map((i) => `${i.module}.${i.name}`).sort(),
      ['wasi_snapshot_preview1.fd_write', 'wasi_snapshot_preview1.proc_exit']);
  });

  test('docs/abi.md names every export', () => {
    const doc = readFileSync(join(root, 'docs/abi.md'), 'utf8');
    const undocumented = WebAssembly.Module.exports(release).map((e) => e.name).filter((name) => !doc.includes(`\`${name}`));
    assert.deepEqual(undocumented, []);
  });

  test('the no-imports build imports nothing and exports the same names', () => {
    assert.deepEqual(WebAssembly.Module.imports(noimports), []);
    assert.deepEqual(WebAssembly.Module.exports(noimports), WebAssembly.Module.exports(release));
    const instance = new WebAssembly.Instance(noimports, {});
    instance.exports._initialize();
    assert.equal(instance.exports.sk_init(0, 1n), 0);
    assert.equal(instance.exports.sk_socket(2, 1, 0), 3);
  });
});

test('C, through wasm2c: listen, connect, accept, overflow counter and bad input', { skip: missingTools('wasm2c', 'gcc') }, async (t) => {
  assert.ok(existsSync(join(root, 'build/socket_kernel.h')), 'build/socket_kernel.h is built (npm run build:host)');
  execFileSync('wasm2c', [RELEASE, '-n', 'sk', '-o', join(work, 'kernel.c')]);
  const exe = join(work, 'embed');
  await run('gcc', ['-std=gnu11', '-O1', '-w', `-I${work}`, `-I${join(root, 'build')}`, `-I${WASM2C_RUNTIME}`,
    '-o', exe, join(root, 'tests/embed/embed.c'), join(work, 'kernel.c'), join(WASM2C_RUNTIME, 'wasm-rt-impl.c'), '-lm'],
  { maxBuffer: 64 << 20 });
  const { stdout, code } = await run(exe, [], { timeout: 30_000 }).then((r) => ({ ...r, code: 0 }), (e) => e);
  const lines = stdout.trim().split('\n');
  const failed = lines.filter((l) => l.startsWith('not ok'));
  assert.deepEqual(failed, [], stdout);
  assert.equal(code, 0, stdout);
  const plan = Number(/^1\.\.(\d+)$/.exec(lines.at(-1))?.[1]);
  assert.equal(lines.filter((l) => l.startsWith('ok ')).length, plan, 'every planned check ran and passed');
  assert.ok(plan >= 50, `${plan} checks`);
  t.diagnostic(`${plan} checks passed`);
});

describe('wabt interpreter (spectest-interp): tests/embed/kernel.wast', { skip: missingTools('wast2json', 'spectest-interp') }, () => {
  for (const [name, file] of [['release', RELEASE], ['no-imports', NOIMPORTS]]) {
    test(`the ${name} build`, async (t) => {
      const bytes = readFileSync(file);
      const hex = Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
      const wast = readFileSync(join(root, 'tests/embed/kernel.wast'), 'utf8');
      assert.ok(wast.includes(';; @kernel\n'), 'the .wast marks where the kernel goes');
      const path = join(work, `${name}.wast`);
      writeFileSync(path, wast.replace(';; @kernel\n', `(module $kernel binary "${hex}")\n`));
      await run('wast2json', [path, '-o', join(work, `${name}.json`)]);
      const { stdout, code } = await run('spectest-interp', [join(work, `${name}.json`)]).then((r) => ({ ...r, code: 0 }), (e) => e);
      const [, passed, total] = /(\d+)\/(\d+) tests passed/.exec(stdout) ?? [];
      assert.equal(code, 0, stdout);
      assert.equal(passed, total, stdout);
      assert.ok(Number(total) >= 30, stdout);
      t.diagnostic(`${passed}/${total} assertions`);
    });
  }
});
