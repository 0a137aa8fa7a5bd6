/*
 * runner.c - run one conformance scenario against the real Linux kernel.
 *
 * tests/conformance.test.mjs turns a scenario (tests/conformance/scenarios/, JSON)
 * into the line format below, feeds it on stdin and compares what this program
 * prints with what tests/conformance/kernel_runner.mjs records from socket-kernel.
 *
 *   runner TMPDIR < steps
 *
 * Loopback only: 127.0.0.1, ::1, AF_UNIX abstract names (made unique with the pid)
 * and paths under TMPDIR, which the caller creates fresh and removes. Ports come
 * from the kernel (bind or connect with port 0) or name another socket's port.
 * Every blocking socket gets SO_RCVTIMEO and SO_SNDTIMEO of BLOCK_MS, every wait is
 * a poll() with a timeout, and alarm() bounds the whole run. Every socket is closed
 * at the end; the last line reports any descriptor left open.
 *
 * Input: one step per line, tokens separated by one space.
 *
 *   socket NAME DOMAIN TYPE FLAGS    DOMAIN inet|inet6|unix, TYPE stream|dgram|seqpacket,
 *                                    FLAGS - or a comma list of nonblock,cloexec
 *   setsockopt NAME OPT VALUE        getsockopt NAME OPT
 *                                    OPT: a name in OPTS, or defer_accept (TCP_DEFER_ACCEPT)
 *   setsockopt NAME linger0          SO_LINGER { l_onoff 1, l_linger 0 }
 *   bind NAME ADDR                   connect NAME ADDR          disconnect NAME
 *   listen NAME BACKLOG              accept NAME AS             accept4 NAME AS FLAGS
 *   close NAME                       shutdown NAME HOW
 *   send NAME TEXT                   send(MSG_NOSIGNAL | MSG_DONTWAIT): bytes sent;
 *                                    %XX in TEXT is a byte in hex (decode_text)
 *   sendto NAME TEXT ADDR            sendto(MSG_NOSIGNAL | MSG_DONTWAIT): bytes sent
 *   setsockopt NAME acceptfilter F   FreeBSD SO_ACCEPTFILTER (0x1000) with struct
 *                                    accept_filter_arg { F, "" }, or NULL for "off";
 *                                    Linux knows no such option (ENOPROTOOPT)
 *   recv NAME [SIZE]                 recv(MSG_DONTWAIT) of up to SIZE (RECV_SIZE) bytes:
 *                                    the bytes as a string, 0 at end of file
 *   poll NAME                        poll(POLL_EVENTS, 0): revents as "POLLIN|POLLOUT", "" for none
 *   getsockname NAME                 getpeername NAME           fdflags NAME
 *   queue NAME    accept-queue length of a listener (TCP_INFO / UNIX_DIAG_RQLEN)
 *   limit NAME    backlog in force (the same sources)
 *   connected NAME                   poll(POLLOUT) up to SETTLE_MS
 *   portinfo NAME                    parity of the local port, in ip_local_port_range?
 *   wait MS                          sleep
 *   until NAME writable|readable MS  poll until the event; the ms it took
 *   fill AS MAX STUCK ADDR           connect AS1..ASn until one is not connected
 *   unlink ADDR                      skip (a step for socket-kernel only)
 *
 *   ADDR: 127.0.0.1:PORT, [::1]:PORT, 0.0.0.0:PORT, [::]:PORT, @name (abstract),
 *         ./name (a path under TMPDIR), autobind (AF_UNIX, address length 2);
 *         PORT: a number or $NAME, the local port of the socket called NAME.
 *
 * Output: one JSON line per step, {"r":RESULT}. RESULT is the return value, or the
 * errno name of a failure; descriptors are "fd#N" with N counted from the lowest
 * descriptor free when the run started; ports in addresses are "$NAME", the first
 * socket (in the order sockets were named) whose local port that is or was, "$?"
 * for a port no named socket has.
 * Last line: {"end":{"open_fds_left":N}}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_NAMES 1024
#define SETTLE_MS 50       /* "connected?": how long a loopback handshake may take */
#define BLOCK_MS 100       /* SO_RCVTIMEO / SO_SNDTIMEO of blocking sockets */
#define RUN_LIMIT_S 30     /* alarm(): no run takes longer */
#define RECV_SIZE 256      /* recv NAME: bytes asked for (steps.mjs RECV_SIZE) */
#define RECV_MAX 1024      /* recv NAME SIZE: the largest SIZE (steps.mjs RECV_MAX) */
#define POLL_EVENTS (POLLIN | POLLOUT | POLLRDHUP) /* poll NAME (kernel_runner.mjs POLL_EVENTS) */

