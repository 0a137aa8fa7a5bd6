// The socket table: fixed 88-byte records in one contiguous array of linear memory,
// so a socket's address is base + slot * 80 (one multiply-add; an earlier layout in
// 1024-slot chunks cost a dependent load on every field access, 17-19 % of the
// handshake cycle measured side by side). The array doubles when full (one copy,
// amortised O(1) per socket); nothing outside this file keeps a record's address
// across a call that can allocate a socket.
//
// A socket is named by its slot number (u32). Links between sockets store slot+1 so
// that 0 means "none". The generation counter changes each time a slot is reused, so
// an event or a packet that names (slot, gen) can tell that its socket has gone.
//
// The record is SockRecord below; Off names each field's byte offset, taken from the
// class by offsetof, for the field accessors (getU8/getU32 ... , hasFlag) that the rest
// of the kernel uses.

/** One socket (88 bytes; byte offsets on the left). */
// @ts-ignore: decorator
@unmanaged export class SockRecord {
  /*  0 */ state: u8;     // SocketState (the only writer is core/state.ts setState)
  /*  1 */ sslayer: u8;   // SockLayer: SS_UNCONNECTED / SS_CONNECTING / SS_CONNECTED ... (setSockLayer)
  /*  2 */ domain: u8;    // AF_UNIX / AF_INET / AF_INET6 (EPOLL_DOMAIN for an epoll instance)
  /*  3 */ type: u8;      // SOCK_STREAM / SOCK_DGRAM / SOCK_SEQPACKET
  /*  4 */ flags: u16;    // Flag.* below
  /*  6 */ protocol: u8;  // IPPROTO_TCP / IPPROTO_UDP / 0
  /*  7 */ soError: u8;   // pending SO_ERROR (a positive errno), read once then cleared
  /*  8 */ gen: u32;      // generation, bumped on free
  /* 12 */ fd: i32;       // descriptor naming this socket, or -1 (queued, not accepted, or an orphan)
  /* 16 */ laddr: u16;    // local address index (tables/addresses.ts), inet only
  /* 18 */ lport: u16;    // local port, host order
  /* 20 */ paddr: u16;    // peer address index
  /* 22 */ pport: u16;    // peer port
  /* 24 */ bnext: u32;    // next socket in the port's bind list (slot+1); free-list link when FREE;
                         // AF_UNIX: first socket waiting for room in this one's queue, Off.PEER_WAIT
  /* 28 */ bprev: u32;    // previous socket in the bind list (slot+1);
                         // AF_UNIX: the socket whose queue this one waits on (slot+1), Off.WAIT_ON
  /* 32 */ parent: u32;   // listener slot+1 (a request or a queued child)
  /* 36 */ aux: u32;      // LISTEN: listener record index+1; connected: peer slot+1; epoll: instance+1
  /* 40 */ peerGen: u32;  // generation of the peer
  /* 44 */ qnext: u32;    // next on a listener list, SYN queue or filter queue (slot+1);
                         // AF_UNIX: next on the peer-wait list it is on (io/peer_wait.ts)
  /* 48 */ qprev: u32;    // previous on it (slot+1)
  /* 52 */ timer: u32;    // seq of the armed retransmit or close timer, 0 when none
  /* 56 */ retries: u8;   // SYN or SYN-ACK retransmissions so far
  /* 57 */ defer: u8;     // TCP_DEFER_ACCEPT, as a count of SYN-ACK retransmits (secs_to_retrans)
  /* 58 */ flags2: u8;    // Flag2.* below
  /* 59 */ linger: u8;    // SO_LINGER l_linger in seconds (at most 255 kept; only 0 changes close())
  /* 60 */ uname: u32;    // AF_UNIX: local name id+1 (tables/unix_names.ts);
                         // AF_INET/AF_INET6/epoll: its host (core/hosts.ts), Off.HOST; 0 the default host
  /* 64 */ rx: u32;       // receive queue block (io/rx_queue.ts), 0 when nothing is queued
  /* 68 */ watch: u32;    // first epoll item watching this socket (io/epoll.ts)+1, 0 when none
  /* 72 */ sndbuf: u32;   // SO_SNDBUF in bytes, 0 for the default of the socket's kind
  /* 76 */ rcvbuf: u32;   // SO_RCVBUF in bytes, 0 for the default
  // The RTT estimate (RFC 6298, tcp/rtt.ts), in microseconds. Before the connection is
  // established the two words serve the handshake instead: SYN_SENT and SYN_RECEIVED
  // keep when the SYN / SYN-ACK was first sent in srtt's word (Off.SENT_AT); in rttvar's,
  // a connecting socket names its request (Off.REQUEST) and a request keeps when a
  // duplicate SYN last drew its SYN-ACK (Off.OOW_AT).
  /* 80 */ srtt: u32;     // smoothed RTT, 0 when there was no sample (Linux srtt_us == 0)
  /* 84 */ rttvar: u32;   // RTT variation
}

