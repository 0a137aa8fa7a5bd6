// Socket API constants with their Linux values (include/linux/socket.h,
// include/linux/net.h, include/uapi/asm-generic/socket.h, fcntl.h).

export const AF_UNIX: i32 = 1;
export const AF_INET: i32 = 2;
export const AF_INET6: i32 = 10;
/** Linux NPROTO: families at or above it give EAFNOSUPPORT (include/linux/socket.h AF_MAX). */
export const AF_MAX: i32 = 46;

export const SOCK_STREAM: i32 = 1;
export const SOCK_DGRAM: i32 = 2;
export const SOCK_RAW: i32 = 3;
export const SOCK_SEQPACKET: i32 = 5;
/** include/linux/net.h SOCK_MAX: __sock_create rejects type >= SOCK_MAX with EINVAL. */
export const SOCK_MAX: i32 = 11;
export const SOCK_TYPE_MASK: i32 = 0xf;
export const SOCK_NONBLOCK: i32 = 0o4000;
export const SOCK_CLOEXEC: i32 = 0o2000000;

export const IPPROTO_TCP: i32 = 6;
export const IPPROTO_UDP: i32 = 17;

export const SOL_SOCKET: i32 = 1;
export const SO_REUSEADDR: i32 = 2;
export const SO_TYPE: i32 = 3;
export const SO_ERROR: i32 = 4;
export const SO_REUSEPORT: i32 = 15;
/** FreeBSD sys/sys/socket.h: SO_REUSEPORT_LB 0x00010000 (the FreeBSD personality only). */
export const SO_REUSEPORT_LB: i32 = 0x10000;
export const SO_SNDBUF: i32 = 7;
export const SO_RCVBUF: i32 = 8;
export const SO_LINGER: i32 = 13;
export const SO_ACCEPTCONN: i32 = 30;
export const SO_PROTOCOL: i32 = 38;
export const SO_DOMAIN: i32 = 39;
export const IPPROTO_IPV6: i32 = 41;
export const IPV6_V6ONLY: i32 = 26;

export const SHUT_RD: i32 = 0;
export const SHUT_WR: i32 = 1;
export const SHUT_RDWR: i32 = 2;

export const F_GETFD: i32 = 1;
export const F_SETFD: i32 = 2;
export const F_GETFL: i32 = 3;
export const F_SETFL: i32 = 4;
export const FD_CLOEXEC: i32 = 1;
export const O_RDWR: i32 = 2;
export const O_NONBLOCK: i32 = 0o4000;

export const MSG_PEEK: i32 = 2;
export const MSG_DONTWAIT: i32 = 0x40;

/** sizeof(struct sockaddr_in), sockaddr_in6, sockaddr_un on Linux. */
export const SOCKADDR_IN_LEN: i32 = 16;
export const SOCKADDR_IN6_LEN: i32 = 28;
export const UNIX_PATH_MAX: i32 = 108;