/* ---- errno names ------------------------------------------------------------ */

static const char *errname(int e)
{
    static char buf[16];
    switch (e) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(EBADF) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(ENOSPC) E(EMSGSIZE)
    E(EEXIST) E(ENOTDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(EPIPE) E(ENAMETOOLONG)
    E(ENOTSOCK) E(EDESTADDRREQ) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT)
    E(ESOCKTNOSUPPORT) E(EOPNOTSUPP) E(EAFNOSUPPORT) E(EADDRINUSE)
    E(EADDRNOTAVAIL) E(ENETUNREACH) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS)
    E(EISCONN) E(ENOTCONN) E(ETIMEDOUT) E(ECONNREFUSED) E(EHOSTUNREACH)
    E(EALREADY) E(EINPROGRESS)
#undef E
    }
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "runner: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

/* ---- output ------------------------------------------------------------------ */

static char out[1 << 14];
static size_t outlen;

static void put(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + outlen, sizeof out - outlen, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof out - outlen)
        die("output line too long");
    outlen += (size_t)n;
}

static void put_str(const char *s)
{
    put("\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            put("\\u%04x", (unsigned char)*s);
        else
            put("%c", *s);
    }
    put("\"");
}

static void begin(void) { outlen = 0; put("{\"r\":"); }

static void end(void)
{
    put("}");
    printf("%s\n", out);
    fflush(stdout);
}

/* a call's result: its value, or its errno name (rc is -errno on failure) */
static void put_rc(long rc)
{
    if (rc < 0)
        put_str(errname((int)-rc));
    else
        put("%ld", rc);
}

static long R(long rc) { return rc < 0 ? -errno : rc; }

/* ---- names ------------------------------------------------------------------- */

struct name {
    char name[64];
    int fd;
    int open;
    int family;
    int port;  /* last known local port, -1 unknown */
};

static struct name names[MAX_NAMES];
static int nnames;
static int fd_base;
static const char *tmpdir;
static char abstract_prefix[64];
static int somaxconn, port_lo, port_hi;

static struct name *find(const char *n)
{
    for (int i = 0; i < nnames; i++)
        if (strcmp(names[i].name, n) == 0)
            return &names[i];
    return NULL;
}

/* The socket called n; a name never created refers to no descriptor (-1, EBADF). */
static int fd_of(const char *n)
{
    struct name *s = find(n);
    return s ? s->fd : -1;
}

static struct name *define(const char *n, int fd, int family)
{
    struct name *s = find(n);
    if (!s) {
        if (nnames == MAX_NAMES)
            die("too many names");
        s = &names[nnames++];
        snprintf(s->name, sizeof s->name, "%s", n);
    }
    s->fd = fd;
    s->open = 1;
    s->family = family;
    s->port = -1;
    return s;
}

static int sa_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return -1;
}

static void refresh_port(struct name *s)
{
    if (!s->open || (s->family != AF_INET && s->family != AF_INET6))
        return;
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    if (getsockname(s->fd, (struct sockaddr *)&ss, &l) == 0)
        s->port = sa_port(&ss);
}

static void refresh_ports(void)
{
    for (int i = 0; i < nnames; i++)
        refresh_port(&names[i]);
}

/* "$NAME" for a port some named socket has (or last had), "$?" for another, 0 as 0. */
static void put_port(char *buf, size_t len, int port)
{
    if (port == 0) {
        snprintf(buf, len, "0");
        return;
    }
    for (int i = 0; i < nnames; i++)
        if (names[i].port == port) {
            snprintf(buf, len, "$%s", names[i].name);
            return;
        }
    snprintf(buf, len, "$?");
}

/* ---- addresses ------------------------------------------------------------------ */

static int parse_port(const char *p)
{
    if (*p == '$') {
        struct name *s = find(p + 1);
        if (!s)
            die("unknown socket in port %s", p);
        refresh_port(s);
        return s->port < 0 ? 0 : s->port;
    }
    return atoi(p);
}