// @ts-ignore: decorator
@inline export const SOCK_SIZE: u32 = offsetof<SockRecord>();
// sockAlloc clears a record with eleven u64 stores: the layout must stay 88 bytes.
// @ts-ignore: ERROR is a compile-time builtin
if (offsetof<SockRecord>() != 88 || offsetof<SockRecord>("rttvar") != 84) ERROR("SockRecord must be 88 bytes, rttvar at 84");
const MIN_CAPACITY: u32 = 1024;
// At most 12 M sockets (960 MiB of records): one allocation of AssemblyScript's TLSF
// may not exceed 1 GiB (BLOCK_MAXSIZE), and the last doubling stops here.
const MAX_SOCKETS: u32 = 12 << 20;

export const NONE: u32 = 0xffffffff;

/** Byte offsets of SockRecord's fields. */
export namespace Off {
  // @ts-ignore: decorator
  @inline export const STATE: u32 = offsetof<SockRecord>("state");
  // @ts-ignore: decorator
  @inline export const SSLAYER: u32 = offsetof<SockRecord>("sslayer");
  // @ts-ignore: decorator
  @inline export const DOMAIN: u32 = offsetof<SockRecord>("domain");
  // @ts-ignore: decorator
  @inline export const TYPE: u32 = offsetof<SockRecord>("type");
  // @ts-ignore: decorator
  @inline export const FLAGS: u32 = offsetof<SockRecord>("flags");
  // @ts-ignore: decorator
  @inline export const PROTOCOL: u32 = offsetof<SockRecord>("protocol");
  // @ts-ignore: decorator
  @inline export const SOERROR: u32 = offsetof<SockRecord>("soError");
  // @ts-ignore: decorator
  @inline export const GEN: u32 = offsetof<SockRecord>("gen");
  // @ts-ignore: decorator
  @inline export const FD: u32 = offsetof<SockRecord>("fd");
  // @ts-ignore: decorator
  @inline export const LADDR: u32 = offsetof<SockRecord>("laddr");
  // @ts-ignore: decorator
  @inline export const LPORT: u32 = offsetof<SockRecord>("lport");
  // @ts-ignore: decorator
  @inline export const PADDR: u32 = offsetof<SockRecord>("paddr");
  // @ts-ignore: decorator
  @inline export const PPORT: u32 = offsetof<SockRecord>("pport");
  // @ts-ignore: decorator
  @inline export const BNEXT: u32 = offsetof<SockRecord>("bnext");
  // @ts-ignore: decorator
  @inline export const BPREV: u32 = offsetof<SockRecord>("bprev");
  // @ts-ignore: decorator
  @inline export const PARENT: u32 = offsetof<SockRecord>("parent");
  // @ts-ignore: decorator
  @inline export const AUX: u32 = offsetof<SockRecord>("aux");
  // @ts-ignore: decorator
  @inline export const PEERGEN: u32 = offsetof<SockRecord>("peerGen");
  // @ts-ignore: decorator
  @inline export const QNEXT: u32 = offsetof<SockRecord>("qnext");
  // @ts-ignore: decorator
  @inline export const QPREV: u32 = offsetof<SockRecord>("qprev");
  // @ts-ignore: decorator
  @inline export const TIMER: u32 = offsetof<SockRecord>("timer");
  // @ts-ignore: decorator
  @inline export const RETRIES: u32 = offsetof<SockRecord>("retries");
  // @ts-ignore: decorator
  @inline export const DEFER: u32 = offsetof<SockRecord>("defer");
  // @ts-ignore: decorator
  @inline export const FLAGS2: u32 = offsetof<SockRecord>("flags2");
  // @ts-ignore: decorator
  @inline export const LINGER: u32 = offsetof<SockRecord>("linger");
  // @ts-ignore: decorator
  @inline export const UNAME: u32 = offsetof<SockRecord>("uname");
  /** AF_INET/AF_INET6 and epoll sockets: the host (core/hosts.ts) it belongs to, in uname's word (only AF_UNIX uses that). */
  // @ts-ignore: decorator
  @inline export const HOST: u32 = offsetof<SockRecord>("uname");
  /**
   * AF_UNIX sockets (never on a bind list): the first socket waiting for room in this
   * one's queue, in bnext's word (Linux unix_sk(sk)->peer_wait; io/peer_wait.ts).
   */
  // @ts-ignore: decorator
  @inline export const PEER_WAIT: u32 = offsetof<SockRecord>("bnext");
  /** AF_UNIX: the socket this one waits on (slot+1), in bprev's word (Linux u->peer_wake.private). */
  // @ts-ignore: decorator
  @inline export const WAIT_ON: u32 = offsetof<SockRecord>("bprev");
  /** AF_UNIX (never on a listener list, SYN queue or filter queue): links on a peer-wait list, next here, prev at + 4. */
  // @ts-ignore: decorator
  @inline export const WAIT_LINK: u32 = offsetof<SockRecord>("qnext");
  /**
   * A cookie client (Flag2.COOKIE): its send queue block (io/send_queue.ts), 0 when empty,
   * and the period its cookie encodes (tcp/client.ts), in qnext's and qprev's words (a
   * connecting or connected client is on no listener list).
   */
  // @ts-ignore: decorator
  @inline export const SENDQ: u32 = offsetof<SockRecord>("qnext");
  // @ts-ignore: decorator
  @inline export const COOKIE_AGE: u32 = offsetof<SockRecord>("qprev");
  // @ts-ignore: decorator
  @inline export const RX: u32 = offsetof<SockRecord>("rx");
  // @ts-ignore: decorator
  @inline export const WATCH: u32 = offsetof<SockRecord>("watch");
  // @ts-ignore: decorator
  @inline export const SNDBUF: u32 = offsetof<SockRecord>("sndbuf");
  // @ts-ignore: decorator
  @inline export const RCVBUF: u32 = offsetof<SockRecord>("rcvbuf");
  // @ts-ignore: decorator
  @inline export const SRTT: u32 = offsetof<SockRecord>("srtt");
  // @ts-ignore: decorator
  @inline export const RTTVAR: u32 = offsetof<SockRecord>("rttvar");
  /** SYN_SENT, SYN_RECEIVED: when the first SYN / SYN-ACK left (µs, low 32 bits; Linux snt_synack), in srtt's word. */
  // @ts-ignore: decorator
  @inline export const SENT_AT: u32 = offsetof<SockRecord>("srtt");
  /** SYN_RECEIVED: when a duplicate SYN last drew a SYN-ACK (Linux last_oow_ack_time; 0: never), in rttvar's word. */
  // @ts-ignore: decorator
  @inline export const OOW_AT: u32 = offsetof<SockRecord>("rttvar");
  /**
   * SYN_SENT: the request its SYN made on the server (slot+1, 0: none), in rttvar's word,
   * so a retransmitted SYN finds its request in O(1): the 4-tuple lookup of Linux's
   * established hash, which holds requests too (tcp/listener.ts requestOf).
   */
  // @ts-ignore: decorator
  @inline export const REQUEST: u32 = offsetof<SockRecord>("rttvar");
}

/** Bits of the flags field. */
export namespace Flag {
  // @ts-ignore: decorator
  @inline export const NONBLOCK: u32 = 1 << 0;
  // @ts-ignore: decorator
  @inline export const CLOEXEC: u32 = 1 << 1;
  // @ts-ignore: decorator
  @inline export const REUSEADDR: u32 = 1 << 2;
  // @ts-ignore: decorator
  @inline export const REUSEPORT: u32 = 1 << 3;
  // @ts-ignore: decorator
  @inline export const V6ONLY: u32 = 1 << 4;
  /** The port was chosen by bind(), not by an autobind (Linux SOCK_BINDPORT_LOCK). */
  // @ts-ignore: decorator
  @inline export const BINDLOCK: u32 = 1 << 5;
  /**
   * On a port's bind list (bnext/bprev valid): the socket owns lport (Linux inet_num != 0).
   * lport itself survives an unhash, as Linux keeps inet_sport for getsockname.
   */
  // @ts-ignore: decorator
  @inline export const HASHED: u32 = 1 << 6;
  /** Bound by connect()'s autobind (Linux bind bucket fastreuse == -1). */
  // @ts-ignore: decorator
  @inline export const CONNBOUND: u32 = 1 << 7;
  /** In the 4-tuple table (tables/tuples.ts). */
  // @ts-ignore: decorator
  @inline export const TUPLED: u32 = 1 << 8;
  /** RCV_SHUTDOWN. */
  // @ts-ignore: decorator
  @inline export const RCV_SHUT: u32 = 1 << 9;
  /** SEND_SHUTDOWN. */
  // @ts-ignore: decorator
  @inline export const SEND_SHUT: u32 = 1 << 10;
  /** A SYN-queue request whose final ACK was dropped on overflow (Linux inet_rsk(req)->acked). */
  // @ts-ignore: decorator
  @inline export const ACKED: u32 = 1 << 11;
  /** bind() gave a specific address (Linux SOCK_BINDADDR_LOCK): disconnect keeps it. */
  // @ts-ignore: decorator
  @inline export const ADDRLOCK: u32 = 1 << 13;
  /** Has ever been connected (recv on a CLOSED socket gives EOF, not ENOTCONN). */
  // @ts-ignore: decorator
  @inline export const WASCONN: u32 = 1 << 12;
  /** SO_LINGER on with a zero timeout: close() resets instead of sending a FIN. */
  // @ts-ignore: decorator
  @inline export const LINGER0: u32 = 1 << 14;
  /** The user has closed it: an orphan finishing its FIN handshake or in TIME_WAIT. */
  // @ts-ignore: decorator
  @inline export const ORPHAN: u32 = 1 << 15;
}

