// Every ```js block of README.md runs as written, in its own Node process, against this
// package (resolved by name through a node_modules link, as a user's project would):
// it must exit 0 within RUN_TIMEOUT_MS, with nothing on stderr. A block preceded by
// `<!-- readme-test skip: reason -->` is skipped with that reason; `<!-- readme-test cjs -->`
// runs it as CommonJS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const RUN_TIMEOUT_MS = 20_000;

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/(?:<!-- readme-test (skip: [^>]*|cjs) -->\n)?```js\n([\s\S]*?)```/g)].map((m) => ({
  line: readme.slice(0, m.index).split('\n').length + (m[1] ? 1 : 0),
  skip: m[1]?.startsWith('skip: ') ? m[1].slice(6).trim() : false,
  cjs: m[1] === 'cjs',
  code: m[2],
}));

let work;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'socket-kernel-readme-'));
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(root, join(work, 'node_modules/socket-kernel'), 'dir');
});
after(() => rmSync(work, { recursive: true, force: true }));

test('README.md has js examples', () => assert.ok(blocks.length >= 8, `${blocks.length} blocks`));

for (const b of blocks) {
  const first = b.code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '';
  test(`README.md line ${b.line}: ${first.trim().slice(0, 60)}`, { skip: b.skip }, async (t) => {
    const file = join(work, `block-${b.line}.${b.cjs ? 'cjs' : 'mjs'}`);
    writeFileSync(file, b.code);
    const { stdout, stderr } = await run(process.execPath, [file], { cwd: work, timeout: RUN_TIMEOUT_MS });
    assert.equal(stderr, '');
    t.diagnostic(stdout.trim().split('\n').slice(0, 3).join(' | '));
  });
}
