// socket-kernel against the kernel it imitates: compiles tests/linux/probe.c, asks
// this machine's Linux kernel its questions, asks socket-kernel the same ones
// (tests/linux/kernel_probe.mjs) and compares fact by fact, key by key.
//
// A key compares equal, or by a stated property where the value is random by design
// (ports, descriptor numbers) or a duration (real milliseconds against simulated
// ones, within TOLERANCE_MS). Any other difference fails, unless
// tests/linux/known-differences.json lists it with the value the kernel gives and a
// reason. The few keys the kernel probe cannot ask (a user id, sysctls the kernel
// has no tunable for) are listed with reasons in OMITTED in kernel_probe.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, promisify } from 'node:util';
import { probeKernel, OMITTED } from './linux/kernel_probe.mjs';

const run = promisify(execFile);
const PROBE_C = fileURLToPath(new URL('./linux/probe.c', import.meta.url));
const KNOWN_DIFFERENCES = new URL('./linux/known-differences.json', import.meta.url);
/**
 * probe.c takes about 6 s (two ~1 s SYN retransmit waits, one ~1 s TCP_DEFER_ACCEPT
 * wait, the 1.1 s wait of tw_reuse, the ~1 s TCP_USER_TIMEOUT connect); this bounds a
 * hung run.
 */
const PROBE_TIMEOUT_MS = 30_000;
/** Real milliseconds against simulated ones. */
const TOLERANCE_MS = 300;

// ---- comparison rules for keys that are not compared for equality ---------------

const fmt = (v) => JSON.stringify(v);

/** The key must have this property on both sides; `side` is that side's facts by name. */
function property(description, holds) {
  return (linux, kernel, L, K) => {
    const problems = [];
    if (!holds(linux, L)) problems.push(`Linux ${fmt(linux)} is not ${description} (this rule is out of date)`);
    if (!holds(kernel, K)) problems.push(`kernel ${fmt(kernel)} is not ${description}`);
    return problems.length ? problems.join('; ') : null;
  };
}

/** A duration in ms: -1 (no event) on both sides, or both within TOLERANCE_MS. */
function withinTolerance(linux, kernel) {
  if (linux === -1 || kernel === -1) {
    return linux === kernel ? null : `Linux ${linux} ms, kernel ${kernel} ms (-1: no event before the timeout)`;
  }
  if (typeof linux !== 'number' || typeof kernel !== 'number' || Math.abs(linux - kernel) > TOLERANCE_MS) {
    return `Linux ${fmt(linux)} ms, kernel ${fmt(kernel)} ms: more than ±${TOLERANCE_MS} ms apart`;
  }
  return null;
}

const inPortRange = (p, side) => {
  const [lo, hi] = side.ephemeral_ports.ip_local_port_range;
  return Number.isInteger(p) && p >= lo && p <= hi;
};
const distinctPortsInRange = (n) => (ports, side) =>
  Array.isArray(ports) && ports.length === n && new Set(ports).size === n && ports.every((p) => inPortRange(p, side));

const RULES = {
  socket_errors: {
    'fd_numbers.first': property('the lowest descriptor above stdio (an integer >= 3)', (v) => Number.isInteger(v) && v >= 3),
    'fd_numbers.second': property('first + 1', (v, s) => v === s.socket_errors.fd_numbers.first + 1),
    'fd_numbers.third': property('first + 2', (v, s) => v === s.socket_errors.fd_numbers.first + 2),
    'fd_numbers.after_closing_second': property('equal to second', (v, s) => v === s.socket_errors.fd_numbers.second),
  },
  listen_errors: {
    'autobind.sockname': property('"0.0.0.0:<autobind.port>"', (v, s) => v === `0.0.0.0:${s.listen_errors.autobind.port}`),
    'autobind.port': property('a port in ip_local_port_range', inPortRange),
  },
  nonblocking_connect: {
    peer: property('"127.0.0.1:<port>" (peer_port_matches checks the port)', (v) => /^127\.0\.0\.1:\d+$/.test(v)),
  },
  connect_refused: {
    poll_ms: withinTolerance,
  },
  connect_ealready: {
    ms_after_accept_until_connected: withinTolerance,
    ms_since_connect_until_connected: withinTolerance,
  },
  accept_errors: {
    fifo_client_ports: property('5 distinct ports in ip_local_port_range', distinctPortsInRange(5)),
    fifo_accepted_peer_ports: property('fifo_client_ports, in order', (v, s) => isDeepStrictEqual(v, s.accept_errors.fifo_client_ports)),
  },
  listener_close: {
    'syn_sent_client.ms_until_event': withinTolerance,
    'syn_sent_client.ms_since_listener_close': withinTolerance,
  },
  listener_shutdown_rd: {
    port_after_shutdown: property('a port in ip_local_port_range (the port getsockname() still shows)', inPortRange),
  },
  ephemeral_ports: {
    bind_ports: property('20 distinct ports in ip_local_port_range', distinctPortsInRange(20)),
    connect_ports: property('20 distinct ports in ip_local_port_range', distinctPortsInRange(20)),
    // udp_lib_get_port starts at a random port of either parity: 0 or 20 odd ports
    // out of 20 happens with probability 2^-19.
    udp_bind_odd_of_20: property('a mix of both parities (1 to 19 odd ports)', (v) => Number.isInteger(v) && v >= 1 && v <= 19),
  },
  sockopts: {
    unix_autobind_name_hex: property('five hex digits', (v) => /^[0-9a-f]{5}$/.test(v)),
  },
  unix: {
    'full_listener.blocking_connect_ms': withinTolerance,
  },
  ipv6: {
    accepted_peer: property('"[::ffff:127.0.0.1]:<port>"', (v) => /^\[::ffff:127\.0\.0\.1\]:\d+$/.test(v)),
  },
  data_close: {
    // Linux acknowledges a FIN with a delayed ACK; the kernel acknowledges at once.
    'graceful_close.client_fin_wait_1_ms': withinTolerance,
    'server_closes_first.server_fin_wait_1_ms': withinTolerance,
    'client_shut_wr_then_both_close.client_fin_wait_1_ms': withinTolerance,
  },
  deferred_accept: {
    // Real ms until the SYN-ACK resent at the end of a 1 s deferral is answered,
    // against simulated ms.
    'no_data.ms_since_connect_until_readable': withinTolerance,
  },
  user_timeout: {
    // Real ms until a connect() with TCP_USER_TIMEOUT 500 fails (the SYN again at 1 s,
    // then one jiffy), against simulated ms.
    'syn_sent_500.ms_until_event': withinTolerance,
  },
  probe_selfcheck: {
    open_fds_at_start: property('a count that includes stdio (>= 3)', (v) => Number.isInteger(v) && v >= 3),
    open_fds_at_end: property('a count that includes stdio (>= 3)', (v) => Number.isInteger(v) && v >= 3),
    // Wall-clock time of the C program against the kernel's simulated clock: the
    // probe's own pace, not a kernel behaviour.
    elapsed_ms: property('a duration in ms (>= 0)', (v) => Number.isInteger(v) && v >= 0),
  },
};

