// Retransmission timeouts, one backoff for both handshake timers: the client's SYN
// (net/ipv4/tcp_timer.c tcp_retransmit_timer in SYN_SENT) and the listener's SYN-ACK
// (net/ipv4/inet_connection_sock.c reqsk_timer_handler). No RTT is measured here
// (nothing is lost in flight), so every RTO starts at TCP_TIMEOUT_INIT.

/** TCP_TIMEOUT_INIT (include/net/tcp.h): 1 s. */
export const TIMEOUT_INIT_US: i64 = 1000000;
/** TCP_RTO_MAX (include/net/tcp.h): 120 s. */
export const RTO_MAX_US: i64 = 120000000;

import { Tunable, tunable } from "../policy/tunables";

/**
 * TCP_TIMEOUT_INIT << backoff, capped at TCP_RTO_MAX (include/net/inet_connection_sock.h
 * inet_csk_rto_backoff: "min_t(u64, icsk->icsk_rto << icsk->icsk_backoff, max_when)").
 * 1 s << 7 is already past the cap, so a larger backoff never shifts: 1 s << 44 would
 * overflow i64 (the SYN-ACK timer did, before issue 10, with TCP_DEFER_ACCEPT high).
 */
export function backoffRto(backoff: u32): i64 {
  if (backoff >= 7) return RTO_MAX_US;
  let rto = TIMEOUT_INIT_US << <i64>backoff;
  return rto > RTO_MAX_US ? RTO_MAX_US : rto;
}

/**
 * Delay before the next SYN retransmission after `n` of them. tcp_retransmit_timer:
 * the backoff stays 0 (RTO = TCP_TIMEOUT_INIT) while icsk_retransmits <=
 * tcp_syn_linear_timeouts, then doubles, capped at TCP_RTO_MAX. Defaults (6 retries,
 * 4 linear) send retransmits at 1,2,3,4,5,7,11,19,35,67 s and fail at 131 s; with 0
 * linear at 1,3,7,15,31,63 s, failing at 127 s.
 */
export function synRto(n: u32): i64 {
  let linear = <u32>tunable(Tunable.TcpSynLinearTimeouts);
  return n <= linear ? TIMEOUT_INIT_US : backoffRto(n - linear);
}

/**
 * Delay before the next SYN-ACK timer after `n` retransmissions (n counted already):
 * reqsk_timer_handler "req->num_timeout++; timeo = min_t(unsigned long,
 * (unsigned long)TCP_TIMEOUT_INIT << req->num_timeout, TCP_RTO_MAX);" -- 2, 4, 8 ... s,
 * then 120 s for as long as TCP_DEFER_ACCEPT keeps the request.
 */
export function synackRto(n: u32): i64 { return backoffRto(n); }