/* ADDR -> sockaddr; returns its length. */
static socklen_t parse_addr(const char *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a[0] == '[') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        char ip[64];
        const char *close_br = strchr(a, ']');
        if (!close_br || close_br[1] != ':' || (size_t)(close_br - a - 1) >= sizeof ip)
            die("bad address %s", a);
        memcpy(ip, a + 1, close_br - a - 1);
        ip[close_br - a - 1] = 0;
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
            die("bad IPv6 address %s", a);
        s6->sin6_port = htons(parse_port(close_br + 2));
        return sizeof *s6;
    }
    if (a[0] == '@' || (a[0] == '.' && a[1] == '/') || strcmp(a, "autobind") == 0) {
        struct sockaddr_un *su = (struct sockaddr_un *)ss;
        su->sun_family = AF_UNIX;
        if (strcmp(a, "autobind") == 0)
            return sizeof(sa_family_t);
        if (a[0] == '@') {
            int n = snprintf(su->sun_path + 1, sizeof su->sun_path - 1, "%s%s", abstract_prefix, a + 1);
            return offsetof(struct sockaddr_un, sun_path) + 1 + n;
        }
        snprintf(su->sun_path, sizeof su->sun_path, "%s/%s", tmpdir, a + 2);
        return offsetof(struct sockaddr_un, sun_path) + strlen(su->sun_path) + 1;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    char ip[32];
    const char *colon = strrchr(a, ':');
    if (!colon || (size_t)(colon - a) >= sizeof ip)
        die("bad address %s", a);
    memcpy(ip, a, colon - a);
    ip[colon - a] = 0;
    s4->sin_family = AF_INET;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
        die("bad IPv4 address %s", a);
    s4->sin_port = htons(parse_port(colon + 1));
    return sizeof *s4;
}

/* sockaddr -> the scenario's notation ("127.0.0.1:$srv", "@name", "./name", ""). */
static void put_addr(const struct sockaddr_storage *ss, socklen_t len)
{
    char ip[INET6_ADDRSTRLEN], port[80];
    refresh_ports();
    if (ss->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof ip);
        put_port(port, sizeof port, sa_port(ss));
        put("\"%s:%s\"", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof ip);
        put_port(port, sizeof port, sa_port(ss));
        put("\"[%s]:%s\"", ip, port);
    } else if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *su = (const struct sockaddr_un *)ss;
        size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
        char name[sizeof su->sun_path + 8];
        size_t plen = strlen(abstract_prefix);
        if (n == 0) {
            put("\"\"");
        } else if (su->sun_path[0] == 0) {
            /* abstract: ours, or a 5-hex-digit autobind name */
            if (n - 1 >= plen && memcmp(su->sun_path + 1, abstract_prefix, plen) == 0) {
                snprintf(name, sizeof name, "@%.*s", (int)(n - 1 - plen), su->sun_path + 1 + plen);
                put_str(name);
            } else if (n == 6 && strspn(su->sun_path + 1, "0123456789abcdef") >= 5) {
                put("\"@autobind\"");
            } else {
                put("\"@?\"");
            }
        } else {
            size_t tl = strlen(tmpdir);
            if (strncmp(su->sun_path, tmpdir, tl) == 0 && su->sun_path[tl] == '/') {
                snprintf(name, sizeof name, "./%s", su->sun_path + tl + 1);
                put_str(name);
            } else {
                put("\"?path\"");
            }
        }
    } else {
        put("\"family=%d\"", ss->ss_family);
    }
}

/* ---- helpers ------------------------------------------------------------------ */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int parse_flags(const char *f)
{
    if (strcmp(f, "-") == 0)
        return 0;
    if (f[0] == '0' && f[1] == 'x')
        return (int)strtol(f, NULL, 16);
    int v = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", f);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (strcmp(t, "nonblock") == 0)
            v |= SOCK_NONBLOCK;
        else if (strcmp(t, "cloexec") == 0)
            v |= SOCK_CLOEXEC;
        else
            die("unknown flag %s", t);
    }
    return v;
}

