/*
 * probe.c - ask the real Linux kernel how listen/accept/connect and the data
 * path (send/recv, close, poll, datagrams, buffer sizes) behave.
 *
 * Loopback only (127.0.0.1, ::1, AF_UNIX abstract names and /tmp paths).
 * Every socket is nonblocking or has a send timeout, every wait is a poll()
 * with a small timeout, every port is kernel-chosen (bind port 0).
 *
 * Output: one JSON object per line:  {"fact":"<name>","value":<json>}
 *
 * Conventions inside values:
 *   - a failed call is reported as its errno name, e.g. "EINVAL";
 *   - a successful call is reported as its numeric return value
 *     (0 for calls returning 0; fd-returning calls such as socket() and
 *     accept() are normalised to 0, since fd numbers are not meaningful,
 *     except in socket_errors.fd_numbers);
 *   - poll revents are strings like "POLLOUT|POLLHUP" ("" = nothing).
 *
 * Build:  gcc -O1 -Wall -o /tmp/probe tests/linux/probe.c
 * Run:    /tmp/probe          (run as root for the port-80 / SOCK_RAW facts)
 *
 * Sysctls are only read, never written.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CAP 40           /* max connections we try when measuring capacity */
#define CONNECT_WAIT 50  /* ms: "became connected" window on loopback */

/* ------------------------------------------------------------------ */
/* errno names                                                          */
/* ------------------------------------------------------------------ */

static const char *errname(int e)
{
    static char buf[32];
    switch (e) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(EINTR) E(EIO) E(EBADF) E(EAGAIN) E(ENOMEM)
    E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(ENODEV) E(ENOTDIR) E(EISDIR)
    E(EINVAL) E(ENFILE) E(EMFILE) E(ENOSPC) E(EPIPE) E(ENAMETOOLONG)
    E(ENOSYS) E(ENOTSOCK) E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE)
    E(ENOPROTOOPT) E(EPROTONOSUPPORT) E(ESOCKTNOSUPPORT) E(EOPNOTSUPP)
    E(EPFNOSUPPORT) E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL)
    E(ENETDOWN) E(ENETUNREACH) E(ENETRESET) E(ECONNABORTED) E(ECONNRESET)
    E(ENOBUFS) E(EISCONN) E(ENOTCONN) E(ESHUTDOWN) E(ETIMEDOUT)
    E(ECONNREFUSED) E(EHOSTDOWN) E(EHOSTUNREACH) E(EALREADY) E(EINPROGRESS)
#undef E
    }
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

/* return value -> ret, or -errno on failure */
static long R(long ret) { return ret < 0 ? -errno : ret; }

/* ------------------------------------------------------------------ */
/* tiny JSON line builder                                               */
/* ------------------------------------------------------------------ */

static char jb[1 << 16];
static size_t jl;
static int jfirst[32];
static int jd;

static void jput(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(jb + jl, sizeof jb - jl, fmt, ap);
    va_end(ap);
    if (n > 0)
        jl += (size_t)n < sizeof jb - jl ? (size_t)n : sizeof jb - jl - 1;
}

static void jstr(const char *s)
{
    jput("\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            jput("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            jput("\\u%04x", (unsigned char)*s);
        else
            jput("%c", *s);
    }
    jput("\"");
}

/* separator + optional key */
static void jpre(const char *k)
{
    if (!jfirst[jd])
        jput(",");
    jfirst[jd] = 0;
    if (k) {
        jstr(k);
        jput(":");
    }
}

static void J_int(const char *k, long v) { jpre(k); jput("%ld", v); }
static void J_str(const char *k, const char *s) { jpre(k); jstr(s); }
static void J_bool(const char *k, int b) { jpre(k); jput(b ? "true" : "false"); }
static void J_null(const char *k) { jpre(k); jput("null"); }
/* syscall result: number on success, errno name on failure */
static void J_rc(const char *k, long rc)
{
    if (rc < 0)
        J_str(k, errname((int)-rc));
    else
        J_int(k, rc);
}
/* fd-returning syscall result: 0 on success, errno name on failure */
static void J_fdrc(const char *k, long rc) { J_rc(k, rc < 0 ? rc : 0); }
/* SO_ERROR style value: 0 or errno name */
static void J_err(const char *k, int e)
{
    if (e)
        J_str(k, errname(e));
    else
        J_int(k, 0);
}
static void J_obj(const char *k) { jpre(k); jput("{"); jfirst[++jd] = 1; }
static void J_end(void) { jput("}"); jd--; }
static void J_arr(const char *k) { jpre(k); jput("["); jfirst[++jd] = 1; }
static void J_end_arr(void) { jput("]"); jd--; }

static void fact_begin(const char *name)
{
    jl = 0;
    jd = 0;
    jput("{\"fact\":");
    jstr(name);
    jput(",\"value\":{");
    jd = 1;
    jfirst[1] = 1;
}

static void fact_end(void)
{
    jput("}}");
    printf("%s\n", jb);
    fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* socket helpers                                                       */
/* ------------------------------------------------------------------ */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static socklen_t mkaddr(int fam, const char *ip, int port,
                        struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (fam == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, ip ? ip : "127.0.0.1", &a->sin_addr);
        return sizeof *a;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, ip ? ip : "::1", &a->sin6_addr);
    return sizeof *a;
}

static long do_bind(int fd, int fam, const char *ip, int port)
{
    struct sockaddr_storage ss;
    socklen_t l = mkaddr(fam, ip, port, &ss);
    return R(bind(fd, (struct sockaddr *)&ss, l));
}

static long do_connect(int fd, int fam, const char *ip, int port)
{
    struct sockaddr_storage ss;
    socklen_t l = mkaddr(fam, ip, port, &ss);
    return R(connect(fd, (struct sockaddr *)&ss, l));
}

static int ss_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return -1;
}

static const char *ss_str(const struct sockaddr_storage *ss)
{
    static char buf[80];
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof ip);
        snprintf(buf, sizeof buf, "%s:%d", ip, ss_port(ss));
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof ip);
        snprintf(buf, sizeof buf, "[%s]:%d", ip, ss_port(ss));
    } else {
        snprintf(buf, sizeof buf, "family=%d", ss->ss_family);
    }
    return buf;
}

static int local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &l) < 0)
        return -1;
    return ss_port(&ss);
}

static int get_int(int fd, int level, int opt)
{
    int v = 0;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, opt, &v, &l) < 0)
        return -errno;
    return v;
}

static int set_int(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof v);
}

static int so_error(int fd) { return get_int(fd, SOL_SOCKET, SO_ERROR); }

static int is_nonblock(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int tcp_sock(int fam) { return socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0); }

/* nonblocking TCP listener on loopback, kernel-chosen port */
static int listener(int fam, int backlog)
{
    int fd = tcp_sock(fam);
    if (fd < 0 || do_bind(fd, fam, NULL, 0) < 0 || listen(fd, backlog) < 0) {
        perror("listener");
        exit(1);
    }
    return fd;
}

/* nonblocking client with connect() started; *rc = connect result */
static int client(int fam, int port, long *rc)
{
    int fd = tcp_sock(fam);
    long r = do_connect(fd, fam, NULL, port);
    if (rc)
        *rc = r;
    return fd;
}

static short wait_ev(int fd, short ev, int ms)
{
    struct pollfd p = { fd, ev, 0 };
    return poll(&p, 1, ms) > 0 ? p.revents : 0;
}

/* poll until any of ev (or error) shows up; returns elapsed ms or -1 */
static long wait_elapsed(int fd, short ev, int max_ms, short *rev)
{
    long t0 = now_ms();
    short r = wait_ev(fd, ev, max_ms);
    if (rev)
        *rev = r;
    return r ? now_ms() - t0 : -1;
}

static const char *evstr(short r)
{
    static char buf[128];
    buf[0] = 0;
    static const struct { short bit; const char *n; } t[] = {
        { POLLIN, "POLLIN" }, { POLLPRI, "POLLPRI" }, { POLLOUT, "POLLOUT" },
        { POLLERR, "POLLERR" }, { POLLHUP, "POLLHUP" }, { POLLNVAL, "POLLNVAL" },
        { POLLRDHUP, "POLLRDHUP" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (r & t[i].bit) {
            if (buf[0])
                strcat(buf, "|");
            strcat(buf, t[i].n);
        }
    return buf;
}

/* revents right now (after a tiny grace period for loopback softirqs) */
static const char *ev_now(int fd)
{
    return evstr(wait_ev(fd, POLLIN | POLLOUT | POLLRDHUP, 0));
}

static int connected_within(int fd, int ms)
{
    short r = wait_ev(fd, POLLOUT, ms);
    return (r & POLLOUT) && !(r & (POLLERR | POLLHUP)) && so_error(fd) == 0;
}

/*
 * Connect clients to port one after another until one does not become
 * connected within CONNECT_WAIT ms, or cap is reached.  fds[0..n-1] are
 * connected clients; *stuck is the first client that stayed in SYN_SENT
 * (or -1).  Caller closes everything.
 */
static int fill(int fam, int port, int *fds, int cap, int *stuck)
{
    *stuck = -1;
    for (int n = 0; n < cap; n++) {
        int fd = client(fam, port, NULL);
        if (!connected_within(fd, CONNECT_WAIT)) {
            *stuck = fd;
            return n;
        }
        fds[n] = fd;
    }
    return cap;
}

static int accept_nb(int lfd) { return accept4(lfd, NULL, NULL, SOCK_NONBLOCK); }

/* accept everything queued; returns count */
static int drain(int lfd)
{
    int n = 0, fd;
    while ((fd = accept_nb(lfd)) >= 0) {
        close(fd);
        n++;
    }
    return n;
}

/* emit a sysctl: number, array of numbers, or null if missing */
static void J_sysctl(const char *k, const char *path)
{
    char buf[128];
    FILE *f = fopen(path, "r");
    if (!f) {
        J_null(k);
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    long v[4];
    int cnt = 0;
    char *p = buf, *end;
    while (cnt < 4) {
        long x = strtol(p, &end, 10);
        if (end == p)
            break;
        v[cnt++] = x;
        p = end;
    }
    if (cnt == 1) {
        J_int(k, v[0]);
    } else {
        J_arr(k);
        for (int i = 0; i < cnt; i++)
            J_int(NULL, v[i]);
        J_end_arr();
    }
}

static long sysctl_num(const char *path, int idx)
{
    FILE *f = fopen(path, "r");
    long a = -1, b = -1;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &a, &b) < 1)
        a = -1;
    fclose(f);
    return idx ? b : a;
}

static const char *parity(int port) { return port < 0 ? "none" : (port & 1) ? "odd" : "even"; }

/* unix helpers */
static int upath_n;
static socklen_t unix_path(struct sockaddr_un *a, int abstract)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (abstract) {
        int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1,
                         "sockprobe-%d-%d", getpid(), upath_n++);
        return offsetof(struct sockaddr_un, sun_path) + 1 + n;
    }
    snprintf(a->sun_path, sizeof a->sun_path, "/tmp/sockprobe-%d-%d", getpid(), upath_n++);
    unlink(a->sun_path);
    return sizeof *a;
}

static long ubind(int fd, struct sockaddr_un *a, socklen_t l)
{
    return R(bind(fd, (struct sockaddr *)a, l));
}

static long uconnect(int fd, struct sockaddr_un *a, socklen_t l)
{
    return R(connect(fd, (struct sockaddr *)a, l));
}

/* ------------------------------------------------------------------ */
/* facts                                                                */
/* ------------------------------------------------------------------ */

static void fact_socket_errors(void)
{
    fact_begin("socket_errors");

    /* fd numbers first, while the process is fresh */
    int a = socket(AF_INET, SOCK_STREAM, 0);
    int b = socket(AF_INET, SOCK_STREAM, 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    close(b);
    int d = socket(AF_INET, SOCK_STREAM, 0);
    J_obj("fd_numbers");
    J_int("first", a);
    J_int("second", b);
    J_int("third", c);
    J_int("after_closing_second", d);
    J_bool("lowest_free_reused", d == b);
    J_end();
    close(a);
    close(c);
    close(d);

    static const struct { const char *name; int d, t, p; } cases[] = {
        { "inet_stream_0", AF_INET, SOCK_STREAM, 0 },
        { "inet_stream_udp", AF_INET, SOCK_STREAM, IPPROTO_UDP },
        { "inet_dgram_tcp", AF_INET, SOCK_DGRAM, IPPROTO_TCP },
        { "inet_seqpacket_0", AF_INET, SOCK_SEQPACKET, 0 },
        { "inet6_seqpacket_0", AF_INET6, SOCK_SEQPACKET, 0 },
        { "unix_stream_tcp", AF_UNIX, SOCK_STREAM, IPPROTO_TCP },
        { "unix_stream_1", AF_UNIX, SOCK_STREAM, 1 },
        { "family_12345", 12345, SOCK_STREAM, 0 },
        { "inet_type_99", AF_INET, 99, 0 },
        { "inet_stream_unknown_flag_0x40000000", AF_INET, SOCK_STREAM | 0x40000000, 0 },
        { "inet_raw_0", AF_INET, SOCK_RAW, 0 },
        /* extras */
        { "inet_stream_tcp", AF_INET, SOCK_STREAM, IPPROTO_TCP },
        { "inet_stream_nonblock_cloexec", AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0 },
        { "inet_dgram_0", AF_INET, SOCK_DGRAM, 0 },
        { "inet6_stream_0", AF_INET6, SOCK_STREAM, 0 },
        { "inet_type_0", AF_INET, 0, 0 },
        { "inet_stream_proto_9999", AF_INET, SOCK_STREAM, 9999 },
        { "inet_stream_proto_-1", AF_INET, SOCK_STREAM, -1 },
        { "family_-1", -1, SOCK_STREAM, 0 },
        { "family_0_unspec", AF_UNSPEC, SOCK_STREAM, 0 },
        { "unix_dgram_0", AF_UNIX, SOCK_DGRAM, 0 },
        { "unix_seqpacket_0", AF_UNIX, SOCK_SEQPACKET, 0 },
        { "unix_raw_0", AF_UNIX, SOCK_RAW, 0 },
        { "inet_raw_tcp", AF_INET, SOCK_RAW, IPPROTO_TCP },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = socket(cases[i].d, cases[i].t, cases[i].p);
        J_fdrc(cases[i].name, R(fd));
        if (fd >= 0)
            close(fd);
    }
    fact_end();
}

static void fact_listen_errors(void)
{
    fact_begin("listen_errors");
    int fd, fd2;

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    J_rc("udp", R(listen(fd, 1)));
    close(fd);

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    J_rc("unix_stream_unbound", R(listen(fd, 1)));
    close(fd);

    fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    J_rc("unix_seqpacket_unbound", R(listen(fd, 1)));
    close(fd);

    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    J_rc("unix_dgram", R(listen(fd, 1)));
    {
        struct sockaddr_un ua;
        socklen_t ul = unix_path(&ua, 1);
        ubind(fd, &ua, ul);
        J_rc("unix_dgram_bound", R(listen(fd, 1)));
    }
    close(fd);

    /* connected TCP client and the accepted server side */
    int l = listener(AF_INET, 4);
    fd = client(AF_INET, local_port(l), NULL);
    connected_within(fd, CONNECT_WAIT);
    J_rc("tcp_connected_client", R(listen(fd, 1)));
    fd2 = accept_nb(l);
    J_rc("tcp_accepted_server_side", R(listen(fd2, 1)));
    close(fd2);
    close(fd);
    J_rc("tcp_listen_twice", R(listen(l, 8)));
    close(l);

    /* SYN_SENT: listener with full accept queue */
    {
        int fds[CAP], stuck;
        l = listener(AF_INET, 0);
        int n = fill(AF_INET, local_port(l), fds, CAP, &stuck);
        J_rc("tcp_syn_sent", stuck >= 0 ? R(listen(stuck, 1)) : -ENOSYS);
        if (stuck >= 0)
            close(stuck);
        close_all(fds, n);
        close(l);
    }

    /* shutdown(SHUT_RDWR) on an unbound socket, then listen */
    J_obj("tcp_after_shutdown_rdwr_unbound");
    fd = tcp_sock(AF_INET);
    J_rc("shutdown", R(shutdown(fd, SHUT_RDWR)));
    J_rc("listen", R(listen(fd, 4)));
    J_int("acceptconn", get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));
    J_int("port_nonzero", local_port(fd) > 0);
    J_str("listener_revents", ev_now(fd));
    {
        int cfd = client(AF_INET, local_port(fd), NULL);
        J_bool("client_connected", connected_within(cfd, CONNECT_WAIT));
        int afd = accept_nb(fd);
        J_fdrc("accept", R(afd));
        if (afd >= 0) {
            char buf[8];
            J_str("accepted_revents", ev_now(afd));
            J_err("accepted_so_error", so_error(afd));
            J_str("client_revents_before_send", ev_now(cfd));
            J_rc("client_send", R(send(cfd, "x", 1, MSG_NOSIGNAL)));
            sleep_ms(5);
            J_str("client_revents_after_send", ev_now(cfd));
            wait_ev(afd, POLLIN, CONNECT_WAIT);
            J_rc("accepted_recv", R(recv(afd, buf, sizeof buf, MSG_DONTWAIT)));
            J_rc("accepted_send", R(send(afd, "y", 1, MSG_NOSIGNAL | MSG_DONTWAIT)));
            close(afd);
        }
        close(cfd);
    }
    close(fd);
    J_end();

    /* closed fd number and non-socket fd */
    fd = open("/dev/null", O_RDONLY);
    J_rc("dev_null", R(listen(fd, 1)));
    close(fd);
    J_rc("closed_fd", R(listen(fd, 1)));  /* fd number is now closed */

    /* second socket on the same port with SO_REUSEADDR */
    J_obj("reuseaddr_second_listen");
    fd = tcp_sock(AF_INET);
    fd2 = tcp_sock(AF_INET);
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(fd2, SOL_SOCKET, SO_REUSEADDR, 1);
    J_rc("bind1", do_bind(fd, AF_INET, NULL, 0));
    J_rc("bind2", do_bind(fd2, AF_INET, NULL, local_port(fd)));
    J_rc("listen1", R(listen(fd, 4)));
    J_rc("listen2", R(listen(fd2, 4)));
    J_int("acceptconn2", get_int(fd2, SOL_SOCKET, SO_ACCEPTCONN));
    J_int("port2_after_failed_listen_same", local_port(fd2) == local_port(fd));
    close(fd);
    close(fd2);
    J_end();

    J_obj("reuseport_second_listen");
    fd = tcp_sock(AF_INET);
    fd2 = tcp_sock(AF_INET);
    set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    set_int(fd2, SOL_SOCKET, SO_REUSEPORT, 1);
    J_rc("bind1", do_bind(fd, AF_INET, NULL, 0));
    J_rc("bind2", do_bind(fd2, AF_INET, NULL, local_port(fd)));
    J_rc("listen1", R(listen(fd, 4)));
    J_rc("listen2", R(listen(fd2, 4)));
    close(fd);
    close(fd2);
    J_end();

    /* unbound listen -> autobind */
    J_obj("autobind");
    fd = tcp_sock(AF_INET);
    J_rc("listen", R(listen(fd, 4)));
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        int p = ss_port(&ss);
        long lo = sysctl_num("/proc/sys/net/ipv4/ip_local_port_range", 0);
        long hi = sysctl_num("/proc/sys/net/ipv4/ip_local_port_range", 1);
        J_str("sockname", ss_str(&ss));
        J_int("port", p);
        J_str("parity", parity(p));
        J_bool("in_ip_local_port_range", p >= lo && p <= hi);
    }
    close(fd);
    J_end();

    fact_end();
}

