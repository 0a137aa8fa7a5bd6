// The conformance scenario format: loading, checking, and the step language that
// both runners speak (tests/conformance/runner.c on the real Linux kernel,
// tests/conformance/kernel_runner.mjs on socket-kernel).
//
// A scenario file (scenarios/<area>.json) is
//
//   { "area": "backlog", "about": "...", "scenarios": [ SCENARIO, ... ] }
//
//   SCENARIO = {
//     "name": "listen_backlog_1_admits_two",        snake_case, unique across files
//     "about": "...",                                optional
//     "kernelOnly": "why real loopback cannot show it",  optional: socket-kernel only
//     "kernel": { "linkDelay": 50, ... },            socket-kernel options, kernel-only scenarios only
//     "kernelFor": { "freebsd": { ... } },           options for one personality (any scenario)
//     "source": "...",                               where the wants of a kernel-only scenario come from
//     "tolerance": 300,                              ms, for "until" results (default TOLERANCE_MS)
//     "skip": { "freebsd": "why" },                  a personality the scenario cannot express
//     "steps": [ STEP, ... ]
//   }
//
//   STEP = "listen srv 1"                                  a step, no stated expectation
//        | { "do": "listen srv 1",
//            "want": 0,                                    optional: the Linux result, checked
//                                                          against real Linux and socket-kernel
//            "expect": { "freebsd": 2, "posix": 1 },       optional: where FreeBSD / POSIX differ
//            "source": "FreeBSD listen(2) ...",            required with "expect"
//            "kernelOnly": "why",                          optional: not run on real Linux
//            "about": "..." }                              optional: a note
//
// The step text is the line runner.c reads (its header lists every step). Sockets and
// ports are named: "connect c1 127.0.0.1:$srv" connects the socket called c1 to the
// port of the socket called srv. Results: a number, an errno name, "fd#N" (N counted
// from the lowest free descriptor at the start), an address with "$name" ports,
// true / false / "failed" (connected), null, or an object (accept, portinfo, until,
// stats). The data path:
//
//   send NAME TEXT        send(TEXT, MSG_NOSIGNAL | MSG_DONTWAIT): bytes sent, or errno
//   recv NAME [SIZE]      recv(SIZE, MSG_DONTWAIT), SIZE default RECV_SIZE: the bytes
//                         read as a string, 0 at end of file, or errno
//   poll NAME             poll(POLLIN | POLLOUT | POLLRDHUP, timeout 0): revents as
//                         "POLLIN|POLLOUT" (names in POLL_NAMES order), "" for none
//   sendto NAME TEXT ADDR sendto(TEXT, ADDR, MSG_NOSIGNAL | MSG_DONTWAIT): bytes sent, or
//                         errno (FreeBSD TCP connects implicitly: PR_IMPLOPCL)
//   setsockopt NAME linger0               SO_LINGER { l_onoff 1, l_linger 0 }
//   setsockopt NAME defer_accept SECONDS  IPPROTO_TCP TCP_DEFER_ACCEPT
//   getsockopt NAME defer_accept          (the seconds the kernel reports back)
//   getsockopt NAME SO_LINGER             l_onoff (an int-sized read of struct linger)
//   setsockopt NAME acceptfilter FILTER   FreeBSD SO_ACCEPTFILTER (0x1000) with
//                                         struct accept_filter_arg { FILTER, "" };
//                                         FILTER httpready | dataready | off (NULL)
//
// TEXT is one token of letters, digits, "_.,:-" and %XX escapes (a byte in hex, so
// "GET%20/%20HTTP/1.0%0d%0a%0d%0a" sends a request line and an empty line), and never
// looks like an errno name, so a recv result reads one way only.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real milliseconds against simulated ones, for "until" results. */
export const TOLERANCE_MS = 300;

/** recv NAME without a SIZE reads up to this many bytes (runner.c RECV_SIZE). */
export const RECV_SIZE = 256;
/** The largest SIZE recv takes (runner.c RECV_MAX). */
export const RECV_MAX = 1024;
/** poll revents bits by name, in the order both runners print them (tests/linux/probe.c evstr). */
export const POLL_NAMES = [
  ['POLLIN', 0x1], ['POLLPRI', 0x2], ['POLLOUT', 0x4], ['POLLERR', 0x8], ['POLLHUP', 0x10],
  ['POLLNVAL', 0x20], ['POLLRDHUP', 0x2000],
];
/** revents -> "POLLIN|POLLOUT" ("" for none). */
export function pollString(revents) {
  return POLL_NAMES.filter(([, bit]) => (revents & bit) !== 0).map(([name]) => name).join('|');
}

/**
 * Every step: its tokens after the op, and whether it is for socket-kernel only
 * (with the reason the real kernel cannot answer it).
 */
