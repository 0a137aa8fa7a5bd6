// policy/personality.ts, policy/tunables.ts: where Linux, FreeBSD and POSIX differ (listen() backlog, accept
// queue length, error choices) and the tunables with their range checks.
import { Errno } from "../core/errno";
import { Personality, acceptDatagramErrno, acceptFiltersExist, acceptInheritsNonblock, acceptQueueCapacity, acceptQueueFull, backlogLimit, getPersonality, setDefaults, acceptInheritsShutdown, shutdownStopsListener, shutdownUnconnectedRecorded, synackRetries, synChecksAcceptQueue, synQueueLimit, tcpDeferAcceptExists, unixAbstractNames, unixAutobinds, unixFullErrno, unixListenUnboundErrno } from "../policy/personality";
import { Tunable, setTunable, tunable } from "../policy/tunables";

const EINVAL: i32 = -22;

/**
 * Counts backlogs 0..max whose accept queue is not full with capacity-1 connections
 * or not full with capacity connections: the full test and the capacity must agree.
 */
function capacityMismatches(max: u32): i32 {
  let wrong = 0;
  for (let n: u32 = 0; n <= max; n++) {
    let cap = acceptQueueCapacity(n);
    if (acceptQueueFull(cap - 1, n) || !acceptQueueFull(cap, n)) wrong++;
  }
  return wrong;
}

describe("Linux", () => {
  beforeEach(() => { setDefaults(Personality.Linux); });

  it("uses somaxconn 4096 by default", () => {
    expect(getPersonality()).toBe(Personality.Linux);
    expect(tunable(Tunable.Somaxconn)).toBe(4096);
  });

  it("turns a negative backlog into somaxconn (unsigned comparison in __sys_listen)", () => {
    expect(backlogLimit(-1)).toBe(4096);
    expect(backlogLimit(i32.MIN_VALUE)).toBe(4096);
  });

  it("clamps a backlog above somaxconn and keeps smaller ones, 0 included", () => {
    expect(backlogLimit(100000)).toBe(4096);
    expect(backlogLimit(4096)).toBe(4096);
    expect(backlogLimit(5)).toBe(5);
    expect(backlogLimit(0)).toBe(0);
  });

  it("clamps to a lowered somaxconn", () => {
    setTunable(Tunable.Somaxconn, 100);
    expect(backlogLimit(200)).toBe(100);
    expect(backlogLimit(-1)).toBe(100);
  });

  it("holds backlog + 1 connections (sk_acceptq_is_full uses >)", () => {
    expect(acceptQueueCapacity(0)).toBe(1);
    expect(acceptQueueCapacity(5)).toBe(6);
    expect(acceptQueueCapacity(4096)).toBe(4097);
    expect(acceptQueueFull(5, 5)).toBe(false);
    expect(acceptQueueFull(6, 5)).toBe(true);
    expect(acceptQueueFull(0, 0)).toBe(false);
    expect(acceptQueueFull(1, 0)).toBe(true);
  });

  it("reports full exactly at capacity for every backlog up to 300", () => {
    expect(capacityMismatches(300)).toBe(0);
  });

  it("chooses the Linux errors and flags", () => {
    expect(acceptInheritsNonblock()).toBe(false);
    expect(unixFullErrno()).toBe(11);          // EAGAIN
    expect(unixListenUnboundErrno()).toBe(22); // EINVAL
    expect(shutdownStopsListener()).toBe(true);
    expect(shutdownUnconnectedRecorded(false)).toBe(true);
    expect(acceptInheritsShutdown()).toBe(true);
  });
});

describe("FreeBSD", () => {
  beforeEach(() => { setDefaults(Personality.FreeBSD); });

  it("uses somaxconn 128 by default (SOMAXCONN)", () => {
    expect(tunable(Tunable.Somaxconn)).toBe(128);
  });

  it("turns a negative or too large backlog into somaxconn", () => {
    expect(backlogLimit(-1)).toBe(128);
    expect(backlogLimit(i32.MIN_VALUE)).toBe(128);
    expect(backlogLimit(129)).toBe(128);
    expect(backlogLimit(128)).toBe(128);
    expect(backlogLimit(0)).toBe(0);
  });

  it("holds floor(3N/2) + 1 connections (solisten_clone: qlen > 3 * qlimit / 2)", () => {
    expect(acceptQueueCapacity(0)).toBe(1);
    expect(acceptQueueCapacity(1)).toBe(2);
    expect(acceptQueueCapacity(2)).toBe(4);
    expect(acceptQueueCapacity(3)).toBe(5);
    expect(acceptQueueCapacity(5)).toBe(8);
    expect(acceptQueueCapacity(128)).toBe(193);
    expect(acceptQueueFull(3, 2)).toBe(false);
    expect(acceptQueueFull(4, 2)).toBe(true);
  });

  it("reports full exactly at capacity for every backlog up to 300", () => {
    expect(capacityMismatches(300)).toBe(0);
  });

  it("chooses the FreeBSD errors and flags", () => {
    expect(acceptInheritsNonblock()).toBe(true);
    expect(unixFullErrno()).toBe(111);         // ECONNREFUSED
    expect(unixListenUnboundErrno()).toBe(89); // EDESTADDRREQ
    expect(shutdownStopsListener()).toBe(false);
    expect(shutdownUnconnectedRecorded(false)).toBe(false); // soshutdown: ENOTCONN first
    expect(shutdownUnconnectedRecorded(true)).toBe(true);   // a datagram socket goes on
    expect(acceptInheritsShutdown()).toBe(false);
    expect(tunable(Tunable.TcpAbortOnOverflow)).toBe(1);
  });
});

