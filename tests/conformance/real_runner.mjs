// real_runner.mjs - compile tests/conformance/runner.c and run scenarios on this
// machine's Linux kernel, each scenario in its own process, many at once.

import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { toLines } from './steps.mjs';

const RUNNER_C = fileURLToPath(new URL('./runner.c', import.meta.url));
/** The longest scenario takes about 3 s on the real kernel; this bounds a hung one (runner.c's alarm is 30 s). */
const RUN_TIMEOUT_MS = 40_000;
/** Real-kernel scenarios run at once, each in its own process. */
const CONCURRENCY = 32;

function gccAvailable() {
  const r = spawnSync('gcc', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** Why the real-kernel half cannot run here, or null. */
export function realKernelUnavailable() {
  if (process.platform !== 'linux') return `not Linux (platform "${process.platform}"): runner.c asks the running Linux kernel`;
  if (!gccAvailable()) return 'gcc is not available: tests/conformance/runner.c cannot be compiled';
  return null;
}

/**
 * This machine's tunables as socket-kernel options, so that the Linux personality
 * runs as this kernel is set (net.core.somaxconn, the port range, ...).
 */
export function machineTunables() {
  const read = (name) => readFileSync(`/proc/sys/net/${name}`, 'utf8').trim().split(/\s+/).map(Number);
  const optional = (name, fallback) => { try { return read(name)[0]; } catch { return fallback; } };
  const [lo, hi] = read('ipv4/ip_local_port_range');
  return {
    somaxconn: read('core/somaxconn')[0],
    tcpMaxSynBacklog: read('ipv4/tcp_max_syn_backlog')[0],
    tcpSyncookies: read('ipv4/tcp_syncookies')[0],
    tcpSynRetries: read('ipv4/tcp_syn_retries')[0],
    tcpSynackRetries: read('ipv4/tcp_synack_retries')[0],
    // Linux before 6.5 has no tcp_syn_linear_timeouts: the same as 0.
    tcpSynLinearTimeouts: optional('ipv4/tcp_syn_linear_timeouts', 0),
    tcpAbortOnOverflow: read('ipv4/tcp_abort_on_overflow')[0],
    ipLocalPortRange: [lo, hi],
  };
}

/** Runs one scenario through the compiled runner: { results, end } or { error }. */
async function runOne(exe, scenario) {
  const dir = await mkdtemp(join(tmpdir(), 'socket-kernel-conformance-'));
  try {
    return await new Promise((resolve) => {
      const child = spawn(exe, [dir], { stdio: ['pipe', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', (e) => resolve({ error: String(e) }));
      child.on('close', (code, signal) => {
        if (code !== 0) {
          resolve({ error: `runner.c exited with ${code ?? signal}: ${stderr.trim()}` });
          return;
        }
        const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
        const end = lines.pop().end;
        resolve({ results: lines.map((l) => l.r), end });
      });
      child.stdin.end(`${toLines(scenario).join('\n')}\n`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Compiles runner.c and runs every scenario that is not kernel-only: Map name -> recording. */
export async function runAllReal(scenarios) {
  const dir = await mkdtemp(join(tmpdir(), 'socket-kernel-runner-'));
  try {
    const exe = join(dir, 'runner');
    await promisify(execFile)('gcc', ['-O1', '-Wall', '-o', exe, RUNNER_C], { timeout: 60_000 });
    const out = new Map();
    const queue = scenarios.filter((s) => !s.kernelOnly);
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) out.set(s.name, await runOne(exe, s));
    });
    await Promise.all(workers);
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