/** Bits of the flags2 byte. */
export namespace Flag2 {
  /** Waiting in its listener's accept-filter queue (FreeBSD sol_incomp). */
  // @ts-ignore: decorator
  @inline export const FILTERED: u32 = 1 << 0;
  /** A FIN was received (Linux SOCK_DONE): recv() says end of file before any pending error. */
  // @ts-ignore: decorator
  @inline export const DONE: u32 = 1 << 1;
  /** SO_LINGER l_onoff. */
  // @ts-ignore: decorator
  @inline export const LINGER: u32 = 1 << 2;
  /**
   * A client made ESTABLISHED by a syncookie SYN-ACK whose ACK no server socket has taken
   * yet: PARENT names the listener (+1), PEERGEN its generation, AUX is 0 (no peer). Its
   * next segment (data or FIN) carries the ACK again (docs/network.md R4).
   */
  // @ts-ignore: decorator
  @inline export const COOKIE: u32 = 1 << 3;
  /** FreeBSD SO_REUSEPORT_LB: a load-balancing group of listeners on one address and port. */
  // @ts-ignore: decorator
  @inline export const REUSEPORT_LB: u32 = 1 << 4;
  /** SYN_RECEIVED: a duplicate SYN drew the SYN-ACK again, so the final ACK gives no RTT sample (Karn; tcp/rtt.ts). */
  // @ts-ignore: decorator
  @inline export const SYNACK_AGAIN: u32 = 1 << 5;
}

let base: usize = 0;        // the records
let capacity: u32 = 0;      // slots allocated at base
let freeHead: u32 = 0;      // slot+1 of the first free slot
let highWater: u32 = 0;     // slots ever handed out
let live: u32 = 0;

export function socketsInit(): void {
  if (base != 0) heap.free(base);
  base = 0; capacity = 0; freeHead = 0; highWater = 0; live = 0;
}

// @ts-ignore: decorator
@inline export function sockPtr(s: u32): usize {
  return base + <usize>s * SOCK_SIZE;
}

