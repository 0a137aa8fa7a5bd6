// A plain-JavaScript reference model of the link model in assembly/net/ (docs/network.md,
// "The link model"). Written from the documented rules, not from the AssemblyScript: a
// Map of records, arrays for queues, BigInt for the 64-bit random streams. The test
// tests/net_link.test.mjs runs the same random calls against this model and the compiled
// module and compares every result (fast-check's model-based testing, STYLE.md 18).

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

export const LOST = -1n;
export const QUEUE_FULL = -2n;
export const PARTITIONED = -3n;
export const HELD = -4n;
export const NONE_HELD = -5n;
export const UPLINK_FULL = -6n;
export const EINVAL = 22;
export const ENOENT = 2;

/** Counter names in the module's order (linkCounter's `which`). */
export const COUNTERS = ['sentPackets', 'sentBytes', 'deliveredPackets', 'deliveredBytes', 'lostPackets', 'lostBytes',
  'queueDropPackets', 'queueDropBytes', 'heldPackets', 'heldBytes', 'partitionDropPackets', 'partitionDropBytes'];

const MAX_DELAY_US = 3_600_000_000n;
const MAX_NOW_US = 1n << 52n;
const MAX_PACKET_BYTES = 1 << 30;
const MIN_RATE_BPS = 1000n;
const MAX_RATE_BPS = 1_000_000_000_000_000n;
const MAX_LIMIT_BYTES = 1n << 32n;
const DEFAULT_LIMIT_BYTES = 1_500_000n;
/** A full queue drains in at most 2^38 µs (net/links.ts MAX_DRAIN_US). */
const MAX_DRAIN_US = 1n << 38n;

/** rate 0 (no queue) or within bounds; a limit within bounds whose full queue drains in time. */
function rateOk(rateBps, limitBytes) {
  if (limitBytes <= 0n || limitBytes > MAX_LIMIT_BYTES) return false;
  if (rateBps === 0n) return true;
  return rateBps >= MIN_RATE_BPS && rateBps <= MAX_RATE_BPS && limitBytes * 8_000_000n / rateBps <= MAX_DRAIN_US;
}