static void fact_backlog_capacity(void)
{
    static const int backlogs[] = { -1, 0, 1, 2, 3, 5, 8, 16 };
    char key[16];
    fact_begin("backlog_capacity");
    J_sysctl("somaxconn", "/proc/sys/net/core/somaxconn");
    J_obj("counts");
    for (size_t i = 0; i < sizeof backlogs / sizeof backlogs[0]; i++) {
        int fds[CAP], stuck;
        int l = listener(AF_INET, backlogs[i]);
        int n = fill(AF_INET, local_port(l), fds, CAP, &stuck);
        snprintf(key, sizeof key, "%d", backlogs[i]);
        if (n >= CAP)
            J_str(key, ">=40");
        else
            J_int(key, n);
        if (stuck >= 0)
            close(stuck);
        close_all(fds, n);
        close(l);
    }
    J_end();
    /* same for IPv6 with backlog 1 (extra) */
    {
        int fds[CAP], stuck;
        int l = listener(AF_INET6, 1);
        int n = fill(AF_INET6, local_port(l), fds, CAP, &stuck);
        J_int("ipv6_backlog_1", n);
        if (stuck >= 0)
            close(stuck);
        close_all(fds, n);
        close(l);
    }
    fact_end();
}

static void fact_relisten(void)
{
    int fds[CAP], more[CAP], stuck, n, m;
    fact_begin("relisten");

    int l = listener(AF_INET, 1);
    int port = local_port(l);
    n = fill(AF_INET, port, fds, CAP, &stuck);
    J_int("backlog_1_filled", n);
    if (stuck >= 0)
        close(stuck);
    J_rc("listen_again_backlog_4", R(listen(l, 4)));
    J_bool("port_unchanged", local_port(l) == port);
    m = fill(AF_INET, port, more, CAP, &stuck);
    J_int("more_after_grow", m);
    if (stuck >= 0)
        close(stuck);
    close_all(fds, n);
    close_all(more, m);
    close(l);

    J_obj("shrink");
    l = listener(AF_INET, 4);
    port = local_port(l);
    n = fill(AF_INET, port, fds, CAP, &stuck);
    J_int("backlog_4_filled", n);
    if (stuck >= 0)
        close(stuck);
    J_rc("listen_0", R(listen(l, 0)));
    m = fill(AF_INET, port, more, CAP, &stuck);
    J_int("more_after_shrink", m);
    if (stuck >= 0)
        close(stuck);
    close_all(more, m);
    J_int("accepted_after_shrink", drain(l));
    m = fill(AF_INET, port, more, CAP, &stuck);
    J_int("capacity_after_drain", m);
    if (stuck >= 0)
        close(stuck);
    close_all(more, m);
    close_all(fds, n);
    close(l);
    J_end();

    fact_end();
}

static void fact_nonblocking_connect(void)
{
    long rc;
    fact_begin("nonblocking_connect");
    int l = listener(AF_INET, 16);
    int port = local_port(l);

    int c = client(AF_INET, port, &rc);
    J_rc("connect", rc);
    int a = accept_nb(l);
    J_fdrc("immediate_accept", R(a));
    J_str("client_revents_immediately", ev_now(c));
    connected_within(c, CONNECT_WAIT);
    if (a < 0)
        a = accept_nb(l);
    J_err("so_error", so_error(c));
    J_rc("second_connect", do_connect(c, AF_INET, NULL, port));
    J_rc("third_connect", do_connect(c, AF_INET, NULL, port));
    J_rc("connect_other_addr", do_connect(c, AF_INET, NULL, port + 1));
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        J_rc("getpeername", R(getpeername(c, (struct sockaddr *)&ss, &sl)));
        J_str("peer", ss_str(&ss));
        J_bool("peer_port_matches", ss_port(&ss) == port);
    }
    close(a);
    close(c);

    /* repeat: how often does accept() succeed right after connect()? */
    int ok = 0, inprog = 0;
    for (int i = 0; i < 20; i++) {
        c = client(AF_INET, port, &rc);
        if (rc == -EINPROGRESS)
            inprog++;
        a = accept_nb(l);
        if (a >= 0) {
            ok++;
            close(a);
        }
        close(c);
    }
    drain(l);
    J_int("immediate_accept_success_of_20", ok);
    J_int("connect_einprogress_of_20", inprog);

    /* blocking connect (bounded by SO_SNDTIMEO) */
    c = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    J_rc("blocking_connect", do_connect(c, AF_INET, NULL, port));
    close(c);
    drain(l);
    close(l);
    fact_end();
}

