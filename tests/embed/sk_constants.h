/* The constants tests/embed/embed.c needs, named as build/socket_kernel.h names them
 * (SK_...). A stand-in until that generated header is on this branch: the values are
 * Linux's, as docs/abi.md and host/constants.ts list them. */
#ifndef SK_CONSTANTS_H
#define SK_CONSTANTS_H

#define SK_PERSONALITY_LINUX 0
#define SK_PERSONALITY_FREEBSD 1
#define SK_PERSONALITY_POSIX 2

#define SK_AF_INET 2
#define SK_SOCK_STREAM 1
#define SK_SOCK_NONBLOCK 04000
#define SK_SOL_SOCKET 1
#define SK_SO_ACCEPTCONN 30
#define SK_SO_RCVBUF 8
#define SK_SO_LINGER 13
#define SK_IPPROTO_TCP 6
#define SK_TCP_DEFER_ACCEPT 9

#define SK_EBADF 9
#define SK_EAGAIN 11
#define SK_EFAULT 14
#define SK_EINVAL 22
#define SK_ENOTSOCK 88
#define SK_ENOPROTOOPT 92
#define SK_EOPNOTSUPP 95
#define SK_EAFNOSUPPORT 97
#define SK_EADDRINUSE 98
#define SK_EINPROGRESS 115

#define SK_STAT_LISTEN_OVERFLOWS 0
#define SK_STAT_LISTEN_DROPS 1

/* sk_sock_row: a LISTEN row's accept queue length and backlog (docs/abi.md). */
#define SK_ROW_ACCEPT_QUEUE 8
#define SK_ROW_BACKLOG 12

#endif
