// Deterministic randomness: SplitMix64 from the kernel's seed. Linux draws ephemeral
// port offsets and syncookie secrets from get_random_u32(); here the same calls
// from the same seed give bit-identical results.

let state: u64 = 0x9e3779b97f4a7c15;

export function seed(s: u64): void { state = s ^ 0x9e3779b97f4a7c15; }

export function nextU32(): u32 {
  state += 0x9e3779b97f4a7c15;
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return <u32>((z ^ (z >> 31)) >> 32);
}

/** Uniform in [0, n) by multiply-shift (Linux reciprocal_scale). */
export function below(n: u32): u32 { return <u32>((<u64>nextU32() * <u64>n) >> 32); }

/** MurmurHash3's 64-bit finaliser: spreads a key's bits over the whole word. */
export function mix64(k: u64): u64 {
  k ^= k >> 33; k *= 0xff51afd7ed558ccd;
  k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53;
  return k ^ (k >> 33);
}