static void fact_connect_refused(void)
{
    long rc;
    short rev;
    fact_begin("connect_refused");
    /* a bound but not listening socket reserves the port */
    int hold = tcp_sock(AF_INET);
    do_bind(hold, AF_INET, NULL, 0);
    int port = local_port(hold);

    int c = client(AF_INET, port, &rc);
    J_rc("connect", rc);
    J_str("revents_immediately", ev_now(c));
    long ms = wait_elapsed(c, POLLOUT, 500, &rev);
    J_int("poll_ms", ms);
    J_str("poll_revents", evstr(rev));
    J_err("so_error_1", so_error(c));
    J_err("so_error_2", so_error(c));
    J_rc("connect_again_after_so_error_read", do_connect(c, AF_INET, NULL, port));
    J_err("so_error_after", so_error(c));
    J_rc("third_connect", do_connect(c, AF_INET, NULL, port));
    wait_elapsed(c, POLLOUT, 500, &rev);
    J_err("third_connect_so_error", so_error(c));
    close(c);

    c = client(AF_INET, port, NULL);
    wait_elapsed(c, POLLOUT, 500, &rev);
    J_rc("connect_again_without_so_error_read", do_connect(c, AF_INET, NULL, port));
    J_err("so_error_after_that", so_error(c));
    close(c);

    c = client(AF_INET, port, NULL);
    wait_elapsed(c, POLLOUT, 500, &rev);
    {
        char buf[4];
        J_rc("recv_after_refused", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
        J_rc("recv_after_refused_2", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
    }
    close(c);

    c = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    J_rc("blocking_connect", do_connect(c, AF_INET, NULL, port));
    close(c);
    close(hold);
    fact_end();
}

static void fact_connect_ealready(void)
{
    int fds[CAP], stuck;
    short rev;
    long rc;
    fact_begin("connect_ealready");
    int l = listener(AF_INET, 0);
    int port = local_port(l);
    int n = fill(AF_INET, port, fds, CAP, &stuck);
    if (stuck >= 0)
        close(stuck);
    J_int("queue_filled_with", n);

    long t0 = now_ms();
    int c = client(AF_INET, port, &rc);
    J_rc("first_connect", rc);
    J_rc("second_connect", do_connect(c, AF_INET, NULL, port));
    J_rc("connect_other_port_while_syn_sent", do_connect(c, AF_INET, NULL, port + 1));
    J_err("so_error_while_syn_sent", so_error(c));
    J_str("revents_after_200ms", evstr(wait_ev(c, POLLOUT, 200)));
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        J_rc("getpeername_while_syn_sent", R(getpeername(c, (struct sockaddr *)&ss, &sl)));
    }
    int a = accept_nb(l);
    J_fdrc("accept_one", R(a));
    long t1 = now_ms();
    long ms = wait_elapsed(c, POLLOUT, 2500, &rev);
    J_int("ms_after_accept_until_connected", ms);
    J_int("ms_since_connect_until_connected", ms < 0 ? -1 : now_ms() - t0);
    (void)t1;
    J_str("revents", evstr(rev));
    J_err("so_error", so_error(c));
    J_rc("connect_after_established", do_connect(c, AF_INET, NULL, port));
    int a2 = accept_nb(l);
    J_fdrc("accept_late_client", R(a2));
    if (a2 >= 0)
        close(a2);
    if (a >= 0)
        close(a);
    close(c);
    close_all(fds, n);
    close(l);
    fact_end();
}

static void fact_accept_errors(void)
{
    int fd, a;
    fact_begin("accept_errors");

    fd = tcp_sock(AF_INET);
    J_rc("unbound_tcp", R(accept(fd, NULL, NULL)));
    do_bind(fd, AF_INET, NULL, 0);
    J_rc("bound_not_listening", R(accept(fd, NULL, NULL)));
    close(fd);

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("udp", R(accept(fd, NULL, NULL)));
    close(fd);

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("unix_dgram", R(accept(fd, NULL, NULL)));
    close(fd);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("unix_stream_unbound", R(accept(fd, NULL, NULL)));
    close(fd);

    fd = open("/dev/null", O_RDONLY);
    J_rc("dev_null", R(accept(fd, NULL, NULL)));
    close(fd);
    J_rc("closed_fd", R(accept(fd, NULL, NULL)));

    int l = listener(AF_INET, 16);
    int port = local_port(l);
    J_rc("nonblocking_empty", R(accept(l, NULL, NULL)));

    /* bad flags, with a connection queued */
    int c = client(AF_INET, port, NULL);
    connected_within(c, CONNECT_WAIT);
    J_rc("accept4_flags_0x1234", R(accept4(l, NULL, NULL, 0x1234)));
    J_rc("accept4_flags_O_APPEND", R(accept4(l, NULL, NULL, O_APPEND)));
    J_rc("accept4_after_bad_flags_still_queued", R(wait_ev(l, POLLIN, 0)));
    /* bad addrlen / bad address pointer: is the queued connection consumed? */
    {
        struct sockaddr_in sin;
        char buf[4];
        socklen_t sl = (socklen_t)-1;
        J_obj("accept_addrlen_negative");
        J_rc("accept", R(accept(l, (struct sockaddr *)&sin, &sl)));
        J_fdrc("accept_after", R(accept_nb(l)));
        wait_ev(c, POLLIN, CONNECT_WAIT);
        J_str("client_revents", ev_now(c));
        J_rc("client_recv", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
        J_end();
        close(c);
        c = client(AF_INET, port, NULL);
        connected_within(c, CONNECT_WAIT);
        sl = sizeof sin;
        J_obj("accept_bad_addr_pointer");
        J_rc("accept", R(accept(l, (struct sockaddr *)8, &sl)));
        J_fdrc("accept_after", R(accept_nb(l)));
        wait_ev(c, POLLIN, CONNECT_WAIT);
        J_str("client_revents", ev_now(c));
        J_rc("client_recv", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
        J_end();
        close(c);
    }
    c = client(AF_INET, port, NULL);
    connected_within(c, CONNECT_WAIT);
    a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    J_fdrc("accept4_nonblock_cloexec", R(a));
    J_bool("accept4_result_nonblocking", a >= 0 && is_nonblock(a));
    J_bool("accept4_result_cloexec", a >= 0 && (fcntl(a, F_GETFD) & FD_CLOEXEC));
    close(a);
    close(c);

    c = client(AF_INET, port, NULL);
    connected_within(c, CONNECT_WAIT);
    a = accept(l, NULL, NULL);
    J_bool("listener_is_nonblocking", is_nonblock(l));
    J_bool("accepted_inherits_nonblock", a >= 0 && is_nonblock(a));
    close(a);
    close(c);

    /* small addrlen: truncated, real length reported */
    c = client(AF_INET, port, NULL);
    connected_within(c, CONNECT_WAIT);
    {
        struct sockaddr_storage ss;
        socklen_t sl = 4;
        memset(&ss, 0, sizeof ss);
        a = accept(l, (struct sockaddr *)&ss, &sl);
        J_fdrc("accept_addrlen_4", R(a));
        J_int("accept_addrlen_4_returned_len", sl);
        close(a);
    }
    close(c);

    /* FIFO order + peer address */
    {
        int cs[5], ports[5], ok_order = 1, ok_addr = 1;
        for (int i = 0; i < 5; i++) {
            cs[i] = client(AF_INET, port, NULL);
            connected_within(cs[i], CONNECT_WAIT);
            ports[i] = local_port(cs[i]);
        }
        J_arr("fifo_client_ports");
        for (int i = 0; i < 5; i++)
            J_int(NULL, ports[i]);
        J_end_arr();
        J_arr("fifo_accepted_peer_ports");
        for (int i = 0; i < 5; i++) {
            struct sockaddr_storage ss, cs_ss;
            socklen_t sl = sizeof ss, csl = sizeof cs_ss;
            a = accept(l, (struct sockaddr *)&ss, &sl);
            J_int(NULL, ss_port(&ss));
            if (ss_port(&ss) != ports[i])
                ok_order = 0;
            getsockname(cs[i], (struct sockaddr *)&cs_ss, &csl);
            if (sl != csl || memcmp(&ss, &cs_ss, sl) != 0)
                ok_addr = 0;
            close(a);
        }
        J_end_arr();
        J_bool("fifo_order", ok_order);
        J_bool("peer_addr_equals_client_sockname", ok_addr);
        close_all(cs, 5);
    }
    close(l);
    fact_end();
}

static void fact_listener_close(void)
{
    int fds[CAP], stuck;
    char buf[8];
    short rev;
    fact_begin("listener_close");
    int l = listener(AF_INET, 1);
    int n = fill(AF_INET, local_port(l), fds, CAP, &stuck);
    J_int("queued", n);
    J_bool("have_syn_sent_client", stuck >= 0);
    long t0 = now_ms();
    close(l);
    sleep_ms(10);

    if (n >= 2) {
        J_obj("queued_client_a");
        J_str("revents", ev_now(fds[0]));
        J_rc("recv_1", R(recv(fds[0], buf, sizeof buf, MSG_DONTWAIT)));
        J_rc("recv_2", R(recv(fds[0], buf, sizeof buf, MSG_DONTWAIT)));
        J_err("so_error", so_error(fds[0]));
        J_rc("send", R(send(fds[0], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT)));
        J_end();
        J_obj("queued_client_b");
        J_err("so_error_first", so_error(fds[1]));
        J_rc("recv_1", R(recv(fds[1], buf, sizeof buf, MSG_DONTWAIT)));
        J_rc("send", R(send(fds[1], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT)));
        J_end();
    }
    if (stuck >= 0) {
        J_obj("syn_sent_client");
        J_str("revents_right_after_close", ev_now(stuck));
        long ms = wait_elapsed(stuck, POLLOUT, 2500, &rev);
        J_int("ms_until_event", ms);
        J_int("ms_since_listener_close", ms < 0 ? -1 : now_ms() - t0);
        J_str("revents", evstr(rev));
        J_err("so_error", so_error(stuck));
        J_end();
        close(stuck);
    }
    close_all(fds, n);
    fact_end();
}

static void fact_listener_shutdown_rd(void)
{
    char buf[8];
    fact_begin("listener_shutdown_rd");

    /* listener bound to port 0 (kernel-chosen) */
    int l = listener(AF_INET, 4);
    int p1 = local_port(l);
    int c = client(AF_INET, p1, NULL);
    J_bool("client_connected", connected_within(c, CONNECT_WAIT));
    J_rc("shutdown_rd", R(shutdown(l, SHUT_RD)));
    J_int("port_after_shutdown", local_port(l));
    J_bool("port_kept", local_port(l) == p1);
    J_fdrc("accept", R(accept_nb(l)));
    J_int("acceptconn", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    J_str("listener_revents", ev_now(l));
    sleep_ms(5);
    J_str("queued_client_revents", ev_now(c));
    J_rc("queued_client_recv", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
    J_rc("queued_client_recv_2", R(recv(c, buf, sizeof buf, MSG_DONTWAIT)));
    close(c);
    {
        int c2 = client(AF_INET, p1, NULL);
        J_bool("connect_to_old_port_connected", connected_within(c2, CONNECT_WAIT));
        J_err("connect_to_old_port_so_error", so_error(c2));
        close(c2);
    }
    J_rc("listen_again", R(listen(l, 4)));
    int p2 = local_port(l);
    J_int("acceptconn_after_relisten", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    J_bool("relisten_same_port", p2 == p1);
    c = client(AF_INET, p2, NULL);
    J_bool("new_client_connected", connected_within(c, CONNECT_WAIT));
    int a = accept_nb(l);
    J_fdrc("new_client_accept", R(a));
    if (a >= 0)
        close(a);
    close(c);
    close(l);

    /* same with an explicitly chosen port (SOCK_BINDPORT_LOCK) */
    J_obj("explicit_port");
    {
        int t = tcp_sock(AF_INET);
        do_bind(t, AF_INET, NULL, 0);
        int p = local_port(t);
        close(t);
        l = tcp_sock(AF_INET);
        J_rc("bind", do_bind(l, AF_INET, NULL, p));
        listen(l, 4);
        J_rc("shutdown_rd", R(shutdown(l, SHUT_RD)));
        J_bool("port_kept", local_port(l) == p);
        J_rc("listen_again", R(listen(l, 4)));
        J_bool("relisten_same_port", local_port(l) == p);
        close(l);
    }
    J_end();

    /* SHUT_WR and SHUT_RDWR on a listener */
    l = listener(AF_INET, 4);
    J_rc("shutdown_wr_on_listener", R(shutdown(l, SHUT_WR)));
    J_int("acceptconn_after_shut_wr", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    c = client(AF_INET, local_port(l), NULL);
    J_bool("shut_wr_client_connected", connected_within(c, CONNECT_WAIT));
    a = accept_nb(l);
    J_fdrc("shut_wr_accept", R(a));
    if (a >= 0)
        close(a);
    close(c);
    J_rc("shutdown_rdwr_on_listener", R(shutdown(l, SHUT_RDWR)));
    J_int("acceptconn_after_shut_rdwr", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    J_rc("shutdown_rd_again_on_closed_listener", R(shutdown(l, SHUT_RD)));
    close(l);

    /* shutdown on unconnected sockets */
    int s = tcp_sock(AF_INET);
    J_rc("shutdown_unconnected_tcp", R(shutdown(s, SHUT_RDWR)));
    do_bind(s, AF_INET, NULL, 0);
    J_rc("shutdown_bound_tcp", R(shutdown(s, SHUT_RD)));
    J_rc("shutdown_how_3", R(shutdown(s, 3)));
    close(s);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    J_rc("shutdown_unconnected_unix_stream", R(shutdown(s, SHUT_RDWR)));
    close(s);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    J_rc("shutdown_unconnected_udp", R(shutdown(s, SHUT_RDWR)));
    close(s);
    fact_end();
}

/* two sockets, optional options, bind both to ip1:p / ip2:p */
static void reuse_case(const char *key, const char *ip1, const char *ip2,
                       int opt, int listen_first)
{
    int a = tcp_sock(AF_INET), b = tcp_sock(AF_INET);
    if (opt) {
        set_int(a, SOL_SOCKET, opt, 1);
        set_int(b, SOL_SOCKET, opt, 1);
    }
    /* choose the port via 127.0.0.1:0 first, then rebind a as requested */
    int t = tcp_sock(AF_INET);
    do_bind(t, AF_INET, NULL, 0);
    int p = local_port(t);
    close(t);
    do_bind(a, AF_INET, ip1, p);
    if (listen_first)
        listen(a, 4);
    J_rc(key, do_bind(b, AF_INET, ip2, p));
    close(a);
    close(b);
}

/* server-side active close leaves TIME_WAIT on the listener's port */
static void time_wait_case(const char *key, int listener_reuseaddr)
{
    int l = tcp_sock(AF_INET), a;
    set_int(l, SOL_SOCKET, SO_REUSEADDR, listener_reuseaddr);
    do_bind(l, AF_INET, NULL, 0);
    listen(l, 4);
    int p = local_port(l);
    int cl = client(AF_INET, p, NULL);
    connected_within(cl, CONNECT_WAIT);
    int s = accept_nb(l);
    close(s);                          /* server: active close */
    wait_ev(cl, POLLIN, CONNECT_WAIT); /* client sees FIN */
    close(cl);
    sleep_ms(10);
    close(l);
    J_obj(key);
    a = tcp_sock(AF_INET);
    J_rc("bind_no_opts", do_bind(a, AF_INET, NULL, p));
    close(a);
    a = tcp_sock(AF_INET);
    set_int(a, SOL_SOCKET, SO_REUSEADDR, 1);
    J_rc("bind_reuseaddr", do_bind(a, AF_INET, NULL, p));
    close(a);
    J_end();
}

static void fact_reuse_rules(void)
{
    int a, b, c;
    fact_begin("reuse_rules");

    reuse_case("same_addr_no_opts", "127.0.0.1", "127.0.0.1", 0, 0);
    reuse_case("same_addr_no_opts_first_listening", "127.0.0.1", "127.0.0.1", 0, 1);

    J_obj("both_reuseaddr");
    a = tcp_sock(AF_INET);
    b = tcp_sock(AF_INET);
    c = tcp_sock(AF_INET);
    set_int(a, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int(c, SOL_SOCKET, SO_REUSEADDR, 1);
    do_bind(a, AF_INET, NULL, 0);
    J_rc("bind2_neither_listening", do_bind(b, AF_INET, NULL, local_port(a)));
    J_rc("listen1", R(listen(a, 4)));
    J_rc("bind3_while_first_listening", do_bind(c, AF_INET, NULL, local_port(a)));
    J_rc("listen2_while_first_listening", R(listen(b, 4)));
    close(a);
    J_rc("listen2_after_first_closed", R(listen(b, 4)));
    close(b);
    close(c);
    J_end();

    reuse_case("reuseaddr_bind_while_first_listening", "127.0.0.1", "127.0.0.1", SO_REUSEADDR, 1);
    {
        /* only the second socket has SO_REUSEADDR */
        a = tcp_sock(AF_INET);
        b = tcp_sock(AF_INET);
        set_int(b, SOL_SOCKET, SO_REUSEADDR, 1);
        do_bind(a, AF_INET, NULL, 0);
        J_rc("reuseaddr_only_second_not_listening", do_bind(b, AF_INET, NULL, local_port(a)));
        close(a);
        close(b);
    }

    J_obj("both_reuseport");
    a = tcp_sock(AF_INET);
    b = tcp_sock(AF_INET);
    c = tcp_sock(AF_INET);
    set_int(a, SOL_SOCKET, SO_REUSEPORT, 1);
    set_int(b, SOL_SOCKET, SO_REUSEPORT, 1);
    do_bind(a, AF_INET, NULL, 0);
    J_rc("listen1", R(listen(a, 4)));
    J_rc("bind2", do_bind(b, AF_INET, NULL, local_port(a)));
    J_rc("listen2", R(listen(b, 4)));
    J_rc("bind3_without_reuseport", do_bind(c, AF_INET, NULL, local_port(a)));
    close(a);
    close(b);
    close(c);
    J_end();

    reuse_case("wildcard_then_loopback_no_opts", "0.0.0.0", "127.0.0.1", 0, 0);
    reuse_case("loopback_then_wildcard_no_opts", "127.0.0.1", "0.0.0.0", 0, 0);
    reuse_case("wildcard_then_loopback_reuseaddr", "0.0.0.0", "127.0.0.1", SO_REUSEADDR, 0);
    reuse_case("loopback_then_wildcard_reuseaddr", "127.0.0.1", "0.0.0.0", SO_REUSEADDR, 0);
    reuse_case("wildcard_listening_then_loopback_reuseaddr", "0.0.0.0", "127.0.0.1", SO_REUSEADDR, 1);
    reuse_case("loopback_listening_then_wildcard_reuseaddr", "127.0.0.1", "0.0.0.0", SO_REUSEADDR, 1);
    reuse_case("127_0_0_1_then_127_0_0_2_no_opts", "127.0.0.1", "127.0.0.2", 0, 1);

    a = tcp_sock(AF_INET);
    J_rc("nonlocal_10_1_2_3", do_bind(a, AF_INET, "10.1.2.3", 0));
    J_rc("bind_127_0_0_2", do_bind(a, AF_INET, "127.0.0.2", 0));
    J_rc("bind_twice_same_socket", do_bind(a, AF_INET, NULL, 0));
    close(a);

    a = tcp_sock(AF_INET);
    J_rc("port_80_as_root", do_bind(a, AF_INET, NULL, 80));
    close(a);
    J_sysctl("ip_unprivileged_port_start", "/proc/sys/net/ipv4/ip_unprivileged_port_start");
    J_int("euid", geteuid());

    {
        struct sockaddr_storage ss;
        mkaddr(AF_INET, NULL, 0, &ss);
        a = tcp_sock(AF_INET);
        J_rc("short_addrlen_8", R(bind(a, (struct sockaddr *)&ss, 8)));
        J_rc("addrlen_0", R(bind(a, (struct sockaddr *)&ss, 0)));
        J_rc("addrlen_too_big_200", R(bind(a, (struct sockaddr *)&ss, 200)));
        close(a);
        a = tcp_sock(AF_INET);
        socklen_t l6 = mkaddr(AF_INET6, NULL, 0, &ss);
        J_rc("inet6_addr_on_inet_socket", R(bind(a, (struct sockaddr *)&ss, l6)));
        mkaddr(AF_INET, "127.0.0.1", 0, &ss);
        ss.ss_family = AF_UNSPEC;
        J_rc("af_unspec_127_on_inet_socket", R(bind(a, (struct sockaddr *)&ss, sizeof(struct sockaddr_in))));
        mkaddr(AF_INET, "0.0.0.0", 0, &ss);
        ss.ss_family = AF_UNSPEC;
        J_rc("af_unspec_any_on_inet_socket", R(bind(a, (struct sockaddr *)&ss, sizeof(struct sockaddr_in))));
        close(a);
        a = tcp_sock(AF_INET6);
        socklen_t l4 = mkaddr(AF_INET, NULL, 0, &ss);
        J_rc("inet_addr_on_inet6_socket", R(bind(a, (struct sockaddr *)&ss, l4)));
        close(a);
    }

    /* TIME_WAIT holding the listener's port (server closes first) */
    time_wait_case("time_wait_rebind_listener_without_reuseaddr", 0);
    time_wait_case("time_wait_rebind_listener_with_reuseaddr", 1);

    /* closing a listener with no connections frees the port */
    {
        int l = listener(AF_INET, 4);
        int p = local_port(l);
        close(l);
        a = tcp_sock(AF_INET);
        J_rc("rebind_after_idle_listener_close", do_bind(a, AF_INET, NULL, p));
        close(a);
    }
    fact_end();
}

static void fact_ephemeral_ports(void)
{
    int fds[20], ports[20], odd, in_range;
    long lo = sysctl_num("/proc/sys/net/ipv4/ip_local_port_range", 0);
    long hi = sysctl_num("/proc/sys/net/ipv4/ip_local_port_range", 1);
    fact_begin("ephemeral_ports");
    J_sysctl("ip_local_port_range", "/proc/sys/net/ipv4/ip_local_port_range");

    /* bind(port 0) */
    odd = 0;
    in_range = 1;
    for (int i = 0; i < 20; i++) {
        fds[i] = tcp_sock(AF_INET);
        do_bind(fds[i], AF_INET, NULL, 0);
        ports[i] = local_port(fds[i]);
        odd += ports[i] & 1;
        in_range &= ports[i] >= lo && ports[i] <= hi;
    }
    close_all(fds, 20);
    J_int("bind_odd_of_20", odd);
    J_bool("bind_all_in_range", in_range);
    J_arr("bind_ports");
    for (int i = 0; i < 20; i++)
        J_int(NULL, ports[i]);
    J_end_arr();

    /* connect() autobind */
    int l = listener(AF_INET, 64);
    odd = 0;
    in_range = 1;
    for (int i = 0; i < 20; i++) {
        fds[i] = client(AF_INET, local_port(l), NULL);
        ports[i] = local_port(fds[i]);
        odd += ports[i] & 1;
        in_range &= ports[i] >= lo && ports[i] <= hi;
    }
    close_all(fds, 20);
    close(l);
    J_int("connect_odd_of_20", odd);
    J_bool("connect_all_in_range", in_range);
    J_arr("connect_ports");
    for (int i = 0; i < 20; i++)
        J_int(NULL, ports[i]);
    J_end_arr();

    /* listen() autobind */
    odd = 0;
    for (int i = 0; i < 20; i++) {
        fds[i] = tcp_sock(AF_INET);
        listen(fds[i], 1);
        ports[i] = local_port(fds[i]);
        odd += ports[i] & 1;
    }
    close_all(fds, 20);
    J_int("listen_autobind_odd_of_20", odd);

    /* UDP bind(port 0), for comparison */
    odd = 0;
    for (int i = 0; i < 20; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        do_bind(fds[i], AF_INET, NULL, 0);
        odd += local_port(fds[i]) & 1;
    }
    close_all(fds, 20);
    J_int("udp_bind_odd_of_20", odd);
    fact_end();
}

static void sockopt_triple(const char *key, int d, int t, int p)
{
    int fd = socket(d, t, p);
    J_obj(key);
    J_int("SO_TYPE", get_int(fd, SOL_SOCKET, SO_TYPE));
    J_int("SO_DOMAIN", get_int(fd, SOL_SOCKET, SO_DOMAIN));
    J_int("SO_PROTOCOL", get_int(fd, SOL_SOCKET, SO_PROTOCOL));
    J_int("SO_ACCEPTCONN", get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));
    J_end();
    close(fd);
}

static void fact_sockopts(void)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    fact_begin("sockopts");
    sockopt_triple("tcp", AF_INET, SOCK_STREAM, 0);
    sockopt_triple("tcp6", AF_INET6, SOCK_STREAM, 0);
    sockopt_triple("udp", AF_INET, SOCK_DGRAM, 0);
    sockopt_triple("unix_stream", AF_UNIX, SOCK_STREAM, 0);
    sockopt_triple("unix_seqpacket", AF_UNIX, SOCK_SEQPACKET, 0);
    sockopt_triple("unix_dgram", AF_UNIX, SOCK_DGRAM, 0);
    sockopt_triple("unix_raw", AF_UNIX, SOCK_RAW, 0);

    int fd = tcp_sock(AF_INET);
    J_int("acceptconn_before_listen", get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));
    J_err("so_error_fresh", so_error(fd));
    J_str("revents_fresh_tcp", ev_now(fd));
    sl = sizeof ss;
    J_rc("getpeername_unconnected", R(getpeername(fd, (struct sockaddr *)&ss, &sl)));
    sl = sizeof ss;
    memset(&ss, 0xff, sizeof ss);
    J_rc("getsockname_unbound_tcp", R(getsockname(fd, (struct sockaddr *)&ss, &sl)));
    J_str("getsockname_unbound_tcp_addr", ss_str(&ss));
    J_int("getsockname_unbound_tcp_len", sl);
    do_bind(fd, AF_INET, NULL, 0);
    J_str("revents_bound_tcp", ev_now(fd));
    listen(fd, 4);
    J_int("acceptconn_after_listen", get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));
    J_str("revents_listener_empty", ev_now(fd));
    sl = sizeof ss;
    J_rc("getpeername_listener", R(getpeername(fd, (struct sockaddr *)&ss, &sl)));
    {
        int c = client(AF_INET, local_port(fd), NULL);
        J_str("revents_client_just_connected", ev_now(c));
        connected_within(c, CONNECT_WAIT);
        J_str("revents_listener_with_queued", ev_now(fd));
        J_str("revents_client_connected", ev_now(c));
        close(c);
    }
    close(fd);

    fd = socket(AF_INET6, SOCK_STREAM, 0);
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    J_str("getsockname_unbound_tcp6_addr", ss_str(&ss));
    J_int("getsockname_unbound_tcp6_len", sl);
    close(fd);

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sl = sizeof ss;
    memset(&ss, 0xff, sizeof ss);
    J_rc("getsockname_unbound_unix", R(getsockname(fd, (struct sockaddr *)&ss, &sl)));
    J_int("getsockname_unbound_unix_len", sl);
    J_int("getsockname_unbound_unix_family", ss.ss_family);
    sl = sizeof ss;
    J_rc("getpeername_unconnected_unix", R(getpeername(fd, (struct sockaddr *)&ss, &sl)));
    J_str("revents_fresh_unix_stream", ev_now(fd));
    /* autobind via bind(addrlen = sizeof(sa_family_t)) */
    {
        struct sockaddr_un ua;
        memset(&ua, 0, sizeof ua);
        ua.sun_family = AF_UNIX;
        J_rc("unix_autobind", R(bind(fd, (struct sockaddr *)&ua, sizeof(sa_family_t))));
        sl = sizeof ua;
        getsockname(fd, (struct sockaddr *)&ua, &sl);
        J_int("unix_autobind_len", sl);
        J_bool("unix_autobind_abstract", ua.sun_path[0] == 0);
        char name[16] = "";
        if (sl > 3 && sl - 3 < (socklen_t)sizeof name)
            memcpy(name, ua.sun_path + 1, sl - 3);
        J_str("unix_autobind_name_hex", name);
    }
    close(fd);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    J_str("revents_fresh_udp", ev_now(fd));
    close(fd);
    fact_end();
}

/* count nonblocking AF_UNIX connects until failure (cap CAP) */
static void unix_capacity(int type, int backlog, char *key)
{
    struct sockaddr_un ua;
    socklen_t ul = unix_path(&ua, 1);
    int l = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    ubind(l, &ua, ul);
    listen(l, backlog);
    int fds[CAP + 1], n = 0;
    long rc = 0;
    while (n < CAP) {
        fds[n] = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
        rc = uconnect(fds[n], &ua, ul);
        if (rc < 0) {
            close(fds[n]);
            break;
        }
        n++;
    }
    J_obj(key);
    J_int("count", n);
    J_rc("stopped_by", n >= CAP ? 0 : rc);
    J_end();
    close_all(fds, n);
    close(l);
}

static void fact_unix(void)
{
    struct sockaddr_un ua, ub;
    socklen_t ul, ubl;
    int l, c, a;
    char key[32];
    fact_begin("unix");

    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 0);
    J_rc("connect_nonexistent_path", uconnect(c, &ua, ul));
    ul = unix_path(&ua, 1);
    J_rc("connect_nonexistent_abstract", uconnect(c, &ua, ul));
    close(c);

    /* path bound by a non-listening socket */
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = unix_path(&ua, 0);
    ubind(l, &ua, ul);
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("connect_bound_not_listening", uconnect(c, &ua, ul));
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    J_rc("bind_existing_path", ubind(c, &ua, ul));
    close(c);
    close(l);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    J_rc("bind_existing_path_after_owner_closed", ubind(c, &ua, ul));
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("connect_stale_path", uconnect(c, &ua, ul));
    close(c);
    unlink(ua.sun_path);

    /* abstract bind clash */
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = unix_path(&ua, 1);
    ubind(l, &ua, ul);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    J_rc("bind_existing_abstract", ubind(c, &ua, ul));
    close(c);
    J_rc("bind_twice_same_socket", ubind(l, &ub, unix_path(&ub, 1)));
    close(l);

    /* type mismatches: filesystem path */
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    ul = unix_path(&ua, 0);
    ubind(l, &ua, ul);
    listen(l, 4);
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("path_stream_to_seqpacket_listener", uconnect(c, &ua, ul));
    close(c);
    c = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("path_dgram_to_seqpacket_listener", uconnect(c, &ua, ul));
    close(c);
    close(l);
    unlink(ua.sun_path);

    /* type mismatches: abstract name */
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    ul = unix_path(&ua, 1);
    ubind(l, &ua, ul);
    listen(l, 4);
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("abstract_stream_to_seqpacket_listener", uconnect(c, &ua, ul));
    close(c);
    c = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("abstract_dgram_to_seqpacket_listener", uconnect(c, &ua, ul));
    close(c);
    close(l);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = unix_path(&ua, 1);
    ubind(l, &ua, ul);
    listen(l, 4);
    c = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    J_rc("abstract_seqpacket_to_stream_listener", uconnect(c, &ua, ul));
    close(c);
    close(l);

    /* abstract name: full round trip */
    J_obj("abstract");
    l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    J_rc("bind", ubind(l, &ua, ul));
    J_rc("listen", R(listen(l, 4)));
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("connect", uconnect(c, &ua, ul));
    J_str("client_revents_unaccepted", ev_now(c));
    J_rc("client_send_unaccepted", R(send(c, "hi", 2, MSG_NOSIGNAL)));
    ubl = sizeof ub;
    J_rc("client_getpeername_unaccepted", R(getpeername(c, (struct sockaddr *)&ub, &ubl)));
    J_bool("client_peer_is_listener_name", ubl == ul && memcmp(&ua, &ub, ul) == 0);
    ubl = sizeof ub;
    getsockname(c, (struct sockaddr *)&ub, &ubl);
    J_int("client_sockname_len", ubl);
    J_str("listener_revents", ev_now(l));
    ubl = sizeof ub;
    a = accept4(l, (struct sockaddr *)&ub, &ubl, SOCK_NONBLOCK);
    J_fdrc("accept", R(a));
    J_int("accept_addrlen", ubl);
    ubl = sizeof ub;
    getsockname(l, (struct sockaddr *)&ub, &ubl);
    J_bool("getsockname_matches", ubl == ul && memcmp(&ua, &ub, ul) == 0);
    {
        char buf[8];
        J_rc("accepted_recv", R(recv(a, buf, sizeof buf, MSG_DONTWAIT)));
    }
    J_fdrc("accept_empty", R(accept(l, NULL, NULL)));
    J_rc("listen_on_connected_client", R(listen(c, 4)));
    J_rc("connect_again_connected", uconnect(c, &ua, ul));
    close(a);
    close(c);
    close(l);
    J_end();

    /* capacity by backlog */
    static const int bl[] = { 0, 1, 2, 4 };
    for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++) {
        snprintf(key, sizeof key, "stream_backlog_%d", bl[i]);
        unix_capacity(SOCK_STREAM, bl[i], key);
    }
    for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++) {
        snprintf(key, sizeof key, "seqpacket_backlog_%d", bl[i]);
        unix_capacity(SOCK_SEQPACKET, bl[i], key);
    }
    unix_capacity(SOCK_STREAM, -1, "stream_backlog_-1");

    /* full listener: blocking connect with SO_SNDTIMEO=200ms; relisten */
    J_obj("full_listener");
    l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(l, &ua, ul);
    listen(l, 0);
    int q = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("first_connect_nonblocking", uconnect(q, &ua, ul));
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("second_connect_nonblocking", uconnect(c, &ua, ul));
    J_rc("second_connect_nonblocking_retry", uconnect(c, &ua, ul));
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct timeval tv = { 0, 200000 };
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    long t0 = now_ms();
    J_rc("blocking_connect_sndtimeo_200ms", uconnect(c, &ua, ul));
    J_int("blocking_connect_ms", now_ms() - t0);
    close(c);
    J_rc("relisten_backlog_2", R(listen(l, 2)));
    {
        int more[CAP], n = 0;
        while (n < CAP) {
            more[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (uconnect(more[n], &ua, ul) < 0) {
                close(more[n]);
                break;
            }
            n++;
        }
        J_int("more_after_relisten", n);
        close_all(more, n);
    }
    /* listener closes with a queued (unaccepted) client */
    {
        int q2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        J_rc("connect_after_queued_clients_closed", uconnect(q2, &ua, ul));
        close(l);
        char buf[8];
        J_str("queued_client_revents_after_listener_close", ev_now(q));
        J_rc("queued_client_recv_1", R(recv(q, buf, sizeof buf, MSG_DONTWAIT)));
        J_rc("queued_client_recv_2", R(recv(q, buf, sizeof buf, MSG_DONTWAIT)));
        J_rc("queued_client_send", R(send(q, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT)));
        close(q2);
    }
    close(q);
    J_end();

    /* shutdown(SHUT_RD) on a unix listener */
    l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(l, &ua, ul);
    listen(l, 4);
    q = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    uconnect(q, &ua, ul);
    J_obj("listener_shutdown_rd");
    J_rc("shutdown", R(shutdown(l, SHUT_RD)));
    J_int("acceptconn", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    J_str("listener_revents", ev_now(l));
    J_str("queued_client_revents", ev_now(q));
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("connect_after", uconnect(c, &ua, ul));
    close(c);
    a = accept_nb(l);
    J_fdrc("accept_queued", R(a));
    if (a >= 0)
        close(a);
    J_rc("listen_again", R(listen(l, 4)));
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("connect_after_relisten", uconnect(c, &ua, ul));
    close(c);
    J_end();
    close(q);
    close(l);
    fact_end();
}

static void fact_ipv6(void)
{
    fact_begin("ipv6");
    J_sysctl("bindv6only", "/proc/sys/net/ipv6/bindv6only");
    int l = tcp_sock(AF_INET6);
    J_int("v6only_default", get_int(l, IPPROTO_IPV6, IPV6_V6ONLY));
    J_rc("bind_any6", do_bind(l, AF_INET6, "::", 0));
    listen(l, 4);
    int p = local_port(l);
    int c = client(AF_INET, p, NULL);
    J_bool("v4_client_to_any6_listener_connected", connected_within(c, CONNECT_WAIT));
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int a = accept(l, (struct sockaddr *)&ss, &sl);
        J_fdrc("accept", R(a));
        J_str("accepted_peer", ss_str(&ss));
        J_int("accepted_addrlen", sl);
        if (a >= 0)
            close(a);
    }
    close(c);
    int b = tcp_sock(AF_INET);
    J_rc("bind_v4_loopback_same_port_as_any6", do_bind(b, AF_INET, NULL, p));
    close(b);
    close(l);

    l = tcp_sock(AF_INET6);
    set_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    do_bind(l, AF_INET6, "::", 0);
    p = local_port(l);
    b = tcp_sock(AF_INET);
    J_rc("bind_v4_loopback_same_port_as_any6_v6only", do_bind(b, AF_INET, NULL, p));
    close(b);
    close(l);

    l = tcp_sock(AF_INET6);
    J_rc("bind_v4mapped_loopback", do_bind(l, AF_INET6, "::ffff:127.0.0.1", 0));
    close(l);
    fact_end();
}

/* ------------------------------------------------------------------ */
/* the data path                                                        */
/* ------------------------------------------------------------------ */

/* every send: no SIGPIPE, never blocks */
#define SEND_FLAGS (MSG_NOSIGNAL | MSG_DONTWAIT)

static long send_rc(int fd, const void *p, size_t n) { return R(send(fd, p, n, SEND_FLAGS)); }

/* recv() of at most n bytes (n <= 256) into a scratch buffer */
static long recv_rc(int fd, size_t n)
{
    char buf[256];
    return R(recv(fd, buf, n < sizeof buf ? n : sizeof buf, MSG_DONTWAIT));
}

/* recvmsg() into buf[len]; *trunc = MSG_TRUNC in msg_flags */
static long recvmsg_rc(int fd, char *buf, size_t len, int flags, int *trunc)
{
    struct iovec iov = { buf, len };
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    long n = R(recvmsg(fd, &m, flags | MSG_DONTWAIT));
    *trunc = n >= 0 && (m.msg_flags & MSG_TRUNC) != 0;
    return n;
}

static long sendto_port(int fd, int fam, const void *p, size_t n, int port)
{
    struct sockaddr_storage ss;
    socklen_t l = mkaddr(fam, NULL, port, &ss);
    return R(sendto(fd, p, n, SEND_FLAGS, (struct sockaddr *)&ss, l));
}

static long usendto(int fd, const void *p, size_t n, struct sockaddr_un *a, socklen_t l)
{
    return R(sendto(fd, p, n, SEND_FLAGS, (struct sockaddr *)a, l));
}

static int udp_sock(int fam) { return socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0); }

/* a loopback UDP port nobody holds: bound, then released */
static int closed_udp_port(int fam)
{
    int t = udp_sock(fam);
    do_bind(t, fam, NULL, 0);
    int p = local_port(t);
    close(t);
    return p;
}

/*
 * A connected loopback TCP pair, both nonblocking; the listener is closed again.
 * TCP_NODELAY on both ends: without it Nagle holds a second small write until the
 * first is acknowledged, and the probe would measure ACK timing, not the data path.
 */
static void tcp_pair(int *c, int *a)
{
    int l = listener(AF_INET, 4);
    *c = client(AF_INET, local_port(l), NULL);
    connected_within(*c, CONNECT_WAIT);
    *a = accept_nb(l);
    close(l);
    set_int(*c, IPPROTO_TCP, TCP_NODELAY, 1);
    set_int(*a, IPPROTO_TCP, TCP_NODELAY, 1);
}

/* poll until at least n bytes are queued on fd (bounded: 200 ms) */
static void wait_bytes(int fd, int n)
{
    char buf[256];
    long t0 = now_ms();
    while (recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT) < n && now_ms() - t0 < 200)
        sleep_ms(1);
}

/* a connected AF_UNIX pair of `type` through an abstract listener, both nonblocking */
static void unix_pair(int type, int *c, int *a)
{
    struct sockaddr_un ua;
    socklen_t ul = unix_path(&ua, 1);
    int l = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    ubind(l, &ua, ul);
    listen(l, 4);
    *c = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    uconnect(*c, &ua, ul);
    *a = accept_nb(l);
    close(l);
}

/* TCP states by the names socket-kernel uses; "none": no such connection */
static const char *tcp_state_name(int st)
{
    static const char *n[] = {
        "none", "ESTABLISHED", "SYN_SENT", "SYN_RECEIVED", "FIN_WAIT_1", "FIN_WAIT_2",
        "TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
    };
    return st > 0 && st < (int)(sizeof n / sizeof n[0]) ? n[st] : "none";
}

/* the state of a socket we hold (TCP_INFO) */
static const char *state_by_fd(int fd)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
        return "none";
    return tcp_state_name(ti.tcpi_state);
}

