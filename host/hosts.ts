// Hosts and links (docs/network.md): the network API of a Kernel. A host is a machine
// inside the kernel with its own personality, tunables, addresses, ports, counters and
// descriptors; k.addHost returns an object with the same calls as the Kernel itself.
// Links are directed and follow netem's names (delay/jitter/loss/rate/limit, in the
// units below); partition, heal, hold and release are turmoil's.
//
// Units at this door: times in simulated milliseconds (fractions allowed), loss as a
// probability in [0, 1], rate in bit/s, limit in bytes. The kernel takes µs and
// probabilities in 1e-9 (sk_link_change, docs/abi.md).

import { AF_INET, AF_INET6 } from './constants.js';
import { ArgumentError, checkInt, socketError } from './errors.js';
import { encodeSockaddr } from './sockaddr.js';
import type { KernelAccess } from './abi/instance.js';

/** sk_link_change ops (assembly/net/changes.ts LinkOp). */
const OP = { latency: 1, loss: 2, gemodel: 3, rate: 4, unset: 5, partition: 6, heal: 7, hold: 8, release: 9, uplink: 10 } as const;

/** A Gilbert-Elliott loss model, as `tc qdisc ... netem loss gemodel p r 1-h 1-k`. */
export interface GilbertElliott {
  type: 'gemodel';
  /** Probability of moving from the good state to the bad one, per packet. */
  p: number;
  /** Probability of moving from the bad state back to the good one (mean burst 1/r). */
  r: number;
  /** Loss probability in the bad state (netem's 1-h). Default 1. */
  oneMinusH?: number;
  /** Loss probability in the good state (netem's 1-k). Default 0. */
  oneMinusK?: number;
}

export interface LinkOptions {
  /** One-way delay in ms (netem `delay`). Set together with jitter: an omitted one is 0. */
  latency?: number;
  /** Uniform jitter in ms, ± around the latency (netem `delay ... JITTER`); never reorders. */
  jitter?: number;
  /** Bernoulli loss probability in [0, 1] (netem `loss random`). */
  loss?: number;
  /** 'bernoulli' (with `loss`) or a Gilbert-Elliott model (netem `loss gemodel`). */
  lossModel?: 'bernoulli' | GilbertElliott;
  /** Bandwidth in bit/s (netem `rate`); 0 removes it. */
  rate?: number;
  /** Egress queue limit in bytes behind the rate (drop-tail). Default 1 500 000. */
  limit?: number;
}

/**
 * A host's uplink (docs/network.md "Uplinks"): the egress queue of its interface, shared
 * by every packet it sends to another host, before the packet's link.
 */
export interface UplinkOptions {
  /** Bandwidth in bit/s (netem `rate`, Shadow's host bandwidth); 0 removes it. */
  rate?: number;
  /** Queue limit in bytes behind the rate (drop-tail). Default 1 500 000. */
  limit?: number;
}

/** A host's uplink counters: packets that entered it, left it for their link, or found it full. */
export interface UplinkStats {
  sent: number; departed: number; queueDrops: number;
  sentBytes: number; departedBytes: number; queueDropBytes: number;
}

export interface LinkStats {
  sent: number; delivered: number; lost: number; queueDrops: number; held: number; partitionDrops: number;
  sentBytes: number; deliveredBytes: number; lostBytes: number; queueDropBytes: number; heldBytes: number; partitionDropBytes: number;
}

const STAT_NAMES = ['sent', 'delivered', 'lost', 'queueDrops', 'held', 'partitionDrops'] as const;

const LINK_KEYS = new Set(['latency', 'jitter', 'loss', 'lossModel', 'rate', 'limit']);
const UPLINK_KEYS = new Set(['rate', 'limit']);
/** UplinkStats names and their Counter (assembly/net/link.ts): sent 0, delivered (left the uplink) 2, queueDrop 6. */
const UPLINK_STATS = [['sent', 0], ['departed', 2], ['queueDrops', 6]] as const;
const MAX_MS = 3_600_000;

function prob(name: string, v: unknown): bigint {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new ArgumentError(typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE', `"${name}" must be a probability from 0 to 1. Received ${String(v)}`);
  }
  return BigInt(Math.round(v * 1e9));
}

