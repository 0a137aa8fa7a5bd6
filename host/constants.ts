// Constants with their C names and Linux values, as the kernel's ABI takes them.

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_REUSEPORT = 15;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_LINGER = 13;
/** FreeBSD: struct accept_filter_arg (16-byte name, 240-byte argument). */
export const SO_ACCEPTFILTER = 0x1000;
export const TCP_DEFER_ACCEPT = 9;
/** ms transmitted data may stay unacknowledged (and a connect() may try) before ETIMEDOUT; 0 off (tcp(7)). */
export const TCP_USER_TIMEOUT = 18;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const IPV6_V6ONLY = 26;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLWRNORM = 0x100;
export const POLLRDHUP = 0x2000;

export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = -0x80000000; // 1 << 31, as a signed int
/**
 * socket-kernel's own epoll bit (Linux has none): reported, when asked for, while the
 * socket waits for room in no AF_UNIX peer's queue. An AF_UNIX connect() refused with
 * EAGAIN by a full listener waits on its queue until an accept, the listener's close or
 * a larger backlog (assembly/io/peer_wait.ts); connectAsync waits for this bit.
 */
export const EPOLLPEER = 1 << 24;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLL_CLOEXEC = 0o2000000;

export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
export const O_NONBLOCK = 0o4000;

/** TCP states as the kernel reports them (assembly/state.ts). */
export const SOCKET_STATES = [
  'FREE', 'UNBOUND', 'BOUND', 'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED',
  'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
] as const;
export type SocketStateName = (typeof SOCKET_STATES)[number];

/** Counter names in the order of the kernel's Stat enum (assembly/stats.ts). */
export const STAT_NAMES = [
  'ListenOverflows', 'ListenDrops', 'TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'SyncookiesSent',
  'SyncookiesRecv', 'EmbryonicRsts', 'TCPSynRetrans', 'TCPTimeouts', 'ActiveOpens', 'PassiveOpens',
  'AttemptFails', 'EstabResets', 'OutRsts', 'ReqDropped', 'AcceptQueueResets', 'ConnectRefused',
  'ConnectTimedOut', 'UnixRefusedFull', 'TCPAbortOnClose', 'TCPAbortOnData', 'TCPTimeWaitOverflow',
  'UdpNoPorts', 'UdpRcvbufErrors', 'TCPDeferAcceptDrop', 'AcceptFilterDrops',
  'TCPAbortOnTimeout', 'SyncookiesFailed', 'CookieAckResends', 'TWRecycled', 'TCPAckSkippedSynRecv',
] as const;
export type StatName = (typeof STAT_NAMES)[number];