/*
 * shutdown() on a TCP socket that is not connected yet, then bind, listen and a
 * connection (found by npm run fuzz --seed 5152). inet_shutdown answers ENOTCONN
 * for TCP_CLOSE "but still ORs sk_shutdown" ("Hack to wake up other listeners");
 * inet_csk_listen_start does not clear it and sk_clone_lock (sock_copy) copies it
 * into the child, which sends its FIN once established (tcp_rcv_state_process,
 * TCP_SYN_RECV: "if (sk->sk_shutdown & SEND_SHUTDOWN) tcp_shutdown(...)").
 */
static void shut_before_listen_case(const char *key, int how)
{
    J_obj(key);
    int l = tcp_sock(AF_INET);
    J_rc("shutdown", R(shutdown(l, how)));
    J_rc("bind", do_bind(l, AF_INET, NULL, 0));
    J_rc("listen", R(listen(l, 4)));
    J_int("acceptconn", get_int(l, SOL_SOCKET, SO_ACCEPTCONN));
    J_str("listener_revents", ev_now(l));
    int c = client(AF_INET, local_port(l), NULL);
    J_bool("client_connected", connected_within(c, CONNECT_WAIT));
    sleep_ms(5);
    J_str("client_state", state_by_fd(c));
    J_str("client_revents", ev_now(c));
    J_str("listener_revents_queued", ev_now(l));
    J_err("listener_so_error", so_error(l));
    int a = accept_nb(l);
    J_fdrc("accept", R(a));
    J_str("accepted_state", state_by_fd(a));
    J_str("accepted_revents", ev_now(a));
    J_err("accepted_so_error", so_error(a));
    J_rc("accepted_recv_empty", recv_rc(a, 8));
    J_rc("accepted_send", send_rc(a, "x", 1));
    J_rc("client_send", send_rc(c, "ab", 2));
    sleep_ms(5);
    J_str("accepted_revents_after_data", ev_now(a));
    J_rc("accepted_recv", recv_rc(a, 8));
    J_rc("client_recv", recv_rc(c, 8));
    J_str("client_state_at_end", state_by_fd(c));
    close(a);
    close(c);
    close(l);
    J_end();
}