/** Takes a slot from the free list (or a new one); NONE when memory is exhausted. */
export function sockAlloc(): u32 {
  let s: u32;
  if (freeHead != 0) {
    s = freeHead - 1;
    freeHead = load<u32>(sockPtr(s), Off.BNEXT);
  } else {
    s = highWater;
    if (s >= capacity) {
      if (capacity >= MAX_SOCKETS) return NONE;
      let ncap = capacity == 0 ? MIN_CAPACITY : min(capacity << 1, MAX_SOCKETS);
      base = base == 0 ? heap.alloc(<usize>ncap * SOCK_SIZE) : heap.realloc(base, <usize>ncap * SOCK_SIZE);
      capacity = ncap;
    }
    highWater++;
    store<u32>(sockPtr(s), 0, Off.GEN);
  }
  let p = sockPtr(s);
  // Cleared with eleven stores rather than memory.fill, which V8 runs as a call out of
  // the wasm code. gen (8) and fd (12) share the second word.
  store<u64>(p, 0, 0);
  store<u64>(p, (<u64>0xffffffff << 32) | <u64>load<u32>(p, Off.GEN), 8);
  store<u64>(p, 0, 16); store<u64>(p, 0, 24); store<u64>(p, 0, 32); store<u64>(p, 0, 40);
  store<u64>(p, 0, 48); store<u64>(p, 0, 56); store<u64>(p, 0, 64); store<u64>(p, 0, 72);
  store<u64>(p, 0, 80);
  live++;
  return s;
}

/** Returns a slot to the free list; its generation changes so stale references fail. */
export function sockFree(s: u32): void {
  let p = sockPtr(s);
  assert(load<u8>(p, Off.STATE) == 0, "sockFree: state must be FREE");
  store<u32>(p, load<u32>(p, Off.GEN) + 1, Off.GEN);
  store<u32>(p, freeHead, Off.BNEXT);
  freeHead = s + 1;
  live--;
}

export function socketsLive(): u32 { return live; }
export function socketsHighWater(): u32 { return highWater; }
export function socketsBytes(): usize { return <usize>capacity * SOCK_SIZE; }

// ---- field access -------------------------------------------------------

// @ts-ignore: decorator
@inline export function getU8(s: u32, off: u32): u32 { return load<u8>(sockPtr(s) + off); }
// @ts-ignore: decorator
@inline export function setU8(s: u32, off: u32, v: u32): void { store<u8>(sockPtr(s) + off, <u8>v); }
// @ts-ignore: decorator
@inline export function getU16(s: u32, off: u32): u32 { return load<u16>(sockPtr(s) + off); }
// @ts-ignore: decorator
@inline export function setU16(s: u32, off: u32, v: u32): void { store<u16>(sockPtr(s) + off, <u16>v); }
// @ts-ignore: decorator
@inline export function getU32(s: u32, off: u32): u32 { return load<u32>(sockPtr(s) + off); }
// @ts-ignore: decorator
@inline export function setU32(s: u32, off: u32, v: u32): void { store<u32>(sockPtr(s) + off, v); }

// @ts-ignore: decorator
@inline export function hasFlag(s: u32, f: u32): bool { return (load<u16>(sockPtr(s) + Off.FLAGS) & f) != 0; }
// @ts-ignore: decorator
@inline export function setFlag(s: u32, f: u32): void { let p = sockPtr(s) + Off.FLAGS; store<u16>(p, load<u16>(p) | f); }
// @ts-ignore: decorator
@inline export function clearFlag(s: u32, f: u32): void { let p = sockPtr(s) + Off.FLAGS; store<u16>(p, load<u16>(p) & ~f); }

// @ts-ignore: decorator
@inline export function getGen(s: u32): u32 { return load<u32>(sockPtr(s), Off.GEN); }
// @ts-ignore: decorator
@inline export function isAlive(s: u32, gen: u32): bool {
  return s < highWater && load<u32>(sockPtr(s), Off.GEN) == gen && load<u8>(sockPtr(s), Off.STATE) != 0;
}

/** sock_error(): takes the pending SO_ERROR, 0 if none. */
export function takeError(s: u32): i32 {
  let e = <i32>getU8(s, Off.SOERROR);
  setU8(s, Off.SOERROR, 0);
  return e;
}