// ---- helpers ----------------------------------------------------------------------

/** Leaf keys of a fact's value as dotted paths; arrays are leaves. */
function flatten(value, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out.set(key, v);
  }
  return out;
}

function gccAvailable() {
  const r = spawnSync('gcc', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

async function runLinuxProbe() {
  const dir = await mkdtemp(join(tmpdir(), 'socket-kernel-probe-'));
  try {
    const exe = join(dir, 'probe');
    await run('gcc', ['-O1', '-Wall', '-o', exe, PROBE_C], { timeout: 60_000 });
    const { stdout } = await run(exe, [], { timeout: PROBE_TIMEOUT_MS, cwd: dir, maxBuffer: 1 << 22 });
    return stdout.trim().split('\n').map((line) => JSON.parse(line));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- the test -------------------------------------------------------------------------

test('socket-kernel (linux personality) answers probe.c as this Linux kernel does', async (t) => {
  if (process.platform !== 'linux') {
    t.skip(`not Linux (platform "${process.platform}"): probe.c asks the running Linux kernel`);
    return;
  }
  if (!gccAvailable()) {
    t.skip('gcc is not available: tests/linux/probe.c cannot be compiled');
    return;
  }

  const linuxFacts = await runLinuxProbe();
  const linux = Object.fromEntries(linuxFacts.map((f) => [f.fact, f.value]));
  // probe.c run as root may bind port 80; CAP_NET_BIND_SERVICE is the kernel's
  // "privileged" option.
  const kernelFacts = await probeKernel({ privileged: linux.reuse_rules?.euid === 0 });
  const kernel = Object.fromEntries(kernelFacts.map((f) => [f.fact, f.value]));

  const { differences } = JSON.parse(await readFile(KNOWN_DIFFERENCES, 'utf8'));
  const known = new Map(differences.map((d) => [`${d.fact} ${d.key}`, d]));

  await t.test('the same facts, in the same order', () => {
    assert.deepEqual(kernelFacts.map((f) => f.fact), linuxFacts.map((f) => f.fact));
  });

  await t.test('known-differences.json names only keys probe.c reports', () => {
    const stale = differences.filter((d) => !linux[d.fact] || !flatten(linux[d.fact]).has(d.key) || !d.reason);
    assert.deepEqual(stale.map((d) => `${d.fact} ${d.key}`), []);
  });

  for (const { fact, value: linuxValue } of linuxFacts) {
    await t.test(fact, () => {
      assert.ok(kernel[fact] !== undefined, `the kernel probe has no fact "${fact}"`);
      const L = flatten(linuxValue), K = flatten(kernel[fact]);
      const omitted = OMITTED[fact] ?? {};
      const failures = [];
      for (const [key, lv] of L) {
        if (key in omitted) {
          if (K.has(key)) failures.push(`${key}: listed in OMITTED, yet the kernel probe reports it`);
          else t.diagnostic(`${fact}.${key}: not asked (${omitted[key]}); Linux ${fmt(lv)}`);
          continue;
        }
        if (!K.has(key)) {
          failures.push(`${key}: missing from the kernel probe (Linux ${fmt(lv)})`);
          continue;
        }
        const kv = K.get(key);
        const rule = RULES[fact]?.[key];
        const problem = rule ? rule(lv, kv, linux, kernel) : isDeepStrictEqual(lv, kv) ? null : `Linux ${fmt(lv)}, kernel ${fmt(kv)}`;
        if (problem === null) continue;
        const entry = known.get(`${fact} ${key}`);
        if (entry && isDeepStrictEqual(entry.kernel, kv)) {
          t.diagnostic(`${fact}.${key}: known difference, Linux ${fmt(lv)}, kernel ${fmt(kv)}: ${entry.reason}`);
          continue;
        }
        failures.push(`${key}: ${problem}${entry ? ` (known-differences.json expects kernel ${fmt(entry.kernel)})` : ''}`);
      }
      for (const key of K.keys()) {
        if (!L.has(key)) failures.push(`${key}: reported by the kernel probe, not by probe.c`);
      }
      for (const key of Object.keys(omitted)) {
        if (!L.has(key)) failures.push(`${key}: listed in OMITTED, but probe.c does not report it`);
      }
      if (failures.length > 0) {
        assert.fail(`${failures.length} difference(s) from Linux in "${fact}":\n  ${failures.join('\n  ')}`);
      }
    });
  }
});