static void fact_shutdown_before_listen(void)
{
    fact_begin("shutdown_before_listen");
    shut_before_listen_case("shut_wr", SHUT_WR);
    shut_before_listen_case("shut_rd", SHUT_RD);
    fact_end();
}

/* the state of the IPv4 connection lport -> rport, held or not (/proc/net/tcp) */
static const char *state_by_ports(int lport, int rport)
{
    char line[256];
    int st = 0;
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return "none";
    while (fgets(line, sizeof line, f)) {
        unsigned la, lp, ra, rp, s;
        if (sscanf(line, " %*u: %x:%x %x:%x %x", &la, &lp, &ra, &rp, &s) == 5 &&
            (int)lp == lport && (int)rp == rport) {
            st = (int)s;
            break;
        }
    }
    fclose(f);
    return tcp_state_name(st);
}

/*
 * Linux acknowledges a FIN with a delayed ACK (tcp_fin -> inet_csk_enter_pingpong_mode),
 * so the closer sits in FIN_WAIT_1 for a delayed-ACK timeout (~40 ms on loopback).
 * Waits (at most 300 ms) until the connection has left FIN_WAIT_1; *ms = how long.
 */
static const char *settled(const char *(*get)(int, int), int x, int y, long *ms)
{
    long t0 = now_ms();
    const char *st = get(x, y);
    while (strcmp(st, "FIN_WAIT_1") == 0 && now_ms() - t0 < 300) {
        sleep_ms(2);
        st = get(x, y);
    }
    *ms = now_ms() - t0;
    return st;
}

static const char *state_of_fd(int fd, int unused) { (void)unused; return state_by_fd(fd); }

static void fact_data_basic(void)
{
    char buf[64];
    int c, a, s;
    long n;
    fact_begin("data_basic");

    /* TCP: bytes both ways */
    tcp_pair(&c, &a);
    J_rc("send_5", send_rc(c, "hello", 5));
    wait_ev(a, POLLIN, CONNECT_WAIT);
    n = R(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    J_rc("recv", n);
    J_bool("content_equal", n == 5 && memcmp(buf, "hello", 5) == 0);
    J_rc("recv_nothing_queued", recv_rc(a, 64));
    J_rc("recv_len_0_nothing_queued", R(recv(a, buf, 0, MSG_DONTWAIT)));
    J_rc("send_0_bytes", send_rc(c, "", 0));
    J_rc("server_send", send_rc(a, "xyz", 3));
    wait_ev(c, POLLIN, CONNECT_WAIT);
    J_rc("client_recv", recv_rc(c, 64));
    /* a stream: two sends, one recv; a short buffer leaves the rest queued */
    send_rc(c, "ab", 2);
    send_rc(c, "cd", 2);
    wait_bytes(a, 4);
    J_rc("two_sends_one_recv", recv_rc(a, 64));
    send_rc(c, "0123456789", 10);
    wait_bytes(a, 10);
    J_rc("recv_4_of_10", recv_rc(a, 4));
    J_rc("recv_rest_of_10", recv_rc(a, 64));
    /* MSG_PEEK */
    send_rc(c, "abc", 3);
    wait_bytes(a, 3);
    J_rc("recv_len_0_with_data", R(recv(a, buf, 0, MSG_DONTWAIT)));
    J_rc("peek_2", R(recv(a, buf, 2, MSG_PEEK | MSG_DONTWAIT)));
    J_rc("peek_all", R(recv(a, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT)));
    memset(buf, 0, sizeof buf);
    n = R(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    J_rc("recv_after_peek", n);
    J_bool("recv_after_peek_content_equal", n == 3 && memcmp(buf, "abc", 3) == 0);
    /* shutdown(SHUT_WR): queued bytes, then end of file; the other way still works */
    send_rc(c, "bye", 3);
    J_rc("shutdown_wr", R(shutdown(c, SHUT_WR)));
    J_rc("send_after_shut_wr", send_rc(c, "x", 1));
    J_rc("send_after_shut_wr_again", send_rc(c, "x", 1));
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    wait_bytes(a, 3);
    J_rc("peer_recv_queued_before_eof", recv_rc(a, 64));
    J_rc("peer_recv_eof", recv_rc(a, 64));
    J_rc("peer_recv_eof_again", recv_rc(a, 64));
    J_rc("peer_send_to_half_closed", send_rc(a, "back", 4));
    wait_ev(c, POLLIN, CONNECT_WAIT);
    J_rc("half_closed_recv", recv_rc(c, 64));
    close(a);
    close(c);

    /* shutdown(SHUT_RD): queued bytes stay readable, then 0; later bytes are still taken */
    J_obj("shut_rd");
    tcp_pair(&c, &a);
    send_rc(c, "abc", 3);
    wait_ev(a, POLLIN, CONNECT_WAIT);
    J_rc("shutdown_rd", R(shutdown(a, SHUT_RD)));
    J_rc("recv_queued", recv_rc(a, 64));
    J_rc("recv_after", recv_rc(a, 64));
    J_rc("own_send", send_rc(a, "x", 1));
    J_rc("peer_send", send_rc(c, "y", 1));
    sleep_ms(5);
    J_rc("recv_after_peer_send", recv_rc(a, 64));
    J_end();
    close(a);
    close(c);

    /* not connected */
    s = tcp_sock(AF_INET);
    J_rc("send_unconnected_tcp", send_rc(s, "x", 1));
    J_rc("recv_unconnected_tcp", recv_rc(s, 64));
    do_bind(s, AF_INET, NULL, 0);
    J_rc("send_bound_tcp", send_rc(s, "x", 1));
    J_rc("recv_bound_tcp", recv_rc(s, 64));
    listen(s, 4);
    J_rc("send_listener", send_rc(s, "x", 1));
    J_rc("recv_listener", recv_rc(s, 64));
    close(s);
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    J_rc("send_unconnected_unix_stream", send_rc(s, "x", 1));
    J_rc("recv_unconnected_unix_stream", recv_rc(s, 64));
    close(s);
    s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
    J_rc("send_unconnected_unix_seqpacket", send_rc(s, "x", 1));
    J_rc("recv_unconnected_unix_seqpacket", recv_rc(s, 64));
    close(s);
    {
        struct sockaddr_un ua;
        socklen_t ul = unix_path(&ua, 1);
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ubind(s, &ua, ul);
        listen(s, 4);
        J_rc("send_unix_stream_listener", send_rc(s, "x", 1));
        J_rc("recv_unix_stream_listener", recv_rc(s, 64));
        close(s);
        ul = unix_path(&ua, 1);
        s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
        ubind(s, &ua, ul);
        listen(s, 4);
        J_rc("send_unix_seqpacket_listener", send_rc(s, "x", 1));
        J_rc("recv_unix_seqpacket_listener", recv_rc(s, 64));
        close(s);
    }

    /* AF_UNIX stream: bytes, then the peer closes */
    J_obj("unix_stream");
    unix_pair(SOCK_STREAM, &c, &a);
    J_rc("send_5", send_rc(c, "hello", 5));
    n = R(recv(a, buf, sizeof buf, MSG_DONTWAIT));
    J_rc("recv", n);
    J_bool("content_equal", n == 5 && memcmp(buf, "hello", 5) == 0);
    J_rc("recv_nothing_queued", recv_rc(a, 64));
    send_rc(c, "bye", 3);
    close(c);
    J_rc("recv_after_peer_close", recv_rc(a, 64));
    J_rc("recv_eof", recv_rc(a, 64));
    J_rc("send_after_peer_close", send_rc(a, "x", 1));
    J_rc("send_after_peer_close_again", send_rc(a, "x", 1));
    close(a);
    J_end();

    /* AF_UNIX stream: the peer closes with bytes it did not read */
    J_obj("unix_stream_unread_close");
    unix_pair(SOCK_STREAM, &c, &a);
    send_rc(a, "unread", 6);
    close(c);
    J_rc("send_1", send_rc(a, "x", 1));
    J_rc("send_2", send_rc(a, "x", 1));
    J_rc("recv_1", recv_rc(a, 64));
    J_rc("recv_2", recv_rc(a, 64));
    close(a);
    J_end();
    fact_end();
}

static void fact_data_close(void)
{
    int c, a, cp, sp;
    fact_begin("data_close");

    /* (a) the client closes with bytes it did not read: a reset */
    J_obj("unread_close");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    send_rc(a, "x", 1);
    wait_ev(c, POLLIN, CONNECT_WAIT);
    close(c);
    wait_ev(a, 0, CONNECT_WAIT);
    J_str("server_state", state_by_fd(a));
    J_str("client_state", state_by_ports(cp, sp));
    J_rc("server_send_1", send_rc(a, "y", 1));
    J_rc("server_send_2", send_rc(a, "y", 1));
    J_rc("server_recv", recv_rc(a, 64));
    close(a);
    J_end();

    J_obj("unread_close_recv_first");
    tcp_pair(&c, &a);
    send_rc(a, "x", 1);
    wait_ev(c, POLLIN, CONNECT_WAIT);
    close(c);
    wait_ev(a, 0, CONNECT_WAIT);
    J_rc("server_recv_1", recv_rc(a, 64));
    J_rc("server_recv_2", recv_rc(a, 64));
    J_rc("server_send", send_rc(a, "y", 1));
    close(a);
    J_end();

    /* (b) the client closes with nothing unread: FIN; the server (CLOSE_WAIT) writes
     * to an orphan, which answers with a reset */
    J_obj("graceful_close");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    close(c);
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    {
        long ms;
        J_str("server_state", state_by_fd(a));
        J_str("client_state", settled(state_by_ports, cp, sp, &ms));
        J_int("client_fin_wait_1_ms", ms);
    }
    J_rc("server_send_1", send_rc(a, "y", 1));
    wait_ev(a, 0, CONNECT_WAIT);
    J_str("server_state_after_send", state_by_fd(a));
    J_str("client_state_after_send", state_by_ports(cp, sp));
    J_rc("server_send_2", send_rc(a, "y", 1));
    J_rc("server_send_3", send_rc(a, "y", 1));
    J_rc("server_recv_1", recv_rc(a, 64));
    J_rc("server_recv_2", recv_rc(a, 64));
    close(a);
    J_end();

    J_obj("graceful_close_recv_first");
    tcp_pair(&c, &a);
    close(c);
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    J_rc("server_send_1", send_rc(a, "y", 1));
    wait_ev(a, 0, CONNECT_WAIT);
    J_rc("server_recv_1", recv_rc(a, 64));
    J_rc("server_recv_2", recv_rc(a, 64));
    J_rc("server_send_2", send_rc(a, "y", 1));
    J_err("server_so_error", so_error(a));
    close(a);
    J_end();

    /* (c) SO_LINGER {1, 0}: close() resets */
    J_obj("linger_0");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    {
        struct linger lg = { 1, 0 };
        J_rc("setsockopt", R(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg)));
    }
    close(c);
    wait_ev(a, 0, CONNECT_WAIT);
    J_str("closer_state", state_by_ports(cp, sp));
    J_str("peer_state", state_by_fd(a));
    J_rc("peer_recv_1", recv_rc(a, 64));
    J_rc("peer_recv_2", recv_rc(a, 64));
    J_rc("peer_send", send_rc(a, "y", 1));
    close(a);
    J_end();

    /* SO_LINGER {1, 0} after sending: bytes that arrived before the reset */
    J_obj("linger_0_after_send");
    tcp_pair(&c, &a);
    send_rc(c, "abc", 3);
    wait_ev(a, POLLIN, CONNECT_WAIT);
    {
        struct linger lg = { 1, 0 };
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(c);
    wait_ev(a, 0, CONNECT_WAIT);
    J_rc("peer_recv_1", recv_rc(a, 64));
    J_rc("peer_recv_2", recv_rc(a, 64));
    J_rc("peer_recv_3", recv_rc(a, 64));
    close(a);
    J_end();

    /* SO_LINGER as getsockopt reads it back */
    J_obj("so_linger_getsockopt");
    {
        int fd = tcp_sock(AF_INET);
        struct linger lg = { -1, -1 };
        socklen_t l = sizeof lg;
        getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
        J_int("default_onoff", lg.l_onoff);
        J_int("default_linger", lg.l_linger);
        J_int("default_len", l);
        lg.l_onoff = 1;
        lg.l_linger = 5;
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        l = sizeof lg;
        getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
        J_int("after_1_5_onoff", lg.l_onoff);
        J_int("after_1_5_linger", lg.l_linger);
        lg.l_onoff = 1;
        lg.l_linger = 0;
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        l = sizeof lg;
        getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &l);
        J_int("after_1_0_onoff", lg.l_onoff);
        J_int("after_1_0_linger", lg.l_linger);
        J_rc("set_short_optlen_4", R(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, 4)));
        close(fd);
    }
    J_end();

    /* (d) states: the server closes first and keeps the TIME_WAIT */
    J_obj("server_closes_first");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    close(a);
    wait_ev(c, POLLRDHUP, CONNECT_WAIT);
    {
        long ms;
        J_str("server_after_server_close", settled(state_by_ports, sp, cp, &ms));
        J_int("server_fin_wait_1_ms", ms);
    }
    J_str("client_after_server_close", state_by_fd(c));
    J_rc("client_recv", recv_rc(c, 64));
    close(c);
    sleep_ms(5);
    J_str("server_after_client_close", state_by_ports(sp, cp));
    J_str("client_after_client_close", state_by_ports(cp, sp));
    J_end();

    /* the client writes to the server's orphan instead: a reset, no TIME_WAIT */
    J_obj("client_writes_after_server_close");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    close(a);
    wait_ev(c, POLLRDHUP, CONNECT_WAIT);
    J_rc("client_send_1", send_rc(c, "x", 1));
    wait_ev(c, POLLHUP, CONNECT_WAIT);
    J_str("server_state", state_by_ports(sp, cp));
    J_str("client_state", state_by_fd(c));
    J_rc("client_recv", recv_rc(c, 64));
    J_rc("client_send_2", send_rc(c, "x", 1));
    close(c);
    J_end();

    /* the client half-closes first, then both close: the client keeps the TIME_WAIT */
    J_obj("client_shut_wr_then_both_close");
    tcp_pair(&c, &a);
    cp = local_port(c);
    sp = local_port(a);
    shutdown(c, SHUT_WR);
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    {
        long ms;
        J_str("client_after_shut_wr", settled(state_of_fd, c, 0, &ms));
        J_int("client_fin_wait_1_ms", ms);
    }
    J_str("server_after_shut_wr", state_by_fd(a));
    close(a);
    wait_ev(c, POLLHUP, CONNECT_WAIT);
    J_str("client_after_server_close", state_by_fd(c));
    J_str("server_after_server_close", state_by_ports(sp, cp));
    J_rc("client_recv", recv_rc(c, 64));
    close(c);
    J_str("client_after_client_close", state_by_ports(cp, sp));
    J_end();
    fact_end();
}

