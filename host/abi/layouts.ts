// Memory layouts the host reads and writes, as docs/abi.md draws them. Offsets in
// bytes, little-endian unless said.

/** Room the host gives a sockaddr it reads back (the largest, sockaddr_un, is 110). */
export const SOCKADDR_ROOM = 112;

/** Where calls that return an address put it in the scratch area: the address, then its i32 length. */
export const ADDR_OUT = 0;
export const ADDR_LEN_OUT = 128;

/** struct linger { i32 l_onoff; i32 l_linger; } */
export const LINGER_SIZE = 8;
/** FreeBSD struct accept_filter_arg { char af_name[16]; char af_arg[240]; } */
export const ACCEPT_FILTER_ARG_SIZE = 256;
export const ACCEPT_FILTER_NAME_MAX = 15;

/** struct pollfd { i32 fd; i16 events; i16 revents; } */
export const POLLFD = { size: 8, fd: 0, events: 4, revents: 6 } as const;

/** struct epoll_event, packed as on x86-64: { u32 events; u64 data; } */
export const EPOLL_EVENT = { size: 12, events: 0, data: 4 } as const;

/** recvfrom: the data after the address and its length in one I/O buffer. */
export const RECVFROM = { addr: 0, lenPtr: 112, data: 128 } as const;

/** One row of the socket table, written by sk_sock_row into the scratch area (256 bytes). */
export const SOCK_ROW = {
  fd: 0, state: 4, domain: 5, type: 6, recvQ: 8, sendQ: 12, synRecv: 16, drops: 20,
  localLen: 24, peerLen: 28, local: 32, peer: 144, size: 256,
} as const;

/** sk_mem(what): the ids, in order, as memoryUsage() names them. */
export const MEM_FIELDS = [
  'total', 'sockets', 'fdTable', 'ports', 'tuples', 'listeners', 'timers', 'liveSockets', 'fds',
  'pendingEvents', 'timeWait', 'queuedBytes', 'hosts', 'hostPorts', 'network',
] as const;
export type MemField = (typeof MEM_FIELDS)[number];
