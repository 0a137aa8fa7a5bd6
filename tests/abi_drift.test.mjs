// Drift between the kernel and what describes it: the exports table the host is typed
// and checked by (host/abi/exports.ts), docs/abi.md, the C header, and the host's name
// lists (counters, tunables, socket states). Each test fails when one side changes
// without the other.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import {
  EXPORTS, ABI_VERSIONS, STAT_NAMES, SOCKET_STATES, TUNABLES, TUNABLE_TABLE, Errno, kernelImports, createKernel,
} from 'socket-kernel';

const root = new URL('..', import.meta.url);
const read = (p) => readFileSync(new URL(p, root));
const WASM = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
const WASM_NAME = Object.fromEntries(Object.entries(WASM).map(([k, v]) => [v, k]));

/** Every exported function of a .wasm with its WebAssembly signature: name → { params: ['i32'...], results: [...] }. */
function exportedFunctions(bytes) {
  let p = 8;
  const u32 = () => { let r = 0, shift = 0, b; do { b = bytes[p++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return r >>> 0; };
  const name = () => { const n = u32(); const s = new TextDecoder().decode(bytes.subarray(p, p + n)); p += n; return s; };
  const limits = () => { const flag = u32(); u32(); if (flag & 1) u32(); };
  const types = [], funcTypes = [], exports = [];
  while (p < bytes.length) {
    const id = bytes[p++], size = u32(), end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        p++; // 0x60
        const params = []; for (let k = u32(); k > 0; k--) params.push(WASM_NAME[bytes[p++]]);
        const results = []; for (let k = u32(); k > 0; k--) results.push(WASM_NAME[bytes[p++]]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        name(); name();
        const kind = bytes[p++];
        if (kind === 0) funcTypes.push(u32());
        else if (kind === 1) { p++; limits(); }
        else if (kind === 2) limits();
        else p += 2; // global: valtype, mut
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) { const nm = name(), kind = bytes[p++], index = u32(); if (kind === 0) exports.push([nm, index]); }
    }
    p = end;
  }
  return new Map(exports.map(([nm, index]) => [nm, types[funcTypes[index]]]));
}

/** The kernel's sources (not its tests), wherever they sit under assembly/ (the layout may change). */
function assemblySources() {
  const files = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      if (f === '__tests__') continue;
      if (statSync(path).isDirectory()) walk(path); else if (f.endsWith('.ts')) files.push(readFileSync(path, 'utf8'));
    }
  };
  walk(new URL('assembly', root).pathname);
  return files;
}

/** The members of `enum Name { ... }` wherever it is declared under assembly/. */
function assemblyEnum(enumName) {
  const re = new RegExp(`export\\s+(?:const\\s+)?enum\\s+${enumName}\\s*\\{([^}]*)\\}`);
  const found = assemblySources().map((text) => text.match(re)).filter(Boolean);
  assert.equal(found.length, 1, `enum ${enumName} is declared once under assembly/`);
  let next = 0;
  return found[0][1].replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').split(',').map((m) => m.trim()).filter(Boolean)
    .map((m) => { const [n, v] = m.split('=').map((x) => x.trim()); const value = v === undefined ? next : Number(v); next = value + 1; return { name: n, value }; })
    .filter((m) => m.name !== 'Count');
}

const wasmBytes = read('build/kernel.wasm');
const functions = exportedFunctions(new Uint8Array(wasmBytes));
const module = new WebAssembly.Module(wasmBytes);
let memory;
const instance = new WebAssembly.Instance(module, kernelImports(() => memory));
const x = instance.exports;
memory = x.memory;
x._initialize();
x.sk_init(0, 1n);
const EINVAL = -22;