describe("POSIX", () => {
  beforeEach(() => { setDefaults(Personality.Posix); });

  it("treats a negative backlog as 0 (listen(3p))", () => {
    expect(backlogLimit(-1)).toBe(0);
    expect(backlogLimit(i32.MIN_VALUE)).toBe(0);
  });

  it("reduces a backlog above somaxconn to it", () => {
    expect(backlogLimit(5000)).toBe(4096);
    expect(backlogLimit(7)).toBe(7);
  });

  it("holds max(backlog, 1) connections", () => {
    expect(acceptQueueCapacity(0)).toBe(1);
    expect(acceptQueueCapacity(1)).toBe(1);
    expect(acceptQueueCapacity(2)).toBe(2);
    expect(acceptQueueCapacity(5)).toBe(5);
    expect(acceptQueueFull(1, 2)).toBe(false);
    expect(acceptQueueFull(2, 2)).toBe(true);
    expect(acceptQueueFull(0, 0)).toBe(false);
    expect(acceptQueueFull(1, 0)).toBe(true);
  });

  it("reports full exactly at capacity for every backlog up to 300", () => {
    expect(capacityMismatches(300)).toBe(0);
  });
});

describe("tunables", () => {
  beforeEach(() => { setDefaults(Personality.Linux); });

  it("rejects an unknown tunable id with EINVAL", () => {
    expect(setTunable(-1, 0)).toBe(EINVAL);
    expect(setTunable(Tunable.Count, 0)).toBe(EINVAL);
    expect(setTunable(1000, 0)).toBe(EINVAL);
  });

  it("takes a value in range and reads it back", () => {
    expect(setTunable(Tunable.Somaxconn, 0)).toBe(0);
    expect(tunable(Tunable.Somaxconn)).toBe(0);
    expect(setTunable(Tunable.Somaxconn, 0x7fffffff)).toBe(0);
    expect(setTunable(Tunable.TcpSyncookies, 2)).toBe(0);
    expect(setTunable(Tunable.TcpSynRetries, 127)).toBe(0);
    expect(setTunable(Tunable.MaxFds, 1 << 24)).toBe(0);
    expect(setTunable(Tunable.LinkDelayUs, 3600000000)).toBe(0);
    expect(tunable(Tunable.LinkDelayUs)).toBe(3600000000);
  });

  it("keeps the old value when it rejects a new one", () => {
    expect(setTunable(Tunable.Somaxconn, -5)).toBe(EINVAL);
    expect(tunable(Tunable.Somaxconn)).toBe(4096);
  });

  it("rejects somaxconn and tcp_max_syn_backlog outside 0..2^31-1", () => {
    expect(setTunable(Tunable.Somaxconn, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.Somaxconn, 0x80000000)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpMaxSynBacklog, -1)).toBe(EINVAL);
  });

  it("rejects tcp_syncookies outside 0..2", () => {
    expect(setTunable(Tunable.TcpSyncookies, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSyncookies, 3)).toBe(EINVAL);
  });

  it("rejects SYN and SYN-ACK retries outside 1..127", () => {
    expect(setTunable(Tunable.TcpSynRetries, 0)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynRetries, 128)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynackRetries, 0)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynackRetries, 128)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynLinearTimeouts, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynLinearTimeouts, 128)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpSynLinearTimeouts, 0)).toBe(0);
  });

  it("rejects ports outside 1..65535 for ip_local_port_range and 0..65535 for the unprivileged start", () => {
    expect(setTunable(Tunable.IpLocalPortRangeLow, 0)).toBe(EINVAL);
    expect(setTunable(Tunable.IpLocalPortRangeHigh, 65536)).toBe(EINVAL);
    expect(setTunable(Tunable.IpUnprivilegedPortStart, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.IpUnprivilegedPortStart, 65536)).toBe(EINVAL);
    expect(setTunable(Tunable.IpUnprivilegedPortStart, 0)).toBe(0);
  });

  it("rejects an fd limit below 3 (stdio) or above 16 M", () => {
    expect(setTunable(Tunable.MaxFds, 2)).toBe(EINVAL);
    expect(setTunable(Tunable.MaxFds, (1 << 24) + 1)).toBe(EINVAL);
    expect(setTunable(Tunable.MaxFds, 3)).toBe(0);
  });

  it("rejects anything but 0 or 1 for the boolean tunables", () => {
    expect(setTunable(Tunable.Privileged, 2)).toBe(EINVAL);
    expect(setTunable(Tunable.Privileged, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpAbortOnOverflow, 2)).toBe(EINVAL);
    expect(setTunable(Tunable.TcpAbortOnOverflow, 1)).toBe(0);
  });

  it("rejects a negative link delay or one above an hour", () => {
    expect(setTunable(Tunable.LinkDelayUs, -1)).toBe(EINVAL);
    expect(setTunable(Tunable.LinkDelayUs, 3600000001)).toBe(EINVAL);
  });

  it("keeps a port range set high end first", () => {
    expect(setTunable(Tunable.IpLocalPortRangeHigh, 62000)).toBe(0);
    expect(setTunable(Tunable.IpLocalPortRangeLow, 61000)).toBe(0);
    expect(tunable(Tunable.IpLocalPortRangeLow)).toBe(61000);
    expect(tunable(Tunable.IpLocalPortRangeHigh)).toBe(62000);
  });

  it("goes back to the personality's defaults on setDefaults", () => {
    setTunable(Tunable.Somaxconn, 1);
    setTunable(Tunable.MaxFds, 10);
    setDefaults(Personality.FreeBSD);
    expect(tunable(Tunable.Somaxconn)).toBe(128);
    expect(tunable(Tunable.MaxFds)).toBe(1024);
    expect(tunable(Tunable.IpLocalPortRangeLow)).toBe(10000);
    expect(tunable(Tunable.IpLocalPortRangeHigh)).toBe(65535);
  });
});