/* A blocking socket must not block the run: bound its waits. */
static void bound_waits(int fd)
{
    if (fcntl(fd, F_GETFL) & O_NONBLOCK)
        return;
    struct timeval tv = { 0, BLOCK_MS * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int family_of(int fd)
{
    int v = 0;
    socklen_t l = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 ? -1 : v;
}

static const struct { const char *name; int level, opt; } OPTS[] = {
    { "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR },
    { "SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT },
    { "SO_ERROR", SOL_SOCKET, SO_ERROR },
    { "SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN },
    { "SO_TYPE", SOL_SOCKET, SO_TYPE },
    { "SO_DOMAIN", SOL_SOCKET, SO_DOMAIN },
    { "SO_PROTOCOL", SOL_SOCKET, SO_PROTOCOL },
    { "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF },
    { "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF },
    { "SO_LINGER", SOL_SOCKET, SO_LINGER },   /* getsockopt: l_onoff (an int-sized read) */
    { "IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY },
    { "defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT },
};

/* A send TEXT decoded in place: %XX becomes the byte XX (steps.mjs decodeText). Returns the length. */
static size_t decode_text(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '%' && r[1] && r[2]) {
            char hex[3] = { r[1], r[2], 0 };
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static int opt_index(const char *n)
{
    for (size_t i = 0; i < sizeof OPTS / sizeof OPTS[0]; i++)
        if (strcmp(OPTS[i].name, n) == 0)
            return (int)i;
    die("unknown option %s", n);
    return -1;
}

/* poll() revents for ev, waiting up to ms; 0 when nothing happened. */
static short poll_for(int fd, short ev, long ms)
{
    struct pollfd p = { fd, ev, 0 };
    long t0 = now_ms();
    for (;;) {
        long left = ms - (now_ms() - t0);
        int n = poll(&p, 1, left < 0 ? 0 : (int)left);
        if (n > 0)
            return p.revents;
        if (n == 0 || errno != EINTR)
            return 0;
    }
}

/* revents as "POLLIN|POLLOUT" ("" for none), in the order of steps.mjs POLL_NAMES. */
static void put_revents(short r)
{
    static const struct { short bit; const char *name; } t[] = {
        { POLLIN, "POLLIN" }, { POLLPRI, "POLLPRI" }, { POLLOUT, "POLLOUT" },
        { POLLERR, "POLLERR" }, { POLLHUP, "POLLHUP" }, { POLLNVAL, "POLLNVAL" },
        { POLLRDHUP, "POLLRDHUP" },
    };
    const char *sep = "";
    put("\"");
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (r & t[i].bit) {
            put("%s%s", sep, t[i].name);
            sep = "|";
        }
    put("\"");
}

/* "connected?": 1 connected, 0 not (yet), -1 failed (POLLERR / POLLHUP). */
static int connected(int fd)
{
    short r = poll_for(fd, POLLOUT, 0);
    if (!r)
        r = poll_for(fd, POLLOUT, SETTLE_MS);
    if (r & (POLLERR | POLLHUP | POLLNVAL))
        return -1;
    return (r & POLLOUT) ? 1 : 0;
}

static void put_connected(int c)
{
    if (c < 0)
        put("\"failed\"");
    else
        put(c ? "true" : "false");
}

/* Accept-queue length (what = 0) or backlog in force (what = 1) of a listener; -1 if not one. */
static long unix_diag(int fd, int what);

static long listener_info(int fd, int what)
{
    if (family_of(fd) == AF_UNIX)
        return unix_diag(fd, what);
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
        return -1;
    if (ti.tcpi_state != TCP_LISTEN)
        return -1;
    /* tcp_get_info(): for a listener, tcpi_unacked = sk_ack_backlog and
     * tcpi_sacked = sk_max_ack_backlog */
    return what == 0 ? ti.tcpi_unacked : ti.tcpi_sacked;
}

/* AF_UNIX: sock_diag by inode; UNIX_DIAG_RQLEN gives a listener's queue and backlog. */
static long unix_diag(int fd, int what)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -2;
    struct {
        struct nlmsghdr nh;
        struct unix_diag_req req;
    } msg = {
        .nh = { .nlmsg_len = sizeof msg, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST },
        .req = { .sdiag_family = AF_UNIX, .udiag_states = -1, .udiag_ino = (unsigned)st.st_ino,
                 .udiag_show = UDIAG_SHOW_RQLEN, .udiag_cookie = { -1U, -1U } },
    };
    long result = -2;
    struct timeval tv = { 1, 0 };
    setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (send(nl, &msg, sizeof msg, 0) == (ssize_t)sizeof msg) {
        long buf[1024];
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n > 0 && NLMSG_OK(h, (size_t)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            struct unix_diag_msg *m = NLMSG_DATA(h);
            if (m->udiag_state != TCP_LISTEN) {
                result = -1;
            } else {
                struct rtattr *a = (struct rtattr *)(m + 1);
                int left = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
                for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
                    if (a->rta_type == UNIX_DIAG_RQLEN) {
                        struct unix_diag_rqlen *q = RTA_DATA(a);
                        result = what == 0 ? q->udiag_rqueue : q->udiag_wqueue;
                    }
            }
        }
    }
    close(nl);
    return result;
}

static void put_listener_info(long v, int what)
{
    if (v == -2)
        put("\"unavailable\"");        /* no sock_diag for AF_UNIX on this kernel */
    else if (v < 0)
        put("null");                   /* not a listener */
    else if (what == 1 && v == somaxconn)
        put("\"somaxconn\"");
    else
        put("%ld", v);
}

static int read_ints(const char *path, int *a, int *b)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = b ? fscanf(f, "%d %d", a, b) : fscanf(f, "%d", a);
    fclose(f);
    return n;
}

/* ---- the steps ----------------------------------------------------------------- */

#define MAXTOK 8

static void step(char **t, int nt)
{
    const char *op = t[0];
    begin();
    if (strcmp(op, "socket") == 0 && nt == 5) {
        int dom = strcmp(t[2], "inet") == 0 ? AF_INET : strcmp(t[2], "inet6") == 0 ? AF_INET6
                : strcmp(t[2], "unix") == 0 ? AF_UNIX : atoi(t[2]);
        int type = strcmp(t[3], "stream") == 0 ? SOCK_STREAM : strcmp(t[3], "dgram") == 0 ? SOCK_DGRAM
                 : strcmp(t[3], "seqpacket") == 0 ? SOCK_SEQPACKET : atoi(t[3]);
        int fd = socket(dom, type | parse_flags(t[4]), 0);
        if (fd < 0) {
            put_rc(-errno);
        } else {
            bound_waits(fd);
            define(t[1], fd, dom);
            put("\"fd#%d\"", fd - fd_base);
        }
    } else if (strcmp(op, "setsockopt") == 0 && nt == 3 && strcmp(t[2], "linger0") == 0) {
        struct linger lg = { 1, 0 };
        put_rc(R(setsockopt(fd_of(t[1]), SOL_SOCKET, SO_LINGER, &lg, sizeof lg)));
    } else if (strcmp(op, "setsockopt") == 0 && nt == 4 && strcmp(t[2], "acceptfilter") == 0) {
        /* FreeBSD <sys/socket.h> SO_ACCEPTFILTER and struct accept_filter_arg (char[16] + char[240]). */
        struct { char name[16]; char arg[256 - 16]; } afa;
        memset(&afa, 0, sizeof afa);
        strncpy(afa.name, t[3], sizeof afa.name - 1);
        int off = strcmp(t[3], "off") == 0;
        put_rc(R(setsockopt(fd_of(t[1]), SOL_SOCKET, 0x1000, off ? NULL : &afa, off ? 0 : sizeof afa)));
    } else if (strcmp(op, "setsockopt") == 0 && nt == 4) {
        int i = opt_index(t[2]), v = atoi(t[3]);
        put_rc(R(setsockopt(fd_of(t[1]), OPTS[i].level, OPTS[i].opt, &v, sizeof v)));
    } else if (strcmp(op, "getsockopt") == 0 && nt == 3) {
        int i = opt_index(t[2]), v = 0;
        socklen_t l = sizeof v;
        if (getsockopt(fd_of(t[1]), OPTS[i].level, OPTS[i].opt, &v, &l) < 0)
            put_rc(-errno);
        else if (OPTS[i].opt == SO_ERROR && OPTS[i].level == SOL_SOCKET && v != 0)
            put_str(errname(v));
        else
            put("%d", v);
    } else if ((strcmp(op, "bind") == 0 || strcmp(op, "connect") == 0) && nt == 3) {
        struct sockaddr_storage ss;
        socklen_t l = parse_addr(t[2], &ss);
        int fd = fd_of(t[1]);
        put_rc(op[0] == 'b' ? R(bind(fd, (struct sockaddr *)&ss, l)) : R(connect(fd, (struct sockaddr *)&ss, l)));
    } else if (strcmp(op, "disconnect") == 0 && nt == 2) {
        struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
        put_rc(R(connect(fd_of(t[1]), (struct sockaddr *)&ss, sizeof ss)));
    } else if (strcmp(op, "listen") == 0 && nt == 3) {
        put_rc(R(listen(fd_of(t[1]), atoi(t[2]))));
    } else if ((strcmp(op, "accept") == 0 && nt == 3) || (strcmp(op, "accept4") == 0 && nt == 4)) {
        struct sockaddr_storage ss;
        socklen_t l = sizeof ss;
        int lfd = fd_of(t[1]);
        int fd = nt == 3 ? accept(lfd, (struct sockaddr *)&ss, &l)
                         : accept4(lfd, (struct sockaddr *)&ss, &l, parse_flags(t[3]));
        if (fd < 0) {
            put_rc(-errno);
        } else {
            bound_waits(fd);
            define(t[2], fd, ss.ss_family);
            put("{\"fd\":\"fd#%d\",\"peer\":", fd - fd_base);
            put_addr(&ss, l);
            put("}");
        }
    } else if (strcmp(op, "close") == 0 && nt == 2) {
        struct name *s = find(t[1]);
        if (s) {
            refresh_port(s);
            s->open = 0;
        }
        put_rc(R(close(s ? s->fd : -1)));
    } else if (strcmp(op, "shutdown") == 0 && nt == 3) {
        int how = strcmp(t[2], "SHUT_RD") == 0 ? SHUT_RD : strcmp(t[2], "SHUT_WR") == 0 ? SHUT_WR
                : strcmp(t[2], "SHUT_RDWR") == 0 ? SHUT_RDWR : atoi(t[2]);
        put_rc(R(shutdown(fd_of(t[1]), how)));
    } else if ((strcmp(op, "getsockname") == 0 || strcmp(op, "getpeername") == 0) && nt == 2) {
        struct sockaddr_storage ss;
        socklen_t l = sizeof ss;
        memset(&ss, 0, sizeof ss);
        int fd = fd_of(t[1]);
        long rc = op[3] == 's' ? R(getsockname(fd, (struct sockaddr *)&ss, &l))
                               : R(getpeername(fd, (struct sockaddr *)&ss, &l));
        if (rc < 0)
            put_rc(rc);
        else
            put_addr(&ss, l);
    } else if (strcmp(op, "recv") == 0 && (nt == 2 || nt == 3)) {
        char buf[RECV_MAX + 1];
        long size = nt == 3 ? atol(t[2]) : RECV_SIZE;
        if (size < 1 || size > RECV_MAX)
            die("recv: SIZE %s out of range", t[2]);
        long n = R(recv(fd_of(t[1]), buf, (size_t)size, MSG_DONTWAIT));
        if (n > 0) {
            buf[n] = 0;
            if (strlen(buf) != (size_t)n)
                die("recv: a NUL byte in the data");
            put_str(buf);
        } else {
            put_rc(n);
        }
    } else if (strcmp(op, "send") == 0 && nt == 3) {
        size_t n = decode_text(t[2]);
        put_rc(R(send(fd_of(t[1]), t[2], n, MSG_NOSIGNAL | MSG_DONTWAIT)));
    } else if (strcmp(op, "sendto") == 0 && nt == 4) {
        struct sockaddr_storage ss;
        socklen_t l = parse_addr(t[3], &ss);
        size_t n = decode_text(t[2]);
        put_rc(R(sendto(fd_of(t[1]), t[2], n, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&ss, l)));
    } else if (strcmp(op, "poll") == 0 && nt == 2) {
        struct pollfd p = { fd_of(t[1]), POLL_EVENTS, 0 };
        int n;
        while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
            ;
        if (n < 0)
            put_rc(-errno);
        else
            put_revents(n > 0 ? p.revents : 0);
    } else if (strcmp(op, "fdflags") == 0 && nt == 2) {
        int fd = fd_of(t[1]);
        int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
        if (fl < 0 || fdf < 0)
            put_rc(-errno);
        else if ((fl & O_NONBLOCK) && (fdf & FD_CLOEXEC))
            put("\"nonblock,cloexec\"");
        else
            put("\"%s\"", (fl & O_NONBLOCK) ? "nonblock" : (fdf & FD_CLOEXEC) ? "cloexec" : "");
    } else if ((strcmp(op, "queue") == 0 || strcmp(op, "limit") == 0) && nt == 2) {
        int what = op[0] == 'l';
        put_listener_info(listener_info(fd_of(t[1]), what), what);
    } else if (strcmp(op, "connected") == 0 && nt == 2) {
        put_connected(connected(fd_of(t[1])));
    } else if (strcmp(op, "portinfo") == 0 && nt == 2) {
        struct sockaddr_storage ss;
        socklen_t l = sizeof ss;
        if (getsockname(fd_of(t[1]), (struct sockaddr *)&ss, &l) < 0) {
            put_rc(-errno);
        } else if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
            put("null");
        } else {
            int p = sa_port(&ss);
            put("{\"parity\":\"%s\",\"inRange\":%s}", p == 0 ? "none" : (p & 1) ? "odd" : "even",
                p >= port_lo && p <= port_hi ? "true" : "false");
        }
    } else if (strcmp(op, "wait") == 0 && nt == 2) {
        sleep_ms(atol(t[1]));
        put("null");
    } else if (strcmp(op, "until") == 0 && nt == 4) {
        short ev = strcmp(t[2], "readable") == 0 ? POLLIN : POLLOUT;
        long t0 = now_ms();
        short r = poll_for(fd_of(t[1]), ev, atol(t[3]));
        if (r)
            put("{\"after\":%ld}", now_ms() - t0);
        else
            put("\"timeout\"");
    } else if (strcmp(op, "fill") == 0 && nt == 5) {
        int max = atoi(t[2]), n = 0;
        struct sockaddr_storage ss;
        socklen_t l = parse_addr(t[4], &ss);
        for (int i = 1; i <= max; i++) {
            char nm[64];
            int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0)
                die("fill: socket: %s", errname(errno));
            connect(fd, (struct sockaddr *)&ss, l);
            int c = connected(fd);
            if (c == 1)
                snprintf(nm, sizeof nm, "%s%d", t[1], i);
            else
                snprintf(nm, sizeof nm, "%s", t[3]);
            define(nm, fd, ss.ss_family);
            if (c != 1)
                break;
            n++;
        }
        put("%d", n);
    } else if (strcmp(op, "unlink") == 0 && nt == 2) {
        struct sockaddr_storage ss;
        parse_addr(t[1], &ss);
        put_rc(R(unlink(((struct sockaddr_un *)&ss)->sun_path)));
    } else if (strcmp(op, "skip") == 0) {
        put("\"skipped\"");
    } else {
        die("bad step: %s (%d tokens)", op, nt);
    }
    end();
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: runner TMPDIR < steps");
    tmpdir = argv[1];
    alarm(RUN_LIMIT_S);
    snprintf(abstract_prefix, sizeof abstract_prefix, "skconf.%d.", (int)getpid());
    if (read_ints("/proc/sys/net/core/somaxconn", &somaxconn, NULL) != 1)
        die("cannot read net.core.somaxconn");
    if (read_ints("/proc/sys/net/ipv4/ip_local_port_range", &port_lo, &port_hi) != 2)
        die("cannot read net.ipv4.ip_local_port_range");
    /* Descriptors inherited from the caller would make the numbering skip: close them
     * (they are this process's copies). Then the lowest free one is fd#0. */
    for (int fd = 3; fd < 4096; fd++)
        close(fd);
    fd_base = dup(0);
    if (fd_base < 0)
        die("dup: %s", errname(errno));
    close(fd_base);

    char line[1024];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        char *t[MAXTOK] = { 0 };
        int nt = 0;
        for (char *p = strtok(line, " "); p && nt < MAXTOK; p = strtok(NULL, " "))
            t[nt++] = p;
        step(t, nt);
    }

    for (int i = 0; i < nnames; i++)
        if (names[i].open) {
            close(names[i].fd);
            names[i].open = 0;
        }
    /* every socket closed: the lowest free descriptor is the one we started with */
    int left = 0;
    for (int fd = fd_base; fd < fd_base + MAX_NAMES * 2; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            left++;
    printf("{\"end\":{\"open_fds_left\":%d}}\n", left);
    return 0;
}