static void fact_data_poll(void)
{
    static char chunk[65536];
    int c, a, t;
    fact_begin("data_poll");

    tcp_pair(&c, &a);
    J_str("tcp_connected_idle", ev_now(c));
    send_rc(a, "x", 1);
    wait_ev(c, POLLIN, CONNECT_WAIT);
    J_str("tcp_after_peer_sent_1_byte", ev_now(c));
    recv_rc(c, 8);
    J_str("tcp_after_reading_it", ev_now(c));
    send_rc(a, "y", 1);
    shutdown(a, SHUT_WR);
    wait_ev(c, POLLRDHUP, CONNECT_WAIT);
    J_str("tcp_after_peer_shut_wr_data_unread", ev_now(c));
    recv_rc(c, 8);
    J_str("tcp_after_peer_shut_wr_data_read", ev_now(c));
    J_str("tcp_peer_after_own_shut_wr", ev_now(a));
    shutdown(c, SHUT_WR);
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    J_str("tcp_after_both_shut_wr", ev_now(c));
    close(a);
    close(c);

    tcp_pair(&c, &a);
    shutdown(c, SHUT_RD);
    J_str("tcp_after_own_shut_rd", ev_now(c));
    close(a);
    close(c);

    tcp_pair(&c, &a);
    {
        struct linger lg = { 1, 0 };
        setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(a);
    wait_ev(c, 0, CONNECT_WAIT);
    J_str("tcp_after_peer_reset", ev_now(c));
    J_str("tcp_after_peer_reset_events_0", evstr(wait_ev(c, 0, 0)));
    recv_rc(c, 8);
    J_str("tcp_after_peer_reset_error_read", ev_now(c));
    close(c);

    tcp_pair(&c, &a);
    close(c);
    wait_ev(a, POLLRDHUP, CONNECT_WAIT);
    J_str("tcp_after_peer_close", ev_now(a));
    close(a);

    /* a sender that met EAGAIN; the byte count depends on Linux autotuning */
    J_obj("tcp_fill");
    {
        long total = 0, r = 0;
        tcp_pair(&c, &a);
        while (total < (64L << 20)) {
            r = send_rc(c, chunk, sizeof chunk);
            if (r < 0)
                break;
            total += r;
        }
        J_int("bytes_until_eagain", total);
        J_rc("stopped_by", r);
        J_str("sender_revents", ev_now(c));
        J_str("receiver_revents", ev_now(a));
        close(c);
        close(a);
    }
    J_end();

    /* UDP */
    {
        int r = udp_sock(AF_INET), s = udp_sock(AF_INET);
        do_bind(r, AF_INET, NULL, 0);
        J_str("udp_bound_idle", ev_now(r));
        sendto_port(s, AF_INET, "d", 1, local_port(r));
        wait_ev(r, POLLIN, CONNECT_WAIT);
        J_str("udp_datagram_queued", ev_now(r));
        recv_rc(r, 8);
        J_str("udp_after_reading_it", ev_now(r));
        J_str("udp_sender", ev_now(s));
        close(s);
        s = udp_sock(AF_INET);
        do_connect(s, AF_INET, NULL, closed_udp_port(AF_INET));
        send_rc(s, "x", 1);
        wait_ev(s, 0, CONNECT_WAIT);
        J_str("udp_connected_after_icmp", ev_now(s));
        recv_rc(s, 8);
        J_str("udp_connected_after_error_read", ev_now(s));
        close(s);
        close(r);
    }

    /* AF_UNIX stream and seqpacket senders that met EAGAIN: not writable (unix_writable:
     * a quarter of SO_SNDBUF in flight at most) until the receiver reads */
    {
        static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
        static const char *keys[] = { "unix_stream_fill", "unix_seqpacket_fill" };
        for (int i = 0; i < 2; i++) {
            long r = 0;
            J_obj(keys[i]);
            unix_pair(types[i], &c, &a);
            for (int n = 0; n < 100000; n++) {
                r = send_rc(c, chunk, types[i] == SOCK_STREAM ? sizeof chunk : 1024);
                if (r < 0)
                    break;
            }
            J_rc("stopped_by", r);
            J_str("sender_revents", ev_now(c));
            while (recv_rc(a, 256) > 0)
                ;
            J_str("sender_revents_after_receiver_drained", ev_now(c));
            close(c);
            close(a);
            J_end();
        }
    }

    /* AF_UNIX */
    unix_pair(SOCK_STREAM, &c, &a);
    J_str("unix_stream_idle", ev_now(c));
    send_rc(a, "x", 1);
    J_str("unix_stream_after_peer_sent_1_byte", ev_now(c));
    shutdown(a, SHUT_WR);
    J_str("unix_stream_after_peer_shut_wr", ev_now(c));
    close(a);
    J_str("unix_stream_after_peer_close_data_unread", ev_now(c));
    recv_rc(c, 8);
    J_str("unix_stream_after_peer_close_data_read", ev_now(c));
    close(c);

    unix_pair(SOCK_STREAM, &c, &a);
    send_rc(a, "x", 1);
    close(c);
    J_str("unix_stream_after_peer_closed_unread", ev_now(a));
    close(a);

    unix_pair(SOCK_SEQPACKET, &c, &a);
    J_str("unix_seqpacket_idle", ev_now(c));
    send_rc(a, "m", 1);
    J_str("unix_seqpacket_message_queued", ev_now(c));
    close(a);
    recv_rc(c, 8);
    J_str("unix_seqpacket_after_peer_close", ev_now(c));
    close(c);

    {
        struct sockaddr_un ua;
        socklen_t ul = unix_path(&ua, 1);
        int r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        ubind(r, &ua, ul);
        J_str("unix_dgram_bound_idle", ev_now(r));
        usendto(s, "d", 1, &ua, ul);
        J_str("unix_dgram_queued", ev_now(r));
        J_str("unix_dgram_unconnected_sender", ev_now(s));
        uconnect(s, &ua, ul);
        for (int n = 0; n < CAP * 25 && send_rc(s, "d", 1) >= 0; n++)
            ;
        J_str("unix_dgram_connected_sender_peer_full", ev_now(s));
        /* epoll on the full sender: not ready; the receiver's read relays EPOLLOUT
         * through the peer_wait queue (unix_dgram_peer_wake_relay) */
        {
            int ep = epoll_create1(0);
            struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.fd = s }, got = { 0 };
            char buf[8];
            epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
            J_int("unix_dgram_full_sender_epoll_ready", epoll_wait(ep, &got, 1, 0));
            recv(r, buf, sizeof buf, MSG_DONTWAIT);
            got.events = 0;
            J_int("unix_dgram_full_sender_epoll_ready_after_peer_read", epoll_wait(ep, &got, 1, 0));
            J_str("unix_dgram_full_sender_epoll_events_after_peer_read", evstr((short)got.events));
            close(ep);
        }
        close(r);
        J_str("unix_dgram_connected_sender_peer_closed", ev_now(s));
        close(s);
    }

    /* a descriptor number that is not open */
    t = socket(AF_INET, SOCK_STREAM, 0);
    close(t);
    J_str("closed_fd", ev_now(t));
    fact_end();
}

