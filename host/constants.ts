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
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const IPV6_V6ONLY = 26;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

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
  'ConnectTimedOut', 'UnixRefusedFull',
] as const;
export type StatName = (typeof STAT_NAMES)[number];

/** Tunables in the order of the kernel's Tunable enum (assembly/personality.ts). */
export const TUNABLES = [
  'somaxconn', 'tcpMaxSynBacklog', 'tcpSyncookies', 'tcpSynRetries', 'tcpSynackRetries',
  'tcpSynLinearTimeouts', 'tcpAbortOnOverflow', 'ipLocalPortRangeLow', 'ipLocalPortRangeHigh',
  'ipUnprivilegedPortStart', 'maxFds', 'privileged', 'linkDelayUs',
] as const;
