// tcp/rto.ts: one backoff for the SYN and the SYN-ACK schedules, capped at TCP_RTO_MAX
// for every retransmit count (issue 10: the SYN-ACK timer once computed 1 s << 44,
// which wraps i64 and scheduled an event in the past).
import { Personality, setDefaults } from "../policy/personality";
import { RTO_MAX_US, TIMEOUT_INIT_US, backoffRto, synRto, synackRto } from "../tcp/rto";

/** Counts backoffs 0..255 whose RTO is not within [1 s, 120 s] or falls below the previous one. */
function outOfRange(rto: (n: u32) => i64): i32 {
  let wrong = 0;
  let prev: i64 = 0;
  for (let n: u32 = 0; n <= 255; n++) {
    let r = rto(n);
    if (r < TIMEOUT_INIT_US || r > RTO_MAX_US || r < prev) wrong++;
    prev = r;
  }
  return wrong;
}

describe("backoffRto", () => {
  it("doubles from TCP_TIMEOUT_INIT and stops at TCP_RTO_MAX", () => {
    expect(backoffRto(0)).toBe(1000000);
    expect(backoffRto(1)).toBe(2000000);
    expect(backoffRto(6)).toBe(64000000);
    expect(backoffRto(7)).toBe(RTO_MAX_US);
  });
  it("stays at TCP_RTO_MAX for backoffs that would overflow a shift (44, 64, 255)", () => {
    expect(backoffRto(44)).toBe(RTO_MAX_US);
    expect(backoffRto(64)).toBe(RTO_MAX_US);
    expect(backoffRto(255)).toBe(RTO_MAX_US);
    expect(backoffRto(0xffffffff)).toBe(RTO_MAX_US);
  });
});

describe("SYN and SYN-ACK schedules", () => {
  beforeEach(() => { setDefaults(Personality.Linux); });
  it("SYN: four linear timeouts of 1 s, then 2, 4, 8 ... s (tcp_syn_linear_timeouts 4)", () => {
    expect(synRto(4)).toBe(1000000);
    expect(synRto(5)).toBe(2000000);
    expect(synRto(6)).toBe(4000000);
  });
  it("SYN-ACK: 2, 4, 8 ... s after each retransmit, 120 s from the 7th", () => {
    expect(synackRto(1)).toBe(2000000);
    expect(synackRto(5)).toBe(32000000);
    expect(synackRto(7)).toBe(RTO_MAX_US);
  });
  it("never leaves [1 s, 120 s] and never decreases, for any count a u8 can hold", () => {
    expect(outOfRange(synRto)).toBe(0);
    expect(outOfRange(synackRto)).toBe(0);
  });
});

// tcp/rtt.ts and policy/personality.ts dataRtoUs: the data RTO from the RTT estimate
// (docs/network.md R5).
import { Off, getU32, sockAlloc, socketsInit } from "../core/socket";
import { rttSample, rtoOf } from "../tcp/rtt";
import { dataRtoUs } from "../policy/personality";

describe("rttSample (RFC 6298 2.2, 2.3)", () => {
  beforeEach(() => { socketsInit(); setDefaults(Personality.Linux); });

  it("takes the first sample as SRTT = R, RTTVAR = R/2", () => {
    let s = sockAlloc();
    rttSample(s, 300000);
    expect(getU32(s, Off.SRTT)).toBe(300000);
    expect(getU32(s, Off.RTTVAR)).toBe(150000);
  });
  it("smooths later ones: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| first, then SRTT = 7/8 SRTT + 1/8 R", () => {
    let s = sockAlloc();
    rttSample(s, 80000);                 // SRTT 80 ms, RTTVAR 40 ms
    rttSample(s, 160000);                // |80 - 160| = 80: RTTVAR 30 + 20 = 50 ms; SRTT 70 + 20 = 90 ms
    expect(getU32(s, Off.RTTVAR)).toBe(50000);
    expect(getU32(s, Off.SRTT)).toBe(90000);
  });
  it("keeps a 0 µs sample as 1 µs, so that 0 still means no sample (Linux max(1U, srtt))", () => {
    let s = sockAlloc();
    rttSample(s, 0);
    expect(getU32(s, Off.SRTT)).toBe(1);
  });
});

describe("dataRtoUs, Linux", () => {
  beforeEach(() => { setDefaults(Personality.Linux); });
  it("is SRTT + max(TCP_RTO_MIN, 4 RTTVAR): 300 ms RTT -> 900 ms, 2 ms RTT -> 202 ms", () => {
    expect(dataRtoUs(300000, 150000, 0)).toBe(900000);
    expect(dataRtoUs(2000, 1000, 0)).toBe(202000);
  });
  it("falls back to 3 s without a sample (TCP_TIMEOUT_FALLBACK), doubles per expiry, stops at 120 s for any count", () => {
    expect(dataRtoUs(0, 0, 0)).toBe(3000000);
    expect(dataRtoUs(2000, 1000, 1)).toBe(404000);
    expect(dataRtoUs(2000, 1000, 9)).toBe(103424000);
    expect(dataRtoUs(2000, 1000, 10)).toBe(RTO_MAX_US);
    expect(dataRtoUs(0xffffffff, 0xffffffff, 0)).toBe(RTO_MAX_US);
    expect(dataRtoUs(2000, 1000, 0xffffffff)).toBe(RTO_MAX_US);
  });
});

describe("dataRtoUs, FreeBSD", () => {
  beforeEach(() => { setDefaults(Personality.FreeBSD); });
  it("is max(30 ms, SRTT + 4 RTTVAR) * tcp_backoff[n] + 200 ms slop, within 64 s", () => {
    expect(dataRtoUs(2000, 1000, 0)).toBe(230000);          // 6 ms is below t_rttmin
    expect(dataRtoUs(2000, 1000, 1)).toBe(260000);
    expect(dataRtoUs(300000, 150000, 0)).toBe(1100000);
    expect(dataRtoUs(2000, 1000, 9)).toBe(30000 * 512 + 200000);
    expect(dataRtoUs(2000, 1000, 12)).toBe(30000 * 512 + 200000);  // tcp_backoff[] stays at 512
    expect(dataRtoUs(300000, 150000, 12)).toBe(64000000);
  });
  it("starts at tcp_rexmit_initial (1 s) without a sample, then backs off from it with the slop", () => {
    expect(dataRtoUs(0, 0, 0)).toBe(1000000);
    expect(dataRtoUs(0, 0, 1)).toBe(2200000);
  });
});

describe("rtoOf", () => {
  beforeEach(() => { socketsInit(); setDefaults(Personality.Linux); });
  it("reads the socket's estimate", () => {
    let s = sockAlloc();
    expect(rtoOf(s, 0)).toBe(3000000);
    rttSample(s, 40000);
    expect(rtoOf(s, 0)).toBe(240000);    // 40 + max(200, 80)
  });
});
