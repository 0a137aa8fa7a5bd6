// Errno numbers, Linux numbering (include/uapi/asm-generic/errno-base.h, errno.h).
// Every export returns a result >= 0 or one of these negated, as Linux syscalls do.
export namespace Errno {
  // @ts-ignore: decorator
  @inline export const EPERM: i32 = 1;
  // @ts-ignore: decorator
  @inline export const ENOENT: i32 = 2;
  // @ts-ignore: decorator
  @inline export const EBADF: i32 = 9;
  // @ts-ignore: decorator
  @inline export const EAGAIN: i32 = 11;
  // @ts-ignore: decorator
  @inline export const ENOMEM: i32 = 12;
  // @ts-ignore: decorator
  @inline export const EACCES: i32 = 13;
  // @ts-ignore: decorator
  @inline export const EFAULT: i32 = 14;
  // @ts-ignore: decorator
  @inline export const EEXIST: i32 = 17;
  // @ts-ignore: decorator
  @inline export const EINVAL: i32 = 22;
  // @ts-ignore: decorator
  @inline export const EMFILE: i32 = 24;
  // @ts-ignore: decorator
  @inline export const ENOSPC: i32 = 28;
  // @ts-ignore: decorator
  @inline export const EPIPE: i32 = 32;
  // @ts-ignore: decorator
  @inline export const ENAMETOOLONG: i32 = 36;
  // @ts-ignore: decorator
  @inline export const ENOTSOCK: i32 = 88;
  // @ts-ignore: decorator
  @inline export const EDESTADDRREQ: i32 = 89;
  // @ts-ignore: decorator
  @inline export const EMSGSIZE: i32 = 90;
  // @ts-ignore: decorator
  @inline export const EPROTOTYPE: i32 = 91;
  // @ts-ignore: decorator
  @inline export const ENOPROTOOPT: i32 = 92;
  // @ts-ignore: decorator
  @inline export const EPROTONOSUPPORT: i32 = 93;
  // @ts-ignore: decorator
  @inline export const ESOCKTNOSUPPORT: i32 = 94;
  // @ts-ignore: decorator
  @inline export const EOPNOTSUPP: i32 = 95;
  // @ts-ignore: decorator
  @inline export const EAFNOSUPPORT: i32 = 97;
  // @ts-ignore: decorator
  @inline export const EADDRINUSE: i32 = 98;
  // @ts-ignore: decorator
  @inline export const EADDRNOTAVAIL: i32 = 99;
  // @ts-ignore: decorator
  @inline export const ENETUNREACH: i32 = 101;
  // @ts-ignore: decorator
  @inline export const ECONNABORTED: i32 = 103;
  // @ts-ignore: decorator
  @inline export const ECONNRESET: i32 = 104;
  // @ts-ignore: decorator
  @inline export const ENOBUFS: i32 = 105;
  // @ts-ignore: decorator
  @inline export const EISCONN: i32 = 106;
  // @ts-ignore: decorator
  @inline export const ENOTCONN: i32 = 107;
  // @ts-ignore: decorator
  @inline export const ETIMEDOUT: i32 = 110;
  // @ts-ignore: decorator
  @inline export const ECONNREFUSED: i32 = 111;
  // @ts-ignore: decorator
  @inline export const EALREADY: i32 = 114;
  // @ts-ignore: decorator
  @inline export const EINPROGRESS: i32 = 115;
}
