// The kernel's exports, declared once. Everything else that names an export is made
// from this table: the `Exports` type the host calls through, the check at load time
// (checkExports), the C header (scripts/c-header.mjs → build/socket_kernel.h) and the
// drift test (tests/abi_drift.test.mjs: every row here is an export of the module with
// this signature, and has its row in docs/abi.md).
//
// Types: i32, i64 (a JavaScript bigint), ptr (a u32 byte offset into the module's
// memory; i32 in WebAssembly), void (no result).

import { AbiError } from '../errors.js';

/** The ABI versions this host knows (export SK_ABI_VERSION, docs/abi.md). */
export const ABI_VERSIONS = [1] as const;

export const EXPORTS = [
  { name: 'sk_init', params: [['personality', 'i32'], ['seed', 'i64']], result: 'i32', doc: '(Re)initialises the kernel: personality 0 Linux, 1 FreeBSD, 2 POSIX; a seed for every random choice' },
  { name: 'sk_scratch', params: [], result: 'ptr', doc: 'The scratch area the host writes arguments into and reads results from' },
  { name: 'sk_scratch_size', params: [], result: 'i32', doc: 'Size of the scratch area in bytes' },
  { name: 'sk_sysctl_set', params: [['id', 'i32'], ['value', 'i64']], result: 'i32', doc: 'Sets a tunable (SK_TUNABLE_*): 0, or -EINVAL for an unknown id or a value out of range' },
  { name: 'sk_sysctl_get', params: [['id', 'i32']], result: 'i64', doc: 'Reads a tunable, or -EINVAL for an unknown id' },
  { name: 'sk_socket', params: [['domain', 'i32'], ['type', 'i32'], ['protocol', 'i32']], result: 'i32', doc: 'socket(2): a descriptor; type may carry SOCK_NONBLOCK and SOCK_CLOEXEC' },
  { name: 'sk_domain', params: [['fd', 'i32']], result: 'i32', doc: "The socket's address family, or -errno" },
  { name: 'sk_bind', params: [['fd', 'i32'], ['addr', 'ptr'], ['len', 'i32']], result: 'i32', doc: 'bind(2)' },
  { name: 'sk_listen', params: [['fd', 'i32'], ['backlog', 'i32']], result: 'i32', doc: 'listen(2)' },
  { name: 'sk_connect', params: [['fd', 'i32'], ['addr', 'ptr'], ['len', 'i32']], result: 'i32', doc: 'connect(2): -EINPROGRESS while the handshake is incomplete; AF_UNSPEC disconnects' },
  { name: 'sk_accept', params: [['fd', 'i32'], ['addr', 'ptr'], ['len_ptr', 'ptr']], result: 'i32', doc: 'accept(2): addr may be 0; *len_ptr in: room, out: the address length' },
  { name: 'sk_accept4', params: [['fd', 'i32'], ['addr', 'ptr'], ['len_ptr', 'ptr'], ['flags', 'i32']], result: 'i32', doc: 'accept4(2): flags SOCK_NONBLOCK | SOCK_CLOEXEC only' },
  { name: 'sk_close', params: [['fd', 'i32']], result: 'i32', doc: 'close(2); also closes the stdio descriptors 0-2' },
  { name: 'sk_shutdown', params: [['fd', 'i32'], ['how', 'i32']], result: 'i32', doc: 'shutdown(2)' },
  { name: 'sk_getsockname', params: [['fd', 'i32'], ['addr', 'ptr'], ['len_ptr', 'ptr']], result: 'i32', doc: 'getsockname(2)' },
  { name: 'sk_getpeername', params: [['fd', 'i32'], ['addr', 'ptr'], ['len_ptr', 'ptr']], result: 'i32', doc: 'getpeername(2)' },
  { name: 'sk_getsockopt', params: [['fd', 'i32'], ['level', 'i32'], ['name', 'i32'], ['val', 'ptr'], ['len_ptr', 'ptr']], result: 'i32', doc: 'getsockopt(2)' },
  { name: 'sk_setsockopt', params: [['fd', 'i32'], ['level', 'i32'], ['name', 'i32'], ['val', 'ptr'], ['len', 'i32']], result: 'i32', doc: 'setsockopt(2)' },
  { name: 'sk_fcntl', params: [['fd', 'i32'], ['cmd', 'i32'], ['arg', 'i32']], result: 'i32', doc: 'fcntl(2): F_GETFL/F_SETFL (O_NONBLOCK), F_GETFD/F_SETFD (FD_CLOEXEC)' },
  { name: 'sk_send', params: [['fd', 'i32'], ['buf', 'ptr'], ['len', 'i32'], ['flags', 'i32']], result: 'i32', doc: 'send(2): bytes queued (a stream may take part), or -errno' },
  { name: 'sk_sendto', params: [['fd', 'i32'], ['buf', 'ptr'], ['len', 'i32'], ['flags', 'i32'], ['addr', 'ptr'], ['alen', 'i32']], result: 'i32', doc: 'sendto(2): addr 0 sends to the connected peer' },
  { name: 'sk_recv', params: [['fd', 'i32'], ['buf', 'ptr'], ['len', 'i32'], ['flags', 'i32']], result: 'i32', doc: 'recv(2): bytes read, 0 at end of file, or -errno' },
  { name: 'sk_recvfrom', params: [['fd', 'i32'], ['buf', 'ptr'], ['len', 'i32'], ['flags', 'i32'], ['addr', 'ptr'], ['len_ptr', 'ptr']], result: 'i32', doc: "recvfrom(2): also a datagram's source address (addr may be 0)" },
  { name: 'sk_msg_flags', params: [], result: 'i32', doc: 'msg_flags of the last receive (MSG_TRUNC when a message was cut)' },
  { name: 'sk_poll', params: [['fds', 'ptr'], ['n', 'i32']], result: 'i32', doc: 'poll(2) with timeout 0 over struct pollfd[n]: how many are ready' },
  { name: 'sk_epoll_create', params: [['flags', 'i32']], result: 'i32', doc: 'epoll_create1(2)' },
  { name: 'sk_epoll_ctl', params: [['epfd', 'i32'], ['op', 'i32'], ['fd', 'i32'], ['ev', 'ptr']], result: 'i32', doc: 'epoll_ctl(2): ev is a packed struct epoll_event (12 bytes), unused for EPOLL_CTL_DEL' },
  { name: 'sk_epoll_wait', params: [['epfd', 'i32'], ['out', 'ptr'], ['max', 'i32']], result: 'i32', doc: 'epoll_wait(2) with timeout 0: ready events into out' },
  { name: 'sk_epoll_ready_hosts', params: [['out', 'ptr'], ['max', 'i32']], result: 'i32', doc: 'The hosts whose epoll instances gained a ready item since the last call (u32 ids into out; the simulator\'s own, not a system call)' },
  { name: 'sk_buffer', params: [['bytes', 'i32']], result: 'ptr', doc: 'A reusable host I/O buffer of at least bytes (0 when too large)' },
  { name: 'sk_connect_batch', params: [['n', 'i32'], ['domain', 'i32'], ['type', 'i32'], ['addr', 'ptr'], ['len', 'i32'], ['out', 'ptr']], result: 'i32', doc: 'n times socket + connect: each fd (or -errno) into out[i]' },
  { name: 'sk_accept_batch', params: [['fd', 'i32'], ['out', 'ptr'], ['max', 'i32'], ['flags', 'i32']], result: 'i32', doc: 'Accepts up to max connections into out[]: how many, or -errno if none' },
  { name: 'sk_close_batch', params: [['fds', 'ptr'], ['n', 'i32'], ['flags', 'i32']], result: 'i32', doc: 'close() of n descriptors; flags 1 closes abortively (SO_LINGER {1, 0}): how many were open' },
  { name: 'sk_unlink', params: [['path', 'ptr'], ['len', 'i32']], result: 'i32', doc: 'unlink(2) of an AF_UNIX socket file' },
  { name: 'sk_add_address', params: [['addr', 'ptr'], ['len', 'i32']], result: 'i32', doc: 'Makes an IPv4/IPv6 address local (the port is ignored)' },
  { name: 'sk_host_create', params: [['personality', 'i32'], ['seed', 'i64']], result: 'i32', doc: 'A new host with its personality, defaults and seed: its id (>= 1), -EINVAL or -ENOSPC' },
  { name: 'sk_host_select', params: [['id', 'i32']], result: 'i32', doc: 'Makes host id the one the following system calls act on: 0, or -EINVAL' },
  { name: 'sk_host_count', params: [], result: 'i32', doc: 'How many hosts exist (ids 0 .. n-1)' },
  { name: 'sk_link_change', params: [['op', 'i32'], ['src', 'i32'], ['dst', 'i32'], ['a', 'i64'], ['b', 'i64'], ['c', 'i64'], ['d', 'i64'], ['at_us', 'i64']], result: 'i32', doc: 'A change to link src -> dst ((-1, -1): the default link; op 10: the uplink of host src, dst -1) now or at time at_us (op 1-10 as docs/abi.md lists them; probabilities in 1e-9)' },
  { name: 'sk_link_counter', params: [['src', 'i32'], ['dst', 'i32'], ['which', 'i32']], result: 'i64', doc: 'A link counter (which: 0 sent, 2 delivered, 4 lost, 6 queue drops, 8 held, 10 partition drops; +1 in bytes); (-1, -1): the whole network' },
  { name: 'sk_uplink_counter', params: [['host', 'i32'], ['which', 'i32']], result: 'i64', doc: "A counter of a host's uplink (which: 0 sent, 2 left the uplink, 6 dropped by its full queue; +1 in bytes); -1: every uplink" },
  { name: 'sk_advance', params: [['us', 'i64']], result: 'i32', doc: 'Advances simulated time by us microseconds: the events handled' },
  { name: 'sk_now', params: [], result: 'i64', doc: 'Simulated time in microseconds' },
  { name: 'sk_next_timer', params: [], result: 'i64', doc: 'Microseconds until the next event, or -1 when none is scheduled' },
  { name: 'sk_stat', params: [['id', 'i32']], result: 'i64', doc: 'A counter (SK_STAT_*)' },
  { name: 'sk_stat_count', params: [], result: 'i32', doc: 'How many counters there are' },
  { name: 'sk_sock_row', params: [['cursor', 'i32']], result: 'i32', doc: 'The next socket-table row into the scratch area: the next cursor, or -1 at the end' },
  { name: 'sk_check', params: [], result: 'i32', doc: 'Checks every table: 0, or the negative number of the broken invariant' },
  { name: 'sk_listen_queues', params: [['fd', 'i32']], result: 'i32', doc: 'One listener\'s accept-queue length, backlog in force, SYN-queue length and drops as four u32 at scratch: 0, or -errno (EINVAL if not listening)' },
  { name: 'sk_mem', params: [['what', 'i32']], result: 'i64', doc: 'Memory accounting (SK_MEM_*)' },
] as const;

