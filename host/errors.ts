// Errors shaped like Node's (lib/internal/errors.js UVExceptionWithHostPort): code,
// errno (negative, as Node reports it), syscall, address, port, and a message such as
// "listen EADDRINUSE: address already in use 127.0.0.1:8080".

const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'],
  12: ['ENOMEM', 'not enough memory'],
  13: ['EACCES', 'permission denied'],
  14: ['EFAULT', 'bad address in system call argument'],
  17: ['EEXIST', 'file already exists'],
  22: ['EINVAL', 'invalid argument'],
  24: ['EMFILE', 'too many open files'],
  28: ['ENOSPC', 'no space left on device'],
  32: ['EPIPE', 'broken pipe'],
  36: ['ENAMETOOLONG', 'name too long'],
  88: ['ENOTSOCK', 'socket operation on non-socket'],
  89: ['EDESTADDRREQ', 'destination address required'],
  90: ['EMSGSIZE', 'message too long'],
  91: ['EPROTOTYPE', 'protocol wrong type for socket'],
  92: ['ENOPROTOOPT', 'protocol not available'],
  93: ['EPROTONOSUPPORT', 'protocol not supported'],
  94: ['ESOCKTNOSUPPORT', 'socket type not supported'],
  95: ['EOPNOTSUPP', 'operation not supported on socket'],
  97: ['EAFNOSUPPORT', 'address family not supported'],
  98: ['EADDRINUSE', 'address already in use'],
  99: ['EADDRNOTAVAIL', 'address not available'],
  101: ['ENETUNREACH', 'network is unreachable'],
  103: ['ECONNABORTED', 'software caused connection abort'],
  104: ['ECONNRESET', 'connection reset by peer'],
  105: ['ENOBUFS', 'no buffer space available'],
  106: ['EISCONN', 'socket is already connected'],
  107: ['ENOTCONN', 'socket is not connected'],
  110: ['ETIMEDOUT', 'connection timed out'],
  111: ['ECONNREFUSED', 'connection refused'],
  114: ['EALREADY', 'connection already in progress'],
  115: ['EINPROGRESS', 'operation in progress'],
};

/** The errno name for a positive or negative errno number ('E123' when unknown). */
export function errnoName(errno: number): string {
  return ERRNO[Math.abs(errno)]?.[0] ?? `E${Math.abs(errno)}`;
}

/** Errno numbers by name, e.g. Errno.EADDRINUSE === 98. */
export const Errno: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(ERRNO).map(([n, [name]]) => [name, Number(n)])),
);

export class SocketError extends Error {
  readonly code: string;
  /** Negative, as Node reports it (err.errno === -98 for EADDRINUSE). */
  readonly errno: number;
  readonly syscall: string;
  readonly address?: string;
  readonly port?: number;

  constructor(errno: number, syscall: string, address?: string, port?: number) {
    const n = Math.abs(errno);
    const [code, text] = ERRNO[n] ?? [`E${n}`, 'unknown error'];
    let where = '';
    if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
    super(`${syscall} ${code}: ${text}${where}`);
    this.name = 'SocketError';
    this.code = code;
    this.errno = -n;
    this.syscall = syscall;
    if (address !== undefined) this.address = address;
    if (port !== undefined) this.port = port;
  }
}

/**
 * EAGAIN, EINPROGRESS and EALREADY are flow control, thrown on every nonblocking call
 * that would wait. Running the Error constructor (and its stack capture) for them costs
 * four times the kernel's whole handshake (measured: ~640 ns against ~160 ns per
 * throw), so they are SocketError objects made from the prototype: same class
 * (`instanceof SocketError`, `instanceof Error`), same fields and message, a one-line
 * `stack`. Every other error is constructed normally and keeps its stack.
 */
export function socketError(errno: number, syscall: string, address?: string, port?: number): SocketError {
  const n = errno < 0 ? -errno : errno;
  if (n !== 11 && n !== 115 && n !== 114) return new SocketError(errno, syscall, address, port);
  const [code, text] = ERRNO[n];
  const e = Object.create(SocketError.prototype) as { -readonly [K in keyof SocketError]: SocketError[K] };
  e.name = 'SocketError';
  e.message = address === undefined ? `${syscall} ${code}: ${text}`
    : `${syscall} ${code}: ${text} ${port !== undefined && port > 0 ? `${address}:${port}` : address}`;
  e.code = code;
  e.errno = -n;
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (port !== undefined) e.port = port;
  e.stack = `SocketError: ${e.message}`; // no call stack to show: the first line only
  return e as SocketError;
}

/** A host-side argument error, shaped like Node's ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE. */
export class ArgumentError extends TypeError {
  readonly code: string;
  constructor(code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE', message: string) {
    super(message);
    this.name = 'TypeError';
    this.code = code;
  }
}

/** An integer argument, checked at the door (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE). */
export function checkInt(name: string, v: unknown, min = -0x80000000, max = 0x7fffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', `"${name}" must be an integer. Received ${String(v)}`);
  }
  if (v < min || v > max) throw new ArgumentError('ERR_OUT_OF_RANGE', `"${name}" must be >= ${min} and <= ${max}. Received ${v}`);
  return v;
}

/**
 * The module is not a socket-kernel this host can drive: an ABI version it does not
 * know, or an export missing or of another arity (host/abi/exports.ts).
 */
export class AbiError extends Error {
  readonly code = 'ERR_SOCKET_KERNEL_ABI';
  constructor(message: string) {
    super(`socket-kernel ABI mismatch: ${message}`);
    this.name = 'AbiError';
  }
}