static void fact_data_seqpacket(void)
{
    static char big[212992];
    char buf[64];
    int c, a, t;
    long n;
    fact_begin("data_seqpacket");
    unix_pair(SOCK_SEQPACKET, &c, &a);
    J_rc("send_first", send_rc(c, "first", 5));
    J_rc("send_second", send_rc(c, "second message", 14));
    J_rc("send_third", send_rc(c, "third", 5));

    J_obj("recv_6_first");
    n = recvmsg_rc(a, buf, 6, 0, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_end();

    J_obj("recv_6_second_message");
    memset(buf, 0, sizeof buf);
    n = recvmsg_rc(a, buf, 6, 0, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_bool("content_is_second", n == 6 && memcmp(buf, "second", 6) == 0);
    J_end();

    J_obj("next_recv");
    memset(buf, 0, sizeof buf);
    n = recvmsg_rc(a, buf, sizeof buf, 0, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_bool("content_is_third", n == 5 && memcmp(buf, "third", 5) == 0);
    J_end();

    J_rc("send_12", send_rc(c, "twelve bytes", 12));
    J_obj("recv_3_of_12_flag_MSG_TRUNC");
    n = recvmsg_rc(a, buf, 3, MSG_TRUNC, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_end();
    J_rc("recv_nothing_queued", recv_rc(a, 64));

    send_rc(c, "peekaboo", 8);
    J_obj("peek_4_of_8");
    n = recvmsg_rc(a, buf, 4, MSG_PEEK, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_end();
    J_rc("recv_after_peek", recv_rc(a, 64));

    J_rc("send_empty", send_rc(c, "", 0));
    J_rc("recv_empty_message", recv_rc(a, 64));
    J_rc("recv_after_empty_message", recv_rc(a, 64));

    J_rc("send_sndbuf_minus_32", send_rc(c, big, sizeof big - 32));
    J_rc("send_sndbuf_minus_31", send_rc(c, big, sizeof big - 31));
    J_rc("recv_big_with_64_byte_buffer", recv_rc(a, 64));

    send_rc(c, "last", 4);
    close(c);
    J_rc("recv_after_peer_close", recv_rc(a, 64));
    J_rc("recv_eof", recv_rc(a, 64));
    J_rc("send_after_peer_close", send_rc(a, "x", 1));
    close(a);
    fact_end();
}

static void fact_data_udp(void)
{
    static char big[65536];
    char buf[64];
    struct sockaddr_storage ss;
    socklen_t sl;
    int s, r, t, port;
    long n;
    fact_begin("data_udp");

    s = udp_sock(AF_INET);
    J_rc("send_unconnected_no_addr", send_rc(s, "x", 1));
    J_rc("recv_unbound", recv_rc(s, 64));
    port = closed_udp_port(AF_INET);
    J_rc("sendto_port_0", sendto_port(s, AF_INET, "x", 1, 0));
    J_rc("sendto_65508_closed_port", sendto_port(s, AF_INET, big, 65508, port));
    J_rc("sendto_65507_closed_port", sendto_port(s, AF_INET, big, 65507, port));
    J_rc("sendto_0_bytes_closed_port", sendto_port(s, AF_INET, big, 0, port));
    sleep_ms(5);
    J_err("unconnected_so_error_after_icmp", so_error(s));
    J_rc("unconnected_send_after_icmp", sendto_port(s, AF_INET, "x", 1, port));
    close(s);

    s = udp_sock(AF_INET6);
    port = closed_udp_port(AF_INET6);
    J_rc("udp6_sendto_65528_closed_port", sendto_port(s, AF_INET6, big, 65528, port));
    J_rc("udp6_sendto_65527_closed_port", sendto_port(s, AF_INET6, big, 65527, port));
    close(s);

    /* connected to a closed port: ICMP port unreachable -> ECONNREFUSED, once */
    J_obj("connected_closed_port");
    s = udp_sock(AF_INET);
    J_rc("connect", do_connect(s, AF_INET, NULL, closed_udp_port(AF_INET)));
    J_rc("send_1", send_rc(s, "a", 1));
    wait_ev(s, 0, CONNECT_WAIT);
    J_rc("send_2", send_rc(s, "b", 1));
    J_rc("send_3", send_rc(s, "c", 1));
    wait_ev(s, 0, CONNECT_WAIT);
    J_rc("recv_after_icmp", recv_rc(s, 64));
    J_rc("recv_again", recv_rc(s, 64));
    J_err("so_error_after", so_error(s));
    close(s);
    J_end();

    /* the source address recvfrom() reports */
    r = udp_sock(AF_INET);
    do_bind(r, AF_INET, NULL, 0);
    s = udp_sock(AF_INET);
    J_rc("sendto_receiver", sendto_port(s, AF_INET, "hello", 5, local_port(r)));
    wait_ev(r, POLLIN, CONNECT_WAIT);
    sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    n = R(recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl));
    J_rc("recvfrom", n);
    J_bool("recvfrom_content_equal", n == 5 && memcmp(buf, "hello", 5) == 0);
    J_bool("recvfrom_source_family_inet", ss.ss_family == AF_INET);
    {
        char ip[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof ip);
        J_str("recvfrom_source_ip", ip);
    }
    J_bool("recvfrom_source_port_is_sender_sockname", ss_port(&ss) == local_port(s));

    /* boundaries, truncation, empty datagrams */
    sendto_port(s, AF_INET, "ab", 2, local_port(r));
    sendto_port(s, AF_INET, "cd", 2, local_port(r));
    wait_ev(r, POLLIN, CONNECT_WAIT);
    sleep_ms(1);
    J_rc("two_datagrams_first_recv", recv_rc(r, 64));
    J_rc("two_datagrams_second_recv", recv_rc(r, 64));
    sendto_port(s, AF_INET, "0123456789", 10, local_port(r));
    wait_ev(r, POLLIN, CONNECT_WAIT);
    J_obj("recv_4_of_10");
    n = recvmsg_rc(r, buf, 4, 0, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_end();
    J_rc("recv_after_truncated", recv_rc(r, 64));
    sendto_port(s, AF_INET, "0123456789", 10, local_port(r));
    wait_ev(r, POLLIN, CONNECT_WAIT);
    J_obj("recv_4_of_10_flag_MSG_TRUNC");
    n = recvmsg_rc(r, buf, 4, MSG_TRUNC, &t);
    J_rc("result", n);
    J_bool("msg_trunc", t);
    J_end();
    J_rc("sendto_empty", sendto_port(s, AF_INET, "", 0, local_port(r)));
    wait_ev(r, POLLIN, CONNECT_WAIT);
    J_rc("recv_empty_datagram", recv_rc(r, 64));
    J_rc("recv_nothing_queued", recv_rc(r, 64));
    close(s);
    close(r);
    fact_end();
}

static void fact_data_unix_dgram(void)
{
    static char big[212992];
    struct sockaddr_un ua, ub, uc;
    socklen_t ul, ubl, ucl;
    char buf[64];
    int r, s, b, l, n;
    long rc = 0;
    fact_begin("data_unix_dgram");
    J_sysctl("max_dgram_qlen", "/proc/sys/net/unix/max_dgram_qlen");

    /* an unconnected, unbound sender */
    r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(r, &ua, ul);
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    for (n = 0; n < CAP * 25; n++) {
        rc = usendto(s, "abcd", 4, &ua, ul);
        if (rc < 0)
            break;
    }
    J_int("unconnected_sent_until_error", n);
    J_rc("unconnected_stopped_by", rc);
    ucl = sizeof uc;
    memset(&uc, 0xff, sizeof uc);
    rc = R(recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&uc, &ucl));
    J_rc("recvfrom", rc);
    J_int("recvfrom_source_addrlen", ucl);
    J_rc("sendto_after_one_read", usendto(s, "abcd", 4, &ua, ul));
    J_rc("sendto_full_again", usendto(s, "abcd", 4, &ua, ul));
    close(s);
    J_rc("recv_after_sender_closed", recv_rc(r, 64));
    close(r);

    /* a connected sender closes: the receiver is not shut down (unix_release_sock shuts
     * down the peer of a stream or seqpacket socket only) */
    r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(r, &ua, ul);
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    uconnect(s, &ua, ul);
    close(s);
    J_rc("recv_after_connected_sender_closed", recv_rc(r, 64));
    J_str("receiver_revents_after_connected_sender_closed", ev_now(r));
    close(r);

    /* a receiver connected to another socket refuses a third sender: unix_dgram_sendmsg
     * "if (!unix_may_send(sk, other))" -> EPERM; its own peer may send */
    r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(r, &ua, ul);
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ubl = unix_path(&ub, 1);
    ubind(s, &ub, ubl);
    uconnect(r, &ub, ubl);
    b = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("sendto_receiver_connected_elsewhere", usendto(b, "abcd", 4, &ua, ul));
    J_rc("sendto_receiver_connected_to_sender", usendto(s, "abcd", 4, &ua, ul));
    close(b);
    close(s);
    close(r);

    /* a connected, bound sender */
    r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ul = unix_path(&ua, 1);
    ubind(r, &ua, ul);
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ubl = unix_path(&ub, 1);
    ubind(s, &ub, ubl);
    J_rc("connect", uconnect(s, &ua, ul));
    for (n = 0; n < CAP * 25; n++) {
        rc = send_rc(s, "abcd", 4);
        if (rc < 0)
            break;
    }
    J_int("connected_sent_until_error", n);
    J_rc("connected_stopped_by", rc);
    b = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("third_party_sendto_full_receiver", usendto(b, "abcd", 4, &ua, ul));
    ucl = sizeof uc;
    memset(&uc, 0, sizeof uc);
    rc = R(recvfrom(r, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&uc, &ucl));
    J_rc("connected_recvfrom", rc);
    J_bool("recvfrom_source_is_sender_name", ucl == ubl && memcmp(&uc, &ub, ubl) == 0);
    /* the receiver goes away */
    close(r);
    J_rc("connected_send_after_receiver_closed", send_rc(s, "x", 1));
    J_rc("connected_send_after_receiver_closed_again", send_rc(s, "x", 1));
    J_rc("sendto_closed_abstract_name", usendto(b, "x", 1, &ua, ul));
    close(b);
    close(s);

    /* names that lead nowhere */
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    J_rc("send_unconnected", send_rc(s, "x", 1));
    J_rc("recv_unbound", recv_rc(s, 64));
    ul = unix_path(&ua, 0);
    J_rc("sendto_missing_path", usendto(s, "x", 1, &ua, ul));
    ul = unix_path(&ua, 1);
    J_rc("sendto_missing_abstract", usendto(s, "x", 1, &ua, ul));
    J_rc("sendto_sndbuf_minus_31_missing_abstract", usendto(s, big, sizeof big - 31, &ua, ul));
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    ul = unix_path(&ua, 0);
    ubind(l, &ua, ul);
    listen(l, 1);
    J_rc("sendto_stream_listener_path", usendto(s, "x", 1, &ua, ul));
    close(l);
    J_rc("sendto_stale_path", usendto(s, "x", 1, &ua, ul));
    unlink(ua.sun_path);
    close(s);
    fact_end();
}

static void buf_sizes(const char *key, int fd)
{
    J_obj(key);
    J_int("SO_SNDBUF", get_int(fd, SOL_SOCKET, SO_SNDBUF));
    J_int("SO_RCVBUF", get_int(fd, SOL_SOCKET, SO_RCVBUF));
    J_end();
}

/* setsockopt(opt, v) then getsockopt(opt) */
static void buf_set(const char *key, int fd, int opt, int v)
{
    set_int(fd, SOL_SOCKET, opt, v);
    J_int(key, get_int(fd, SOL_SOCKET, opt));
}

static void fact_data_buffers(void)
{
    int fd, c, a, l;
    fact_begin("data_buffers");

    fd = tcp_sock(AF_INET);
    buf_sizes("tcp_fresh", fd);
    close(fd);
    fd = tcp_sock(AF_INET6);
    buf_sizes("tcp6_fresh", fd);
    close(fd);
    fd = udp_sock(AF_INET);
    buf_sizes("udp_fresh", fd);
    close(fd);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    buf_sizes("unix_stream_fresh", fd);
    close(fd);
    fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    buf_sizes("unix_seqpacket_fresh", fd);
    close(fd);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    buf_sizes("unix_dgram_fresh", fd);
    close(fd);
    tcp_pair(&c, &a);
    buf_sizes("tcp_connected_client", c);
    buf_sizes("tcp_accepted", a);
    close(c);
    close(a);
    unix_pair(SOCK_STREAM, &c, &a);
    buf_sizes("unix_stream_connected_client", c);
    buf_sizes("unix_stream_accepted", a);
    close(c);
    close(a);

    J_obj("tcp_set");
    fd = tcp_sock(AF_INET);
    buf_set("rcvbuf_10000", fd, SO_RCVBUF, 10000);
    buf_set("sndbuf_10000", fd, SO_SNDBUF, 10000);
    buf_set("rcvbuf_1", fd, SO_RCVBUF, 1);
    buf_set("sndbuf_1", fd, SO_SNDBUF, 1);
    buf_set("rcvbuf_0", fd, SO_RCVBUF, 0);
    buf_set("sndbuf_0", fd, SO_SNDBUF, 0);
    buf_set("rcvbuf_-1", fd, SO_RCVBUF, -1);
    buf_set("sndbuf_-1", fd, SO_SNDBUF, -1);
    buf_set("rcvbuf_1G", fd, SO_RCVBUF, 1 << 30);
    buf_set("sndbuf_1G", fd, SO_SNDBUF, 1 << 30);
    {
        short v = 100;
        J_rc("set_rcvbuf_optlen_2", R(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v)));
    }
    close(fd);
    J_end();

    J_obj("udp_set");
    fd = udp_sock(AF_INET);
    buf_set("rcvbuf_10000", fd, SO_RCVBUF, 10000);
    buf_set("sndbuf_1", fd, SO_SNDBUF, 1);
    close(fd);
    J_end();

    J_obj("unix_stream_set");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    buf_set("rcvbuf_10000", fd, SO_RCVBUF, 10000);
    buf_set("sndbuf_1", fd, SO_SNDBUF, 1);
    close(fd);
    J_end();

    /* set before connect() / listen(): kept, and copied to accepted sockets */
    l = tcp_sock(AF_INET);
    set_int(l, SOL_SOCKET, SO_RCVBUF, 10000);
    set_int(l, SOL_SOCKET, SO_SNDBUF, 10000);
    do_bind(l, AF_INET, NULL, 0);
    listen(l, 4);
    buf_sizes("listener_set_10000", l);
    c = tcp_sock(AF_INET);
    set_int(c, SOL_SOCKET, SO_SNDBUF, 10000);
    do_connect(c, AF_INET, NULL, local_port(l));
    connected_within(c, CONNECT_WAIT);
    buf_sizes("client_set_sndbuf_10000_connected", c);
    a = accept_nb(l);
    buf_sizes("accepted_from_listener_set_10000", a);
    close(a);
    close(c);
    close(l);
    fact_end();
}

/*
 * TCP_DEFER_ACCEPT on a listener.  net/ipv4/tcp.c do_tcp_setsockopt keeps the
 * seconds as SYN-ACK retransmits (secs_to_retrans) and getsockopt reports them
 * back as whole periods (retrans_to_secs: 1, 1+2, 1+2+4, ...).
 * net/ipv4/tcp_minisocks.c tcp_check_req drops the bare final ACK while the
 * deferral lasts ("While TCP_DEFER_ACCEPT is active, drop bare ACK"), so the
 * client is connected but accept() sees nothing until data arrives; without
 * data, inet_connection_sock.c syn_ack_recalc resends the SYN-ACK at the end of
 * the deferral and the client's ACK to it completes the connection.
 */
static void fact_deferred_accept(void)
{
    static const int secs[] = { 0, 1, 2, 5, 30 };
    char key[16];
    long rc;
    short rev;
    int l, c, a;
    fact_begin("deferred_accept");

    /* setsockopt(n), then getsockopt(): the value Linux keeps */
    J_obj("getsockopt_after_set");
    l = listener(AF_INET, 8);
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        snprintf(key, sizeof key, "set_%d", secs[i]);
        rc = R(set_int(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs[i]));
        J_rc(key, rc < 0 ? rc : get_int(l, IPPROTO_TCP, TCP_DEFER_ACCEPT));
    }
    close(l);
    J_end();

    /* 5 s (7 after rounding): the client's first data releases the connection */
    J_obj("data_before_deferral_ends");
    l = listener(AF_INET, 8);
    J_rc("setsockopt_5", R(set_int(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5)));
    c = client(AF_INET, local_port(l), &rc);
    J_rc("connect", rc);
    J_bool("client_connected", connected_within(c, CONNECT_WAIT));
    a = accept_nb(l);
    J_fdrc("accept_before_data", R(a));
    if (a >= 0)
        close(a);
    J_rc("client_send_1", send_rc(c, "x", 1));
    J_str("listener_revents", evstr(wait_ev(l, POLLIN, 200)));
    a = accept_nb(l);
    J_fdrc("accept_after_data", R(a));
    J_rc("recv_accepted", a >= 0 ? recv_rc(a, 64) : -EBADF);
    if (a >= 0)
        close(a);
    close(c);
    close(l);
    J_end();

    /* 1 s: no data; the SYN-ACK resent after 1 s is answered and completes it */
    J_obj("no_data");
    l = listener(AF_INET, 8);
    J_rc("setsockopt_1", R(set_int(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1)));
    long t0 = now_ms();
    c = client(AF_INET, local_port(l), &rc);
    J_rc("connect", rc);
    J_bool("client_connected", connected_within(c, CONNECT_WAIT));
    a = accept_nb(l);
    J_fdrc("accept_after_handshake", R(a));
    if (a >= 0)
        close(a);
    long ms = wait_elapsed(l, POLLIN, 3000, &rev);
    J_int("ms_since_connect_until_readable", ms < 0 ? -1 : now_ms() - t0);
    J_str("listener_revents", evstr(rev));
    a = accept_nb(l);
    J_fdrc("accept", R(a));
    J_rc("recv_accepted", a >= 0 ? recv_rc(a, 64) : -EBADF);
    if (a >= 0)
        close(a);
    close(c);
    close(l);
    J_end();
    fact_end();
}

static void fact_syn_retransmit_schedule(void)
{
    static const char *names[] = {
        "tcp_syn_retries", "tcp_syn_linear_timeouts", "tcp_synack_retries",
        "tcp_max_syn_backlog", "tcp_syncookies", "tcp_abort_on_overflow",
        "tcp_fin_timeout", "tcp_tw_reuse", "tcp_tw_reuse_delay", "tcp_rto_min_us",
    };
    char path[128];
    fact_begin("syn_retransmit_schedule");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "/proc/sys/net/ipv4/%s", names[i]);
        J_sysctl(names[i], path);
    }
    fact_end();
}

/* ------------------------------------------------------------------ */
/* TCP_USER_TIMEOUT                                                      */
/* ------------------------------------------------------------------ */

static void fact_user_timeout(void)
{
    int fds[CAP], n, stuck, c, l, a;
    long t0, ms;
    short rev;
    fact_begin("user_timeout");

    /* tcp(7): an unsigned int of ms, 0 = off; a negative value is EINVAL */
    static const int vals[] = { 500, -1, 0x7fffffff, 0 };
    static const char *names[] = { "500", "minus_1", "int_max", "0" };
    char key[32];
    J_obj("sockopt");
    c = tcp_sock(AF_INET);
    J_int("default", get_int(c, IPPROTO_TCP, TCP_USER_TIMEOUT));
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        snprintf(key, sizeof key, "set_%s", names[i]);
        J_rc(key, R(set_int(c, IPPROTO_TCP, TCP_USER_TIMEOUT, vals[i])));
        snprintf(key, sizeof key, "after_%s", names[i]);
        J_int(key, get_int(c, IPPROTO_TCP, TCP_USER_TIMEOUT));
    }
    close(c);
    J_end();

    /* an accepted socket has its listener's value (sk_clone_lock copies icsk_user_timeout) */
    J_obj("inherited");
    l = listener(AF_INET, 4);
    set_int(l, IPPROTO_TCP, TCP_USER_TIMEOUT, 750);
    c = client(AF_INET, local_port(l), NULL);
    J_bool("client_connected", connected_within(c, CONNECT_WAIT));
    a = accept_nb(l);
    J_int("accepted", a >= 0 ? get_int(a, IPPROTO_TCP, TCP_USER_TIMEOUT) : -1);
    J_int("client", get_int(c, IPPROTO_TCP, TCP_USER_TIMEOUT));
    if (a >= 0)
        close(a);
    close(c);
    close(l);
    J_end();

    /*
     * 500 ms in SYN_SENT, against a listener whose accept queue is full (its SYNs
     * are dropped): the SYN goes again at 1 s, the timer clamped to the time left
     * fires a jiffy later and the connect fails with ETIMEDOUT.
     */
    J_obj("syn_sent_500");
    l = listener(AF_INET, 0);
    n = fill(AF_INET, local_port(l), fds, CAP, &stuck);
    if (stuck >= 0)
        close(stuck);
    c = tcp_sock(AF_INET);
    J_rc("setsockopt", R(set_int(c, IPPROTO_TCP, TCP_USER_TIMEOUT, 500)));
    t0 = now_ms();
    J_rc("connect", do_connect(c, AF_INET, NULL, local_port(l)));
    ms = wait_elapsed(c, POLLOUT, 3000, &rev);
    J_int("ms_until_event", ms < 0 ? -1 : now_ms() - t0);
    J_str("revents", evstr(rev));
    J_err("so_error", so_error(c));
    close(c);
    close_all(fds, n);
    close(l);
    J_end();
    fact_end();
}