export type AbiType = 'i32' | 'i64' | 'ptr' | 'void';
export type ExportRow = (typeof EXPORTS)[number];
export type ExportName = ExportRow['name'];

type JsType<T extends AbiType> = T extends 'i64' ? bigint : T extends 'void' ? void : number;
type Params<P extends readonly (readonly [string, AbiType])[]> = {
  -readonly [I in keyof P]: P[I] extends readonly [string, infer T extends AbiType] ? JsType<T> : never;
};

/** The kernel's exports as the host calls them, derived from EXPORTS. */
export type Exports = {
  [R in ExportRow as R['name']]: (...args: Params<R['params']>) => JsType<R['result']>;
} & {
  memory: WebAssembly.Memory;
  _initialize(): void;
};

/**
 * Checks an instance against EXPORTS and SK_ABI_VERSION: every export present as a
 * function of its arity (extra exports are fine), and a version this host knows.
 * Throws AbiError (ERR_SOCKET_KERNEL_ABI) naming what does not match.
 */
export function checkExports(exports: Readonly<Record<string, unknown>>): Exports {
  const version = exports.SK_ABI_VERSION;
  if (!(version instanceof WebAssembly.Global)) {
    throw new AbiError('the module exports no SK_ABI_VERSION global: it is not a socket-kernel module');
  }
  if (!(ABI_VERSIONS as readonly number[]).includes(version.value)) {
    throw new AbiError(`the module has ABI version ${String(version.value)}; this host knows version ${ABI_VERSIONS.join(', ')}. Use the kernel.wasm shipped with this package`);
  }
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new AbiError('the module exports no memory');
  if (typeof exports._initialize !== 'function') throw new AbiError('the module exports no _initialize (it must be a WASI reactor)');
  for (const { name, params } of EXPORTS) {
    const f = exports[name];
    if (typeof f !== 'function') throw new AbiError(`the module does not export ${name}`);
    if (f.length !== params.length) throw new AbiError(`${name} takes ${f.length} arguments in the module, ${params.length} in this host`);
  }
  return exports as unknown as Exports;
}