function ms(name: string, v: unknown, max = MAX_MS): bigint {
  if (typeof v !== 'number' || !(v >= 0 && v <= max)) {
    throw new ArgumentError(typeof v === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE', `"${name}" must be a number of milliseconds from 0 to ${max}. Received ${String(v)}`);
  }
  return BigInt(Math.round(v * 1000));
}

/**
 * The largest queue, in bytes, that drains at `rateBps` within the link model's bound
 * (net/links.ts MAX_DRAIN_US, 2^38 µs: a delivery stays inside the event heap's horizon).
 */
export function maxQueueBytes(rateBps: number): number { return Math.floor(2 ** 38 * rateBps / 8e6); }

/** `rate` (bit/s, 0 or 1000..1e15) and `limit` (bytes) as the kernel takes them (sk_link_change ops RATE and UPLINK). */
function rateLimit(o: { rate?: number; limit?: number }): [bigint, bigint] {
  const rate = o.rate ?? 0;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || (rate !== 0 && (rate < 1000 || rate > 1e15))) {
    throw new ArgumentError(typeof rate === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE', `"rate" must be 0 or an integer number of bit/s from 1000 to 1e15. Received ${String(rate)}`);
  }
  const limit = checkInt('limit', o.limit ?? 1_500_000, 1, 2 ** 32);
  if (rate !== 0 && limit > maxQueueBytes(rate)) {
    throw new ArgumentError('ERR_OUT_OF_RANGE', `"limit" must drain in at most 2^38 µs (about 3.2 days) at "rate": at most ${maxQueueBytes(rate)} bytes at ${rate} bit/s. Received ${limit}`);
  }
  return [BigInt(rate), BigInt(limit)];
}

/** Checks a host's uplink options (k.addHost's `uplink`, k.setUplink) without applying them. */
export function uplinkArgs(o: unknown): [bigint, bigint] {
  if (o === null || typeof o !== 'object') throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The uplink options must be an object');
  for (const key of Object.keys(o)) if (!UPLINK_KEYS.has(key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown uplink option "${key}"`);
  return rateLimit(o as UplinkOptions);
}

/** The link calls of one kernel: `ids` maps a host object to its id. */
export class Network {
  readonly #k: KernelAccess;
  readonly #id: (h: unknown) => number;

  constructor(k: KernelAccess, id: (h: unknown) => number) { this.#k = k; this.#id = id; }

  #change(op: number, src: number, dst: number, a: bigint, b: bigint, c: bigint, d: bigint, at: bigint): number {
    const r = this.#k.x.sk_link_change(op, src, dst, a, b, c, d, at);
    if (r < 0) throw socketError(r, 'link');
    return r;
  }

  #at(when: { at?: number } | undefined): bigint {
    if (when?.at === undefined) return 0n;
    const now = Number(this.#k.x.sk_now()) / 1000;
    if (typeof when.at !== 'number' || !(when.at >= now)) {
      throw new ArgumentError(typeof when.at === 'number' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE', `"at" must be a simulated time in ms, now (${now}) or later. Received ${String(when.at)}`);
    }
    return BigInt(Math.round(when.at * 1000));
  }

  /** Checks every option first, then applies them: a bad option changes nothing. */
  set(src: number, dst: number, o: LinkOptions, at: bigint): void {
    if (o === null || typeof o !== 'object') throw new ArgumentError('ERR_INVALID_ARG_TYPE', 'The link options must be an object');
    for (const key of Object.keys(o)) if (!LINK_KEYS.has(key)) throw new ArgumentError('ERR_INVALID_ARG_VALUE', `Unknown link option "${key}"`);
    const steps: [number, bigint, bigint, bigint, bigint][] = [];
    if (o.latency !== undefined || o.jitter !== undefined) steps.push([OP.latency, ms('latency', o.latency ?? 0), ms('jitter', o.jitter ?? 0), 0n, 0n]);
    const model = o.lossModel ?? 'bernoulli';
    if (model === 'bernoulli') {
      if (o.loss !== undefined) steps.push([OP.loss, prob('loss', o.loss), 0n, 0n, 0n]);
    } else if (typeof model === 'object' && model !== null && model.type === 'gemodel') {
      if (o.loss !== undefined) throw new ArgumentError('ERR_INVALID_ARG_VALUE', '"loss" is for lossModel "bernoulli"; a gemodel has p, r, oneMinusH, oneMinusK');
      steps.push([OP.gemodel, prob('lossModel.p', model.p), prob('lossModel.r', model.r), prob('lossModel.oneMinusH', model.oneMinusH ?? 1), prob('lossModel.oneMinusK', model.oneMinusK ?? 0)]);
    } else {
      throw new ArgumentError('ERR_INVALID_ARG_VALUE', `"lossModel" must be 'bernoulli' or { type: 'gemodel', p, r, oneMinusH, oneMinusK }`);
    }
    if (o.rate !== undefined || o.limit !== undefined) steps.push([OP.rate, ...rateLimit(o), 0n, 0n]);
    for (const [op, a, b, c, d] of steps) this.#change(op, src, dst, a, b, c, d, at);
  }

  link(a: unknown, b: unknown, o: LinkOptions, { both = false, at }: { both?: boolean; at?: number } = {}): void {
    const src = this.#id(a), dst = this.#id(b), when = this.#at({ at });
    if (src === dst) throw new ArgumentError('ERR_INVALID_ARG_VALUE', 'A link joins two different hosts (packets within one host are loopback)');
    this.set(src, dst, o, when);
    if (both) this.set(dst, src, o, when);
  }

  defaultLink(o: LinkOptions, { at }: { at?: number } = {}): void { this.set(-1, -1, o, this.#at({ at })); }

  unset(a: unknown, b: unknown, { at }: { at?: number } = {}): void {
    this.#change(OP.unset, this.#id(a), this.#id(b), 0n, 0n, 0n, 0n, this.#at({ at }));
  }

  partition(a: unknown, b: unknown, { at, oneWay = false }: { at?: number; oneWay?: boolean } = {}): void {
    this.#change(OP.partition, this.#id(a), this.#id(b), oneWay ? 0n : 1n, 0n, 0n, 0n, this.#at({ at }));
  }

  heal(a: unknown, b: unknown, { at, oneWay = false }: { at?: number; oneWay?: boolean } = {}): void {
    this.#change(OP.heal, this.#id(a), this.#id(b), oneWay ? 0n : 1n, 0n, 0n, 0n, this.#at({ at }));
  }

  hold(a: unknown, b: unknown, { at }: { at?: number } = {}): void {
    this.#change(OP.hold, this.#id(a), this.#id(b), 0n, 0n, 0n, 0n, this.#at({ at }));
  }

  /** Lets the held packets of a → b go (in order, across the link as if sent now). Returns how many, when now. */
  release(a: unknown, b: unknown, { at }: { at?: number } = {}): number {
    return this.#change(OP.release, this.#id(a), this.#id(b), 0n, 0n, 0n, 0n, this.#at({ at }));
  }

  /** Host h's uplink: every packet it sends to another host waits there first (checked options: uplinkArgs). */
  uplink(h: unknown, [rate, limit]: [bigint, bigint], { at }: { at?: number } = {}): void {
    this.#change(OP.uplink, this.#id(h), -1, rate, limit, 0n, 0n, this.#at({ at }));
  }

  /** The counters of host h's uplink (zeros for a host without one); with no host, every uplink's. */
  uplinkStats(h?: unknown): UplinkStats {
    const id = h === undefined ? -1 : this.#id(h);
    const out: Record<string, number> = {};
    for (const [name, which] of UPLINK_STATS) {
      out[name] = Number(this.#k.x.sk_uplink_counter(id, which));
      out[`${name.replace(/s$/, '')}Bytes`] = Number(this.#k.x.sk_uplink_counter(id, which + 1));
    }
    return out as unknown as UplinkStats;
  }

  /** The counters of link a → b; with no hosts, the whole network's. */
  stats(a?: unknown, b?: unknown): LinkStats {
    const src = a === undefined ? -1 : this.#id(a), dst = b === undefined ? -1 : this.#id(b);
    const out: Record<string, number> = {};
    STAT_NAMES.forEach((name, i) => {
      out[name] = Number(this.#k.x.sk_link_counter(src, dst, 2 * i));
      out[`${name.replace(/s$/, '')}Bytes`] = Number(this.#k.x.sk_link_counter(src, dst, 2 * i + 1));
    });
    return out as unknown as LinkStats;
  }
}

/** Adds each address to the selected host (the KernelAccess of that host). */
export function addAddresses(k: KernelAccess, addresses: unknown): void {
  if (addresses === undefined) return;
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string')) {
    throw new ArgumentError('ERR_INVALID_ARG_TYPE', '"addresses" must be an array of IP address strings');
  }
  for (const address of addresses as string[]) {
    const len = encodeSockaddr(address.includes(':') ? AF_INET6 : AF_INET, { address, port: 0 }, k.view(), k.scratch);
    const r = k.x.sk_add_address(k.scratch, len);
    if (r < 0) throw socketError(r, 'addHost', address, 0);
  }
}