describe('exports: the module, host/abi/exports.ts and docs/abi.md agree', () => {
  test('every sk_ export of the module has its row in the table, with the same signature', () => {
    const table = new Map(EXPORTS.map((e) => [e.name, e]));
    for (const [name, sig] of functions) {
      if (!name.startsWith('sk_')) continue;
      const row = table.get(name);
      assert.ok(row, `${name} is exported by the kernel but has no row in host/abi/exports.ts`);
      const want = { params: row.params.map(([, t]) => (t === 'ptr' ? 'i32' : t)), results: row.result === 'void' ? [] : [row.result === 'ptr' ? 'i32' : row.result] };
      assert.deepEqual(sig, want, `${name}: the module's signature differs from its row in host/abi/exports.ts`);
    }
    for (const { name } of EXPORTS) assert.ok(functions.has(name), `${name} is in host/abi/exports.ts but not exported by the kernel`);
  });

  test('the table is well formed: C-like names, known types, a one-line doc each', () => {
    const names = new Set();
    for (const e of EXPORTS) {
      assert.match(e.name, /^sk_[a-z0-9_]+$/);
      assert.ok(!names.has(e.name), `${e.name} twice`); names.add(e.name);
      for (const [p, t] of e.params) { assert.match(p, /^[a-z][a-z0-9_]*$/, `${e.name}: parameter ${p}`); assert.ok(['i32', 'i64', 'ptr'].includes(t), `${e.name}.${p}: ${t}`); }
      assert.ok(['i32', 'i64', 'ptr', 'void'].includes(e.result), `${e.name}: result ${e.result}`);
      assert.ok(e.doc.length > 0 && !e.doc.includes('\n'), `${e.name}: one-line doc`);
    }
  });

  test('every export has its row in docs/abi.md, and every sk_ name there is an export', () => {
    const doc = read('docs/abi.md').toString();
    const rows = doc.split('\n').filter((l) => l.startsWith('| `sk_'));
    const documented = new Set(rows.flatMap((l) => [...l.split('|')[1].matchAll(/`(sk_[a-z0-9_]+)\(/g)].map((m) => m[1])));
    for (const { name, params } of EXPORTS) {
      assert.ok(documented.has(name), `${name} has no row in docs/abi.md's exports table`);
      const row = rows.find((l) => l.split('|')[1].includes(`\`${name}(`));
      const args = row.split('|')[1].match(new RegExp(`\`${name}\\(([^)]*)\\)`))[1];
      if (args !== '...') assert.equal(args.split(',').filter((a) => a.trim()).length, params.length, `${name}: docs/abi.md shows ${args.split(',').length} parameters`);
    }
    const names = new Set(EXPORTS.map((e) => e.name));
    for (const name of new Set([...doc.matchAll(/\b(sk_[a-z0-9_]+)\(/g)].map((m) => m[1]))) assert.ok(names.has(name), `docs/abi.md names ${name}, which is not an export`);
  });

  test('SK_ABI_VERSION is a global the host knows, and docs/abi.md states it', () => {
    assert.ok(x.SK_ABI_VERSION instanceof WebAssembly.Global);
    assert.ok(ABI_VERSIONS.includes(x.SK_ABI_VERSION.value));
    assert.match(read('docs/abi.md').toString(), new RegExp(`ABI version ${x.SK_ABI_VERSION.value}\\b`));
  });

  test('build/socket_kernel.h declares every export and the ABI version', () => {
    const h = read('build/socket_kernel.h').toString();
    for (const e of EXPORTS) assert.match(h, new RegExp(`\\b${e.name}\\(`), e.name);
    assert.match(h, new RegExp(`#define SK_ABI_VERSION\\s+${x.SK_ABI_VERSION.value}\\b`));
  });

  test('build/socket_kernel.h compiles as C99 with every warning, and says what the host says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-header-'));
    const C = { i32: 'int32_t', i64: 'int64_t', ptr: 'sk_ptr', void: 'void' };
    const checks = [
      '#define COUNT(result, name, params) + 1',
      `typedef char export_count[(0 SK_EXPORTS(COUNT)) == ${EXPORTS.length} ? 1 : -1];`,
      // Each prototype has the table's types: assigning it to a pointer of those types compiles.
      ...EXPORTS.map((e) => `${C[e.result]} (*const p_${e.name})(${e.params.length ? e.params.map(([, t]) => C[t]).join(', ') : 'void'}) = ${e.name};`),
      ...Object.entries(Errno).map(([name, n]) => `typedef char errno_${name}[SK_${name} == ${n} ? 1 : -1];`),
      `typedef char stats[SK_STAT_COUNT == ${STAT_NAMES.length} ? 1 : -1];`,
      `typedef char tunables[SK_TUNABLE_COUNT == ${TUNABLES.length} ? 1 : -1];`,
      `typedef char version[SK_ABI_VERSION == ${x.SK_ABI_VERSION.value} ? 1 : -1];`,
    ];
    const file = join(dir, 'check.c');
    writeFileSync(file, `#include "socket_kernel.h"\n${checks.join('\n')}\n`);
    try {
      execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-Wno-unused-const-variable', '-Wno-unused-local-typedefs',
        '-fsyntax-only', '-I', new URL('build', root).pathname, file], { stdio: 'pipe' });
    } catch (e) {
      assert.fail(`gcc rejected the header: ${e.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("name lists: the host's match the kernel's", () => {
  test('counters: STAT_NAMES is the Stat enum, in order, and sk_stat_count agrees', () => {
    assert.deepEqual([...STAT_NAMES], assemblyEnum('Stat').map((m) => m.name));
    assert.equal(x.sk_stat_count(), STAT_NAMES.length);
    const doc = read('docs/abi.md').toString();
    STAT_NAMES.forEach((name, i) => assert.match(doc, new RegExp(`\\b${i} ${name}\\b`), `docs/abi.md lists counter ${i} ${name}`));
  });

  test('tunables: TUNABLES is the Tunable enum, in order, and the kernel has exactly that many', () => {
    const lower = (s) => s[0].toLowerCase() + s.slice(1);
    assert.deepEqual([...TUNABLES], assemblyEnum('Tunable').map((m) => lower(m.name)));
    for (let id = 0; id < TUNABLES.length; id++) assert.ok(x.sk_sysctl_get(id) >= 0n, `tunable ${id} exists`);
    assert.equal(x.sk_sysctl_get(TUNABLES.length), BigInt(EINVAL), 'no tunable past the host\'s list');
  });

  test("errno: every number the kernel's Errno namespace can return is the host's Errno of the same name", () => {
    const ns = assemblySources().map((text) => text.match(/export\s+namespace\s+Errno\s*\{([\s\S]*?)\n\}/)).filter(Boolean);
    assert.equal(ns.length, 1, 'namespace Errno is declared once under assembly/');
    const kernel = [...ns[0][1].matchAll(/const\s+(E[A-Z0-9]+)\s*:\s*i32\s*=\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]);
    assert.ok(kernel.length > 10);
    for (const [name, value] of kernel) assert.equal(Errno[name], value, `host Errno.${name}`);
  });

  test('socket states: SOCKET_STATES[n] is the SocketState enum member of value n', () => {
    const members = assemblyEnum('SocketState');
    assert.equal(members.length, SOCKET_STATES.length);
    for (const { name, value } of members) assert.equal(SOCKET_STATES[value], name);
  });

  test("tunables: the table's ranges are the kernel's (both ends accepted, one past each refused)", () => {
    TUNABLE_TABLE.forEach((t, id) => {
      x.sk_init(0, 1n);
      // The port range's ends must stay ordered: open the other end wide first.
      if (t.sysctl === 'ipLocalPortRangeLow') x.sk_sysctl_set(id + 1, 65535n);
      if (t.sysctl === 'ipLocalPortRangeHigh') x.sk_sysctl_set(id - 1, 1n);
      assert.equal(x.sk_sysctl_set(id, BigInt(t.min)), 0, `${t.sysctl} = ${t.min}`);
      assert.equal(x.sk_sysctl_set(id, BigInt(t.max)), 0, `${t.sysctl} = ${t.max}`);
      assert.equal(x.sk_sysctl_set(id, BigInt(t.min) - 1n), EINVAL, `${t.sysctl} = ${t.min - 1}`);
      assert.equal(x.sk_sysctl_set(id, BigInt(t.max) + 1n), EINVAL, `${t.sysctl} = ${t.max + 1}`);
    });
  });

  test("tunables: the table's defaults are what each personality starts with", async () => {
    for (const [i, personality] of ['linux', 'freebsd', 'posix'].entries()) {
      const k = await createKernel({ personality });
      for (const t of TUNABLE_TABLE) assert.equal(k.sysctl(t.sysctl), t.defaults[i], `${personality} ${t.sysctl}`);
    }
  });
});
