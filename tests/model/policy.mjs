// The reference model's personality rules: every place where Linux, FreeBSD and POSIX
// disagree, for the calls the model covers, each rule once and named as its
// counterpart in assembly/policy/personality.ts (the row in docs/personalities.md in
// brackets). kernel_model.mjs asks these and compares no personality itself.
//
// Written again from the sources, not from the kernel: a rule here is the model's own
// reading of the same line, so a kernel that drifts from it is caught.

const LINUX = 'linux', FREEBSD = 'freebsd';

/** The rules for one personality ('linux', 'freebsd' or 'posix'). */
export function rulesFor(personality) {
  const bsd = personality === FREEBSD;
  const linux = personality === LINUX;
  return Object.freeze({
    /** Default net.core.somaxconn / kern.ipc.soacceptqueue [L2, F2]. */
    somaxconn: bsd ? 128 : 4096,

    /**
     * backlogLimit [L1, F1, P2]: Linux __sys_listen "(unsigned int)backlog > somaxconn";
     * FreeBSD solisten_proto "backlog < 0 || backlog > somaxconn"; POSIX: negative is 0.
     */
    backlogLimit(b, max) {
      if (linux) return (b >>> 0) > max ? max : b;
      if (bsd) return b < 0 || b > max ? max : b;
      return b < 0 ? 0 : Math.min(b, max);
    },

    /**
     * acceptQueueFull [L4, F4, P3/P6]: Linux sk_acceptq_is_full "sk_ack_backlog >
     * sk_max_ack_backlog"; FreeBSD solisten_clone "sol_qlen > 3 * sol_qlimit / 2";
     * POSIX: the backlog literally, at least 1.
     */
    acceptQueueFull(q, n) {
      if (linux) return q > n;
      if (bsd) return q > Math.floor((3 * n) / 2);
      return q >= Math.max(n, 1);
    },

    /** acceptInheritsNonblock [L19, F15, §7 A1]: FreeBSD accept() (ACCEPT4_INHERIT) copies SS_NBIO. */
    acceptInheritsNonblock: bsd,

    /** acceptInheritsReuse [§7 A2]: FreeBSD solisten_clone masks so_options; Linux sk_clone_lock copies sk_reuse. */
    acceptInheritsReuse: !bsd,
    /** acceptedKeepsPort: Linux sk_clone_lock clears SOCK_BINDPORT_LOCK on the child (its port goes back at TCP_CLOSE); FreeBSD keeps it. */
    acceptedKeepsPort: bsd,

    /**
     * acceptInheritsShutdown: Linux sk_clone_lock copies sk_shutdown (a child of a
     * listener shut down before listen() sends its FIN at once, probe fact
     * shutdown_before_listen); FreeBSD solisten_clone starts from a zeroed socket.
     */
    acceptInheritsShutdown: !bsd,

    /**
     * shutdownUnconnectedRecorded: Linux inet_shutdown "case TCP_CLOSE: err = -ENOTCONN;
     * fallthrough; default: sk->sk_shutdown |= how"; FreeBSD soshutdown returns ENOTCONN
     * for an unconnected stream socket before touching it (§5.4).
     */
    shutdownUnconnectedRecorded: !bsd,

    /**
     * shutdownStopsListener [L20, F17, §7 D1, D2]: Linux tcp_disconnect stops the
     * listener; FreeBSD answers ENOTCONN, keeps listening and, unless SHUT_WR, sets
     * so_error = ECONNABORTED for the next accept().
     */
    shutdownStopsListener: !bsd,

    /**
     * acceptFiltersExist [F8, §7 F1-F13]: FreeBSD SO_ACCEPTFILTER (accept_filter(9)); the
     * other personalities have no such option (ENOPROTOOPT).
     */
    acceptFiltersExist: bsd,

    /**
     * listenerPollsSoError [§7 D3]: FreeBSD sopoll_generic on a listener: the queue
     * gives POLLIN, else a pending error gives POLLIN|POLLHUP.
     */
    listenerPollsSoError: bsd,

    /** connectUnspecDisconnects [§7 C8]: FreeBSD soconnectat/tcp_usr_connect never disconnect TCP. */
    connectUnspecDisconnects: !bsd,

    /** connectCompletedIsEisconn [§7 C4]: FreeBSD soconnectat reports SS_ISCONNECTED as EISCONN, never a second 0. */
    connectCompletedIsEisconn: bsd,

    /** connectAfterDropRefused [§7 C5, C6]: FreeBSD tcp_usr_connect "if (inp->inp_flags & INP_DROPPED) ECONNREFUSED". */
    connectAfterDropRefused: bsd,

    /** connectOnListenerErrno [§7 C1]: FreeBSD tcp_usr_connect "if (SOLISTENING(so)) EOPNOTSUPP"; Linux EISCONN. */
    connectOnListenerErrno: bsd ? 95 : 106,

    /** tcpSendNotConnectedErrno [§7 S2]: FreeBSD sosend_generic ENOTCONN; Linux sk_stream_wait_connect EPIPE. */
    tcpSendNotConnectedErrno: bsd ? 107 : 32,

    /**
     * bindFollowsInPcbbindSetup [§7 R1-R5]: FreeBSD in_pcbbind_setup: without a reuse
     * option a wildcard lookup (any PCB on the port whose address overlaps), with one an
     * exact lookup of unconnected PCBs on the same address. Linux inet_bind_conflict.
     */
    bindFollowsInPcbbindSetup: bsd,

    /**
     * droppedRefusesBindListen [F9, §7 L8]: FreeBSD tcp_usr_bind / tcp_usr_listen "if
     * (inp->inp_flags & INP_DROPPED)" EINVAL once a connection ended; Linux starts afresh.
     */
    droppedRefusesBindListen: bsd,

    /** listenRechecksPort [§7 R9]: FreeBSD tcp_usr_listen binds only an unbound socket; Linux inet_csk_listen_start checks again. */
    listenRechecksPort: !bsd,

    /**
     * ephemeralRandomStepOne [§7 E1-E3]: FreeBSD in_pcb_lport_dest, range 10000-65535, a
     * random start and step 1, no parity; Linux 32768-60999, bind odd, connect even
     * [L21, L22]. POSIX follows Linux.
     */
    ephemeralRandomStepOne: bsd,
    ephemeralRange: bsd ? [10000, 65535] : [32768, 60999],
  });
}
