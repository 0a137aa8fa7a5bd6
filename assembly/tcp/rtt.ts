// The RTT estimate of a connection (RFC 6298; Linux tcp_rtt_estimator in
// net/ipv4/tcp_input.c, FreeBSD tcp_xmit_timer in sys/netinet/tcp_input.c) and the
// data RTO it gives (policy/personality.ts dataRtoUs, one rule per personality).
//
// Samples come from the handshake only, the one exchange this kernel models as packets
// both ways (data is acknowledged without packets: docs/network.md section 2). The
// client times its SYN until the SYN-ACK (Linux tcp_rcv_synsent_state_process ->
// tcp_ack -> tcp_clean_rtx_queue -> tcp_ack_update_rtt), the server its SYN-ACK until
// the final ACK (tcp_synack_rtt_meas: "if (req && !req->num_retrans &&
// tcp_rsk(req)->snt_synack) rtt_us = tcp_stamp_us_delta(tcp_clock_us(),
// tcp_rsk(req)->snt_synack);"). Karn's rule (RFC 6298 3): a handshake segment sent more
// than once gives no sample (there is no timestamp option here, which lets a real stack
// time a retransmission by its echo). Without a sample the RTO falls back (dataRtoUs):
// so does a syncookie's child, which had no request to time (Linux cookie_tcp_reqsk_init
// "treq->snt_synack = 0;").
//
// The two values live in the socket record (core/socket.ts srtt, rttvar, µs); during
// the handshake the same words hold its send time (Off.SENT_AT).

import { Flag2, Off, getU32, getU8, setU32 } from "../core/socket";
import { dataRtoUs } from "../policy/personality";
import { nowUs } from "../storage/timer_heap";

/** Largest sample kept (µs): any RTT above TCP_RTO_MAX gives the largest RTO anyway. */
const SAMPLE_MAX: i64 = 1 << 31;

/** A handshake segment leaves now: the start of the sample (Linux snt_synack; the SYN's skb timestamp). */
export function rttStart(s: u32): void {
  setU32(s, Off.SENT_AT, <u32>nowUs());
}

/**
 * The handshake of s completes now. `once`: its SYN or SYN-ACK was sent only once, so
 * the time since rttStart is a sample (Karn); otherwise s has none (srtt 0).
 */
export function rttEstablished(s: u32, once: bool): void {
  let sent = getU32(s, Off.SENT_AT);
  setU32(s, Off.SRTT, 0);
  setU32(s, Off.RTTVAR, 0);
  if (once) rttSample(s, <i64>(<u32>nowUs() - sent));   // u32 arithmetic: wraps like the stamp
}

/**
 * One RTT sample r (µs), RFC 6298 2.2 and 2.3: the first sets SRTT = R, RTTVAR = R/2;
 * later ones RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R.
 * (Linux keeps RTTVAR as the largest deviation over each window of data, mdev_max_us;
 * with samples from the handshake alone there is never a second one per connection.)
 */
export function rttSample(s: u32, r: i64): void {
  let m = r < 1 ? <i64>1 : r > SAMPLE_MAX ? SAMPLE_MAX : r;    // Linux: "tp->srtt_us = max(1U, srtt)"
  let srtt = <i64>getU32(s, Off.SRTT);
  if (srtt == 0) {
    setU32(s, Off.SRTT, <u32>m);
    setU32(s, Off.RTTVAR, <u32>(m >> 1));
    return;
  }
  let rttvar = <i64>getU32(s, Off.RTTVAR);
  let err = srtt > m ? srtt - m : m - srtt;
  setU32(s, Off.RTTVAR, <u32>(rttvar - (rttvar >> 2) + (err >> 2)));
  setU32(s, Off.SRTT, <u32>(srtt - (srtt >> 3) + (m >> 3)));
}

/** The RTO of s before the (n+1)th transmission of a segment (n retransmissions so far). */
export function rtoOf(s: u32, n: u32): i64 {
  return dataRtoUs(getU32(s, Off.SRTT), getU32(s, Off.RTTVAR), n);
}

/** Whether a request's SYN-ACK went once only: no timer resend (RETRIES) and no duplicate SYN's. */
export function synackOnce(r: u32): bool {
  return getU8(r, Off.RETRIES) == 0 && (getU8(r, Off.FLAGS2) & Flag2.SYNACK_AGAIN) == 0;
}