/** SplitMix64's output function. */
function mix(z) {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** An event of probability p happens when a 32-bit draw is below round(p * 2^32). */
const threshold = (p) => BigInt(Math.round(p * 4294967296));

function defaultParams() {
  return { latencyUs: 0n, jitterUs: 0n, rateBps: 0n, limitBytes: DEFAULT_LIMIT_BYTES, loss: 'none', p: 0n, r: 0n, h: 0n, k: 0n };
}

const isHost = (id) => Number.isInteger(id) && id >= 0 && id <= 0x7fffffff;
const isPair = (s, d) => isHost(s) && isHost(d) && s !== d;
const isDefault = (s, d) => s === -1 && d === -1;
const isProbability = (p) => p >= 0 && p <= 1;

export class LinkModel {
  constructor(seed) {
    this.seed = BigInt.asUintN(64, BigInt(seed));
    this.links = new Map();
    this.defaults = defaultParams();
    this.totals = Object.fromEntries(COUNTERS.map((c) => [c, 0n]));
    this.releasedToken = 0;
    // Hosts' uplinks (docs/network.md "Uplinks"): host id -> { rateBps, limitBytes, busyUntilNs, egress, counters }.
    this.uplinks = new Map();
    this.uplinkTotals = Object.fromEntries(COUNTERS.map((c) => [c, 0n]));
  }

  #record(src, dst) {
    const key = (BigInt(src) << 32n) | BigInt(dst);
    let l = this.links.get(key);
    if (!l) {
      l = {
        rng: mix(this.seed ^ mix((key + GOLDEN) & MASK64)),
        own: null, partitioned: false, heldFlag: false, bad: false,
        lastDelivery: 0n, busyUntilNs: 0n, egress: [], held: [],
        counters: Object.fromEntries(COUNTERS.map((c) => [c, 0n])),
      };
      this.links.set(key, l);
    }
    return l;
  }

  #find(src, dst) { return this.links.get((BigInt(src) << 32n) | BigInt(dst)); }
  #params(l) { return l.own ?? this.defaults; }

  #count(l, event, bytes, totals = this.totals) {
    l.counters[`${event}Packets`] += 1n; l.counters[`${event}Bytes`] += BigInt(bytes);
    totals[`${event}Packets`] += 1n; totals[`${event}Bytes`] += BigInt(bytes);
  }

  /** The drop-tail queue behind a rate (a link's, or an uplink's): the µs the packet's serialisation ends, or null when full. */
  #enqueue(l, rateBps, limitBytes, bytes, nowUs) {
    const nowNs = nowUs * 1000n;
    while (l.egress.length && l.egress[0].endNs <= nowNs) l.egress.shift();
    const queued = l.egress.reduce((sum, e) => sum + e.bytes, 0n);
    if (queued + BigInt(bytes) > limitBytes) return null;
    const start = nowNs > l.busyUntilNs ? nowNs : l.busyUntilNs;
    const serialisation = (BigInt(bytes) * 8_000_000_000n + rateBps - 1n) / rateBps;
    l.busyUntilNs = start + serialisation;
    l.egress.push({ endNs: l.busyUntilNs, bytes: BigInt(bytes) });
    return (l.busyUntilNs + 999n) / 1000n;
  }

  #draw64(l) { l.rng = (l.rng + GOLDEN) & MASK64; return mix(l.rng); }
  #draw32(l) { return this.#draw64(l) >> 32n; }

  #lose(l, q) {
    if (q.loss === 'bernoulli') return q.p !== 0n && this.#draw32(l) < q.p;
    if (q.loss !== 'ge') return false;
    // sch_netem.c loss_gilb_ell: the transition draw, then the loss of the state the packet found.
    if (!l.bad) {
      if (this.#draw32(l) < q.p) l.bad = true;
      return this.#draw32(l) < q.k;
    }
    if (this.#draw32(l) < q.r) l.bad = false;
    return this.#draw32(l) < q.h;
  }

  #cross(l, bytes, nowUs) {
    const q = this.#params(l);
    if (this.#lose(l, q)) { this.#count(l, 'lost', bytes); return LOST; }
    let departUs = nowUs;
    if (q.rateBps !== 0n) {
      departUs = this.#enqueue(l, q.rateBps, q.limitBytes, bytes, nowUs);
      if (departUs === null) { this.#count(l, 'queueDrop', bytes); return QUEUE_FULL; }
    }
    let jitter = 0n;
    if (q.jitterUs !== 0n) jitter = (this.#draw64(l) % (2n * q.jitterUs + 1n)) - q.jitterUs;
    const delay = q.latencyUs + jitter;
    let t = departUs + (delay > 0n ? delay : 0n);
    if (t < l.lastDelivery) t = l.lastDelivery;
    l.lastDelivery = t;
    this.#count(l, 'delivered', bytes);
    return t;
  }

  transmit(src, dst, bytes, nowUs, token = 0) {
    if (!isPair(src, dst) || !(bytes > 0 && bytes <= MAX_PACKET_BYTES) || nowUs < 0n || nowUs > MAX_NOW_US) return BigInt(-EINVAL);
    // The sender's uplink first; the link takes the packet when it leaves the uplink.
    const u = this.uplinks.get(src);
    if (u) {
      this.#count(u, 'sent', bytes, this.uplinkTotals);
      if (u.rateBps !== 0n) {
        const departUs = this.#enqueue(u, u.rateBps, u.limitBytes, bytes, nowUs);
        if (departUs === null) { this.#count(u, 'queueDrop', bytes, this.uplinkTotals); return UPLINK_FULL; }
        nowUs = departUs;
      }
      this.#count(u, 'delivered', bytes, this.uplinkTotals);
    }
    const l = this.#record(src, dst);
    this.#count(l, 'sent', bytes);
    if (l.partitioned) { this.#count(l, 'partitionDrop', bytes); return PARTITIONED; }
    if (l.heldFlag) { l.held.push({ token, bytes }); this.#count(l, 'held', bytes); return HELD; }
    return this.#cross(l, bytes, nowUs);
  }

  /** The parameters a change to (src, dst) writes: the default's, or the pair's own (a copy of the default's the first time). */
  #paramsFor(src, dst) {
    if (isDefault(src, dst)) return this.defaults;
    const l = this.#record(src, dst);
    l.own ??= { ...this.#params(l) };
    return l.own;
  }

  setLatency(src, dst, latencyUs, jitterUs) {
    if (!(isPair(src, dst) || isDefault(src, dst))) return -EINVAL;
    if (latencyUs < 0n || latencyUs > MAX_DELAY_US || jitterUs < 0n || jitterUs > MAX_DELAY_US) return -EINVAL;
    Object.assign(this.#paramsFor(src, dst), { latencyUs, jitterUs });
    return 0;
  }

  setLoss(src, dst, p) {
    if (!(isPair(src, dst) || isDefault(src, dst)) || !isProbability(p)) return -EINVAL;
    Object.assign(this.#paramsFor(src, dst), { loss: p === 0 ? 'none' : 'bernoulli', p: threshold(p), r: 0n, h: 0n, k: 0n });
    return 0;
  }

  setLossGE(src, dst, p, r, oneMinusH, oneMinusK) {
    if (!(isPair(src, dst) || isDefault(src, dst))) return -EINVAL;
    if (![p, r, oneMinusH, oneMinusK].every(isProbability)) return -EINVAL;
    Object.assign(this.#paramsFor(src, dst), { loss: 'ge', p: threshold(p), r: threshold(r), h: threshold(oneMinusH), k: threshold(oneMinusK) });
    if (!isDefault(src, dst)) this.#record(src, dst).bad = false;
    return 0;
  }

  setRate(src, dst, rateBps, limitBytes) {
    if (!(isPair(src, dst) || isDefault(src, dst))) return -EINVAL;
    if (!rateOk(rateBps, limitBytes)) return -EINVAL;
    Object.assign(this.#paramsFor(src, dst), { rateBps, limitBytes });
    return 0;
  }

  unset(src, dst) {
    if (!isPair(src, dst)) return -EINVAL;
    const l = this.#find(src, dst);
    if (l) l.own = null;
    return 0;
  }

  remove(src, dst) {
    if (!isPair(src, dst)) return -EINVAL;
    return this.links.delete((BigInt(src) << 32n) | BigInt(dst)) ? 0 : -ENOENT;
  }

  partition(src, dst, bothWays) {
    if (!isPair(src, dst)) return -EINVAL;
    this.#record(src, dst).partitioned = true;
    if (bothWays) this.#record(dst, src).partitioned = true;
    return 0;
  }

  heal(src, dst, bothWays) {
    if (!isPair(src, dst)) return -EINVAL;
    this.#record(src, dst).partitioned = false;
    if (bothWays) this.#record(dst, src).partitioned = false;
    return 0;
  }

  hold(src, dst) {
    if (!isPair(src, dst)) return -EINVAL;
    this.#record(src, dst).heldFlag = true;
    return 0;
  }

  release(src, dst) {
    if (!isPair(src, dst)) return -EINVAL;
    const l = this.#find(src, dst);
    if (!l) return 0;
    l.heldFlag = false;
    return l.held.length;
  }

  releaseNext(src, dst, nowUs) {
    if (!isPair(src, dst) || nowUs < 0n || nowUs > MAX_NOW_US) return BigInt(-EINVAL);
    const l = this.#find(src, dst);
    if (!l || l.held.length === 0) return NONE_HELD;
    const { token, bytes } = l.held.shift();
    this.releasedToken = token;
    if (l.partitioned) { this.#count(l, 'partitionDrop', bytes); return PARTITIONED; }
    return this.#cross(l, bytes, nowUs);
  }

  lastDelivery(src, dst) {
    if (!isPair(src, dst)) return BigInt(-EINVAL);
    const l = this.#find(src, dst);
    return l ? l.lastDelivery : 0n;
  }

  counter(src, dst, which) {
    if (!(which >= 0 && which < COUNTERS.length)) return BigInt(-EINVAL);
    if (isDefault(src, dst)) return this.totals[COUNTERS[which]];
    if (!isPair(src, dst)) return BigInt(-EINVAL);
    const l = this.#find(src, dst);
    return l ? l.counters[COUNTERS[which]] : 0n;
  }

  setUplink(host, rateBps, limitBytes) {
    if (!isHost(host)) return -EINVAL;
    if (!rateOk(rateBps, limitBytes)) return -EINVAL;
    let u = this.uplinks.get(host);
    if (!u) this.uplinks.set(host, u = { busyUntilNs: 0n, egress: [], counters: Object.fromEntries(COUNTERS.map((c) => [c, 0n])) });
    Object.assign(u, { rateBps, limitBytes });
    return 0;
  }

  uplinkCounter(host, which) {
    if (!(which >= 0 && which < COUNTERS.length) || !(host === -1 || isHost(host))) return BigInt(-EINVAL);
    if (host === -1) return this.uplinkTotals[COUNTERS[which]];
    return this.uplinks.get(host)?.counters[COUNTERS[which]] ?? 0n;
  }

  records() { return this.links.size; }
}