export const OPS = {
  socket: { args: ['name', 'domain', 'type', 'flags'] },
  // "setsockopt NAME linger0" takes no value (checkScenario knows).
  setsockopt: { args: ['name', 'option', 'value'] },
  getsockopt: { args: ['name', 'option'] },
  bind: { args: ['name', 'address'] },
  connect: { args: ['name', 'address'] },
  disconnect: { args: ['name'] },
  listen: { args: ['name', 'backlog'] },
  accept: { args: ['listener', 'as'] },
  accept4: { args: ['listener', 'as', 'flags'] },
  close: { args: ['name'] },
  shutdown: { args: ['name', 'how'] },
  getsockname: { args: ['name'] },
  getpeername: { args: ['name'] },
  recv: { args: ['name'], optional: ['size'] },
  send: { args: ['name', 'text'] },
  sendto: { args: ['name', 'text', 'address'] },
  poll: { args: ['name'] },
  fdflags: { args: ['name'] },
  queue: { args: ['listener'] },
  limit: { args: ['listener'] },
  connected: { args: ['name'] },
  portinfo: { args: ['name'] },
  wait: { args: ['ms'] },
  until: { args: ['name', 'event', 'ms'] },
  fill: { args: ['as', 'max', 'stuck', 'address'] },
  unlink: { args: ['address'] },
  stats: {
    args: ['counters'],
    kernelOnly: 'Linux keeps these counters per network namespace (/proc/net/netstat); scenarios run concurrently, so a scenario cannot read its own share',
  },
  synqueue: {
    args: ['listener'],
    kernelOnly: 'Linux exposes no per-listener SYN-queue length to an unprivileged reader (ss shows it only through inet_diag of the request sockets)',
  },
};

const DOMAINS = new Set(['inet', 'inet6', 'unix']);
const TYPES = new Set(['stream', 'dgram', 'seqpacket']);
const OPTIONS = new Set(['SO_REUSEADDR', 'SO_REUSEPORT', 'SO_ERROR', 'SO_ACCEPTCONN', 'SO_TYPE', 'SO_DOMAIN', 'SO_PROTOCOL', 'SO_SNDBUF', 'SO_RCVBUF', 'SO_LINGER', 'IPV6_V6ONLY', 'defer_accept', 'acceptfilter']);
/** setsockopt NAME acceptfilter FILTER: the FILTER names ("off" removes the filter). */
export const ACCEPT_FILTERS = ['httpready', 'dataready', 'off'];
/** Options setsockopt takes without a value: SO_LINGER { 1, 0 }. */
const VALUELESS_OPTIONS = new Set(['linger0']);
/** A send TEXT: one token that no errno name can be mistaken for; %XX is a byte in hex. */
const TEXT = /^(?:[\w.,:/-]|%[0-9a-fA-F]{2}){1,200}$/;

/** The bytes a send TEXT stands for: %XX escapes decoded (runner.c decode_text). */
export function decodeText(text) {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}
const ERRNO_LIKE = /^E[A-Z0-9]+$/;
const PERSONALITIES = ['linux', 'freebsd', 'posix'];
/** `area` and `file` are added by loadScenarios(). */
const SCENARIO_KEYS = new Set(['area', 'file', 'name', 'about', 'kernelOnly', 'kernel', 'kernelFor', 'source', 'tolerance', 'skip', 'steps']);
const STEP_KEYS = new Set(['do', 'about', 'want', 'expect', 'source', 'kernelOnly']);

/** "listen srv 1" -> { op: 'listen', args: ['srv', '1'] }. */
export function parseStep(text) {
  const [op, ...args] = text.split(' ');
  return { op, args };
}

/** A step as an object, whichever form the file uses. */
export function normalizeStep(step) {
  return typeof step === 'string' ? { do: step } : step;
}

/** Whether a step runs on socket-kernel only, and why ('' when it runs on both). */
export function kernelOnlyReason(scenario, step) {
  return scenario.kernelOnly ?? step.kernelOnly ?? OPS[parseStep(step.do).op]?.kernelOnly ?? '';
}

function checkAddress(a, problems, where) {
  if (a === 'autobind' || /^@[\w.-]+$/.test(a) || /^\.\/[\w.-]+$/.test(a)) return;
  if (/^(\d{1,3}\.){3}\d{1,3}:(\d+|\$[\w-]+)$/.test(a) || /^\[[0-9a-f:.]*\]:(\d+|\$[\w-]+)$/i.test(a)) return;
  problems.push(`${where}: bad address "${a}"`);
}

/** Problems with one scenario's data, as strings (empty when it is well formed). */
export function checkScenario(s) {
  const problems = [];
  const where = `scenario "${s.name}"`;
  if (typeof s.name !== 'string' || !/^[a-z0-9_]+$/.test(s.name)) problems.push(`${where}: name must be snake_case`);
  for (const k of Object.keys(s)) if (!SCENARIO_KEYS.has(k)) problems.push(`${where}: unknown key "${k}"`);
  if (s.kernel && !s.kernelOnly) {
    problems.push(`${where}: "kernel" options are for kernel-only scenarios (a real-kernel scenario runs with this machine's tunables)`);
  }
  for (const [p, why] of Object.entries(s.skip ?? {})) {
    if (p !== 'freebsd' && p !== 'posix') problems.push(`${where}: skip "${p}" (only freebsd or posix may be skipped)`);
    if (typeof why !== 'string' || !why) problems.push(`${where}: skip "${p}" needs a reason`);
  }
  for (const p of Object.keys(s.kernelFor ?? {})) if (!PERSONALITIES.includes(p)) problems.push(`${where}: kernelFor "${p}"`);
  if (s.kernelOnly !== undefined && (typeof s.kernelOnly !== 'string' || !s.kernelOnly)) problems.push(`${where}: kernelOnly must give a reason`);
  if (s.kernelOnly && !s.source) problems.push(`${where}: a kernel-only scenario needs a "source" for its wants`);
  if (!Array.isArray(s.steps) || s.steps.length === 0) problems.push(`${where}: no steps`);
  (s.steps ?? []).forEach((raw, i) => {
    const step = normalizeStep(raw);
    const at = `${where} step ${i}`;
    if (typeof step.do !== 'string') { problems.push(`${at}: no "do"`); return; }
    for (const k of Object.keys(step)) if (!STEP_KEYS.has(k)) problems.push(`${at}: unknown key "${k}"`);
    const { op, args } = parseStep(step.do);
    const spec = OPS[op];
    if (!spec) { problems.push(`${at}: unknown op "${op}"`); return; }
    const valueless = op === 'setsockopt' && VALUELESS_OPTIONS.has(args[1]);
    const max = spec.args.length + (spec.optional?.length ?? 0);
    if (valueless ? args.length !== 2 : args.length < spec.args.length || args.length > max) {
      problems.push(`${at}: "${op}" takes ${valueless ? 'name linger0' : [...spec.args, ...(spec.optional ?? []).map((a) => `[${a}]`)].join(' ')}`);
    }
    if (op === 'socket' && (!DOMAINS.has(args[1]) || !TYPES.has(args[2]))) problems.push(`${at}: socket domain/type`);
    if ((op === 'setsockopt' || op === 'getsockopt') && !OPTIONS.has(args[1]) && !valueless) problems.push(`${at}: option "${args[1]}"`);
    if ((op === 'send' || op === 'sendto') && (!TEXT.test(args[1] ?? '') || ERRNO_LIKE.test(args[1]))) problems.push(`${at}: ${op} TEXT must match ${TEXT} and not look like an errno name`);
    if (op === 'setsockopt' && args[1] === 'acceptfilter' && !ACCEPT_FILTERS.includes(args[2])) problems.push(`${at}: acceptfilter takes ${ACCEPT_FILTERS.join(' | ')}`);
    if (op === 'getsockopt' && args[1] === 'acceptfilter') problems.push(`${at}: acceptfilter is set only`);
    if (op === 'recv' && args[1] !== undefined && !(/^\d+$/.test(args[1]) && Number(args[1]) >= 1 && Number(args[1]) <= RECV_MAX)) {
      problems.push(`${at}: recv SIZE must be 1 to ${RECV_MAX}`);
    }
    if (['bind', 'connect'].includes(op)) checkAddress(args[1], problems, at);
    if (op === 'sendto') checkAddress(args[2] ?? '', problems, at);
    if (op === 'fill') checkAddress(args[3], problems, at);
    if (op === 'unlink' && !/^\.\/[\w.-]+$/.test(args[0])) problems.push(`${at}: unlink takes ./path`);
    if (op === 'until' && !['writable', 'readable'].includes(args[1])) problems.push(`${at}: until writable|readable`);
    if (step.expect !== undefined) {
      for (const p of Object.keys(step.expect)) {
        if (p !== 'freebsd' && p !== 'posix') problems.push(`${at}: expect "${p}" (Linux is "want" or the real recording)`);
      }
      if (!step.source) problems.push(`${at}: "expect" without a "source"`);
    }
    if (step.kernelOnly !== undefined && (typeof step.kernelOnly !== 'string' || !step.kernelOnly)) {
      problems.push(`${at}: kernelOnly must give a reason`);
    }
  });
  return problems;
}

/** Every scenario file, in name order; each scenario gains `area` and `file`. */
export async function loadScenarios(dir = new URL('./scenarios/', import.meta.url)) {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files = (await readdir(path)).filter((f) => f.endsWith('.json')).sort();
  const out = [];
  for (const file of files) {
    const data = JSON.parse(await readFile(join(path, file), 'utf8'));
    for (const s of data.scenarios) out.push({ ...s, area: data.area, file });
  }
  return out;
}

/** The lines runner.c reads: kernel-only steps become "skip". */
export function toLines(scenario) {
  return scenario.steps.map((raw) => {
    const step = normalizeStep(raw);
    return kernelOnlyReason(scenario, step) ? 'skip' : step.do;
  });
}
