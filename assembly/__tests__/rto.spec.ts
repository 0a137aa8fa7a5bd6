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