describe("named rules: one answer per personality", () => {
  it("Linux: accept() on UDP is EOPNOTSUPP; abstract names, unix autobind and TCP_DEFER_ACCEPT exist; no accept filters; SYN checks the accept queue", () => {
    setDefaults(Personality.Linux);
    expect(acceptDatagramErrno()).toBe(Errno.EOPNOTSUPP);
    expect(unixAbstractNames()).toBe(true);
    expect(unixAutobinds()).toBe(true);
    expect(tcpDeferAcceptExists()).toBe(true);
    expect(acceptFiltersExist()).toBe(false);
    expect(synChecksAcceptQueue()).toBe(true);
    expect(synQueueLimit(7)).toBe(7);
  });
  it("FreeBSD: accept() on UDP is EINVAL; no abstract names, no unix autobind, no TCP_DEFER_ACCEPT; accept filters; the syncache decides at the ACK", () => {
    setDefaults(Personality.FreeBSD);
    expect(acceptDatagramErrno()).toBe(Errno.EINVAL);
    expect(unixAbstractNames()).toBe(false);
    expect(unixAutobinds()).toBe(false);
    expect(tcpDeferAcceptExists()).toBe(false);
    expect(acceptFiltersExist()).toBe(true);
    expect(synChecksAcceptQueue()).toBe(false);
    expect(synQueueLimit(7)).toBe(<u32>tunable(Tunable.TcpMaxSynBacklog));
  });
  it("POSIX follows Linux where it is silent", () => {
    setDefaults(Personality.Posix);
    expect(acceptDatagramErrno()).toBe(Errno.EOPNOTSUPP);
    expect(unixAbstractNames()).toBe(true);
    expect(unixAutobinds()).toBe(true);
    expect(synChecksAcceptQueue()).toBe(true);
    expect(synQueueLimit(7)).toBe(7);
  });
});

describe("synackRetries (Linux reqsk_timer_handler young-request rule)", () => {
  it("keeps the maximum while the SYN queue is at most half of max(8, backlog)", () => {
    setDefaults(Personality.Linux);
    expect(synackRetries(5, 4, 0, 8)).toBe(5);
    expect(synackRetries(5, 8, 0, 16)).toBe(5);
  });
  it("takes one retry off per halving of the young share, never below 2", () => {
    setDefaults(Personality.Linux);
    expect(synackRetries(5, 10, 6, 8)).toBe(5);   // young > qlen / 2
    expect(synackRetries(5, 10, 5, 8)).toBe(4);   // qlen >= 2 young, < 4 young
    expect(synackRetries(5, 10, 2, 8)).toBe(3);
    expect(synackRetries(5, 10, 0, 8)).toBe(2);
    expect(synackRetries(2, 10, 0, 8)).toBe(2);
  });
  it("FreeBSD's syncache has no such rule", () => {
    setDefaults(Personality.FreeBSD);
    expect(synackRetries(5, 100, 0, 8)).toBe(5);
  });
});
