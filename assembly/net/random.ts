// Per-link randomness. Each link draws from its own SplitMix64 stream (Steele, Lea and
// Flood 2014, the generator assembly/prng.ts uses for the kernel), seeded from the
// network seed and the link's (source, destination) key. So a link's losses and jitter
// depend only on the seed and on the packets that crossed that link, not on traffic
// elsewhere or on how the host batched its calls.
//
// Probabilities are kept as netem keeps them (include/uapi/linux/pkt_sched.h: "loss"
// is a u32 scaled to 2^32): here a u64 threshold T in [0, 2^32], and an event with
// probability p happens when a 32-bit draw is below T = round(p * 2^32). p = 1 is
// T = 2^32: always.

/** SplitMix64's increment (the golden ratio, 2^64 / phi). */
export const GOLDEN: u64 = 0x9e3779b97f4a7c15;

/** SplitMix64's output function; also the hash the link table spreads its keys with. */
// @ts-ignore: decorator
@inline export function splitmixMix(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** The first state of a link's stream. */
export function streamSeed(seed: u64, key: u64): u64 { return splitmixMix(seed ^ splitmixMix(key + GOLDEN)); }

/** Threshold for probability p (validated in [0, 1] by the caller). */
export function threshold(p: f64): u64 { return <u64>Math.round(p * 4294967296.0); }

/** Probability a threshold stands for (what a reader of the link sees). */
export function probability(t: u64): f64 { return <f64>t / 4294967296.0; }