/* ------------------------------------------------------------------ */
/* tcp_tw_reuse: connect() and a 4-tuple a timewait socket holds        */
/* ------------------------------------------------------------------ */

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51 /* Linux 6.3+ */
#endif

/*
 * A blocking client (SO_SNDTIMEO bounds connect() to 1 s) connecting to the
 * listener on port lport. port > 0: connect() picks its source port from
 * [port, port] (IP_LOCAL_PORT_RANGE: the ephemeral search, __inet_hash_connect
 * with twp != NULL); port < 0: bind(127.0.0.1:-port) with SO_REUSEADDR first
 * (a bound port: twp == NULL). *rc = connect()'s result.
 */
static int tw_client(int port, int lport, long *rc)
{
    struct timeval tv = { 1, 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (port > 0) {
        unsigned range = (unsigned)port | (unsigned)port << 16;
        if (setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &range, sizeof range) < 0) {
            *rc = -errno;
            return fd;
        }
    } else {
        set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        if ((*rc = do_bind(fd, AF_INET, NULL, -port)) < 0)
            return fd;
    }
    *rc = do_connect(fd, AF_INET, NULL, lport);
    return fd;
}

/* A connection from `port` (tw_client) that the client closes first; the server then closes unless keep_server. */
static long tw_connection(int l, int port, int keep_server, int *server)
{
    long rc;
    int c = tw_client(port, local_port(l), &rc);
    int a = rc == 0 ? accept_nb(l) : -1;
    close(c);
    if (a >= 0) {
        wait_ev(a, POLLIN, CONNECT_WAIT); /* the client's FIN */
        if (!keep_server) {
            close(a);
            a = -1;
        }
    }
    sleep_ms(10);
    *server = a;
    return rc;
}

/* tw_client again from `port`: connect()'s result; a connection made is closed at once */
static long tw_reconnect(int l, int port)
{
    long rc;
    int c = tw_client(port, local_port(l), &rc);
    if (rc == 0) {
        int a = accept_nb(l);
        if (a >= 0)
            close(a);
    }
    close(c);
    return rc;
}

static void fact_tw_reuse(void)
{
    int held[3], ports[3], server;
    long rc_tw, rc_fw2, rc_bound, tw_now, bound_now, tw_later, fw2_later;
    fact_begin("tw_reuse");
    /* three distinct free ports: bound with port 0 at once, then released (never connected) */
    for (int i = 0; i < 3; i++) {
        held[i] = tcp_sock(AF_INET);
        do_bind(held[i], AF_INET, NULL, 0);
        ports[i] = local_port(held[i]);
    }
    close_all(held, 3);
    int l = listener(AF_INET, 8);

    /* TIME_WAIT from an ephemeral port: busy now, free once tcp_tw_reuse_delay (1 s) has passed */
    rc_tw = tw_connection(l, ports[0], 0, &server);
    tw_now = tw_reconnect(l, ports[0]);
    /* an orphan in FIN_WAIT2 (the server never closes): 6.11+ never reuses it */
    rc_fw2 = tw_connection(l, ports[1], 1, &server);
    int fw2_server = server;
    /* TIME_WAIT from a bound port: taken at once, whatever tcp_tw_reuse says */
    rc_bound = tw_connection(l, -ports[2], 0, &server);
    bound_now = tw_reconnect(l, -ports[2]);
    sleep_ms(1100);
    tw_later = tw_reconnect(l, ports[0]);
    fw2_later = tw_reconnect(l, ports[1]);
    if (fw2_server >= 0)
        close(fw2_server);
    close(l);

    J_obj("time_wait");
    J_rc("connect", rc_tw);
    J_rc("reconnect_at_once", tw_now);
    J_rc("reconnect_after_1100_ms", tw_later);
    J_end();
    J_obj("fin_wait2");
    J_rc("connect", rc_fw2);
    J_rc("reconnect_after_1100_ms", fw2_later);
    J_end();
    J_obj("bound_port");
    J_rc("connect", rc_bound);
    J_rc("reconnect_at_once", bound_now);
    J_end();
    fact_end();
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* minus the directory's own fd */
}

/* ------------------------------------------------------------------ */
/* AF_UNIX corners (issue 16)                                          */
/* ------------------------------------------------------------------ */

/*
 * recvfrom() one message and name the sender address it reports: "unnamed"
 * (only sun_family), the label of the matching name in names[], "other", or the
 * errno name.  Abstract names compare by their bytes, paths by the string.
 */
static const char *recvfrom_sender(int fd, const struct sockaddr_un **names,
                                   const char **labels, int n)
{
    char buf[64];
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    const size_t off = offsetof(struct sockaddr_un, sun_path);
    memset(&from, 0, sizeof from);
    if (recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl) < 0)
        return errname(errno);
    if (fl <= off)
        return "unnamed";
    for (int i = 0; i < n; i++) {
        const struct sockaddr_un *w = names[i];
        if (w->sun_path[0] == 0 ? (from.sun_path[0] == 0 &&
                                   memcmp(from.sun_path + 1, w->sun_path + 1, fl - off - 1) == 0 &&
                                   w->sun_path[1 + (fl - off - 1)] == 0)
                                : strcmp(from.sun_path, w->sun_path) == 0)
            return labels[i];
    }
    return "other";
}

/* a nonblocking AF_UNIX listener of `type` on a fresh abstract name (*a, *l) */
static int unix_listener(int type, struct sockaddr_un *a, socklen_t *l)
{
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
    *l = unix_path(a, 1);
    ubind(fd, a, *l);
    listen(fd, 4);
    return fd;
}

/* connect(AF_UNSPEC): dissolve the association */
static long unspec_connect(int fd)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNSPEC;
    return R(connect(fd, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)));
}

static void fact_unix_corners(void)
{
    static const int types[2] = { SOCK_STREAM, SOCK_SEQPACKET };
    static const char *tname[2] = { "stream", "seqpacket" };
    struct sockaddr_un la, ca, xa;
    socklen_t ll, cl, xl;
    int l, c, a, d;
    char key[64];
    fact_begin("unix_corners");

    /*
     * A connection the listener never accepted, then the listener closes:
     * unix_release_sock() releases the embryo with embrion = 1, which sets
     * sk_err = ECONNRESET on the client and shuts it down both ways.
     */
    for (int i = 0; i < 2; i++) {
        for (int order = 0; order < 3; order++) {
            static const char *oname[3] = { "recv_first", "send_first", "so_error_first" };
            l = unix_listener(types[i], &la, &ll);
            c = socket(AF_UNIX, types[i] | SOCK_NONBLOCK, 0);
            uconnect(c, &la, ll);
            close(l);
            snprintf(key, sizeof key, "%s_never_accepted_%s", tname[i], oname[order]);
            J_obj(key);
            J_str("revents", ev_now(c));
            if (order == 2)
                J_err("so_error", so_error(c));
            if (order == 1)
                J_rc("send", send_rc(c, "x", 1));
            J_rc("recv", recv_rc(c, 64));
            J_rc("recv_again", recv_rc(c, 64));
            J_rc("send_then", send_rc(c, "x", 1));
            J_str("revents_after", ev_now(c));
            J_end();
            close(c);
        }
    }

    /* the sender address recvfrom() reports, stream and seqpacket */
    for (int i = 0; i < 2; i++) {
        for (int how = 0; how < 3; how++) {
            static const char *hname[3] = { "unbound_client", "abstract_client", "path_client" };
            const struct sockaddr_un *names[2] = { &ca, &la };
            const char *labels[2] = { "client", "listener" };
            l = unix_listener(types[i], &la, &ll);
            c = socket(AF_UNIX, types[i] | SOCK_NONBLOCK, 0);
            memset(&ca, 0, sizeof ca);
            if (how > 0) {
                cl = unix_path(&ca, how == 1);
                ubind(c, &ca, cl);
            }
            uconnect(c, &la, ll);
            a = accept_nb(l);
            send_rc(c, "hi", 2);
            send_rc(a, "ho", 2);
            snprintf(key, sizeof key, "%s_recvfrom_on_accepted_%s", tname[i], hname[how]);
            J_str(key, recvfrom_sender(a, names, labels, how > 0 ? 2 : 1));
            snprintf(key, sizeof key, "%s_recvfrom_on_%s", tname[i], hname[how]);
            J_str(key, recvfrom_sender(c, names, labels, 2));
            close(a);
            close(c);
            close(l);
            if (how == 2)
                unlink(ca.sun_path);
        }
    }

    /* sendto() with an address on connection-mode AF_UNIX sockets */
    for (int i = 0; i < 2; i++) {
        l = unix_listener(types[i], &la, &ll);
        d = socket(AF_UNIX, types[i] | SOCK_NONBLOCK, 0);
        snprintf(key, sizeof key, "%s_unconnected_sendto_listener", tname[i]);
        J_rc(key, R(sendto(d, "x", 1, SEND_FLAGS, (struct sockaddr *)&la, ll)));
        snprintf(key, sizeof key, "%s_unconnected_send", tname[i]);
        J_rc(key, send_rc(d, "x", 1));
        close(d);
        c = socket(AF_UNIX, types[i] | SOCK_NONBLOCK, 0);
        uconnect(c, &la, ll);
        a = accept_nb(l);
        xl = unix_path(&xa, 1);
        snprintf(key, sizeof key, "%s_connected_sendto_other_name", tname[i]);
        J_rc(key, R(sendto(c, "y", 1, SEND_FLAGS, (struct sockaddr *)&xa, xl)));
        snprintf(key, sizeof key, "%s_connected_sendto_other_name_peer_recv", tname[i]);
        J_rc(key, recv_rc(a, 64));
        close(a);
        close(c);
        close(l);
    }

    /* is an abstract name shared across socket types?  (a path always is: one inode) */
    {
        int s1 = socket(AF_UNIX, SOCK_STREAM, 0), s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
        int s3 = socket(AF_UNIX, SOCK_SEQPACKET, 0), q, sc;
        ll = unix_path(&la, 1);
        J_rc("abstract_bind_stream", ubind(s1, &la, ll));
        J_rc("abstract_bind_same_name_dgram", ubind(s2, &la, ll));
        J_rc("abstract_bind_same_name_seqpacket", ubind(s3, &la, ll));
        listen(s1, 4);
        q = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        J_rc("abstract_dgram_sendto_shared_name", R(sendto(q, "z", 1, SEND_FLAGS, (struct sockaddr *)&la, ll)));
        J_rc("abstract_dgram_owner_recv", recv_rc(s2, 64));
        sc = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
        J_rc("abstract_seqpacket_connect_shared_name", uconnect(sc, &la, ll));
        close(sc);
        sc = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        J_rc("abstract_stream_connect_shared_name", uconnect(sc, &la, ll));
        close(sc);
        close(q);
        close(s1);
        close(s2);
        close(s3);

        s1 = socket(AF_UNIX, SOCK_STREAM, 0);
        s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
        ll = unix_path(&la, 0);
        ubind(s1, &la, ll);
        J_rc("path_bind_same_path_dgram", ubind(s2, &la, ll));
        close(s1);
        close(s2);
        unlink(la.sun_path);
    }

    /* connect(AF_UNSPEC), then bind(), then connect() again */
    {
        int r1, r2, lt, port;
        long rc;
        struct sockaddr_un ra, rb, da;
        socklen_t ral, rbl, dal;

        lt = listener(AF_INET, 4);
        port = local_port(lt);
        c = client(AF_INET, port, NULL);
        connected_within(c, CONNECT_WAIT);
        J_rc("tcp_disconnect", unspec_connect(c));
        J_bool("tcp_port_released_by_disconnect", local_port(c) == 0);
        J_rc("tcp_bind_after_disconnect", do_bind(c, AF_INET, NULL, 0));
        J_rc("tcp_connect_after_bind", do_connect(c, AF_INET, NULL, port));
        J_bool("tcp_connected_after_bind", connected_within(c, CONNECT_WAIT));
        close(c);
        close(lt);

        r1 = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        r2 = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        ral = unix_path(&ra, 1);
        rbl = unix_path(&rb, 1);
        ubind(r1, &ra, ral);
        ubind(r2, &rb, rbl);
        d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        J_rc("dgram_connect", uconnect(d, &ra, ral));
        J_rc("dgram_disconnect", unspec_connect(d));
        J_rc("dgram_send_after_disconnect", send_rc(d, "k", 1));
        dal = unix_path(&da, 1);
        J_rc("dgram_bind_after_disconnect", ubind(d, &da, dal));
        J_rc("dgram_connect_after_bind", uconnect(d, &rb, rbl));
        J_rc("dgram_send_after_reconnect", send_rc(d, "k", 1));
        {
            const struct sockaddr_un *names[1] = { &da };
            const char *labels[1] = { "bound_name" };
            J_str("dgram_reconnected_sender_seen", recvfrom_sender(r2, names, labels, 1));
        }
        rc = recv_rc(r1, 64);
        J_rc("dgram_first_peer_recv", rc);
        close(d);
        close(r1);
        close(r2);

        l = unix_listener(SOCK_STREAM, &la, &ll);
        c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        uconnect(c, &la, ll);
        J_rc("stream_disconnect", unspec_connect(c));
        close(c);
        close(l);
    }
    fact_end();
}

static void fact_selfcheck(long t_start, int fds_at_start)
{
    int n = count_fds();
    fact_begin("probe_selfcheck");
    J_int("open_fds_at_start", fds_at_start);
    J_int("open_fds_at_end", n);
    J_bool("no_fd_leak", n == fds_at_start);
    J_int("elapsed_ms", now_ms() - t_start);
    fact_end();
}

int main(void)
{
    long t0 = now_ms();
    int fds0 = count_fds();
    /* every send passes MSG_NOSIGNAL; this is the safety net */
    signal(SIGPIPE, SIG_IGN);
    fact_socket_errors();
    fact_listen_errors();
    fact_backlog_capacity();
    fact_relisten();
    fact_nonblocking_connect();
    fact_connect_refused();
    fact_connect_ealready();
    fact_accept_errors();
    fact_listener_close();
    fact_listener_shutdown_rd();
    fact_shutdown_before_listen();
    fact_reuse_rules();
    fact_ephemeral_ports();
    fact_sockopts();
    fact_unix();
    fact_ipv6();
    fact_data_basic();
    fact_data_close();
    fact_data_poll();
    fact_data_seqpacket();
    fact_data_udp();
    fact_data_unix_dgram();
    fact_data_buffers();
    fact_deferred_accept();
    fact_syn_retransmit_schedule();
    fact_tw_reuse();
    fact_user_timeout();
    fact_unix_corners();
    fact_selfcheck(t0, fds0);
    return 0;
}
