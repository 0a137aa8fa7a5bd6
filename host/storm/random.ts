// Seeded random numbers for the storm simulator: xoshiro128** (Blackman & Vigna,
// https://prng.di.unimi.it/xoshiro128starstar.c) seeded through splitmix32, so the same
// seed gives the same stream on every JavaScript engine. Each use (arrivals, service
// times, think times) gets its own stream, so changing one knob does not reshuffle the
// others. Math.log/exp are fdlibm ports in V8 and SpiderMonkey: identical results.

export class Random {
  #a: number; #b: number; #c: number; #d: number;

  constructor(seed: number, stream: number) {
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {          // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next(); this.#b = next(); this.#c = next(); this.#d = next();
  }

  /** A uniform 32-bit integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a; this.#d ^= this.#b; this.#b ^= this.#c; this.#a ^= this.#d;
    this.#c ^= t; this.#d = rotl(this.#d, 11);
    return r;
  }

  /** Uniform in (0, 1): never 0, so its logarithm is finite. */
  open01(): number { return (this.u32() + 0.5) / 4294967296; }

  /** Exponential with the given mean. */
  exponential(mean: number): number { return -Math.log(this.open01()) * mean; }

  /** Standard normal (Box-Muller; one value per call, so the stream stays simple). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.open01())) * Math.cos(2 * Math.PI * this.open01());
  }
}

function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }
