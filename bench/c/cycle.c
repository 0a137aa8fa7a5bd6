/*
 * cycle.c - the handshake cycle on the real Linux kernel, over loopback.
 *
 * One listener on 127.0.0.1 (kernel-chosen port, backlog 4096). Each cycle:
 *
 *     socket() -> setsockopt(SO_LINGER {1,0}) -> connect() -> accept()
 *              -> close(client) -> close(server side)
 *
 * the same work that bench/index.mjs asks of socket-kernel, measured with
 * CLOCK_MONOTONIC. It is the honest "real kernel" figure: nothing is
 * batched, every call is a real system call.
 *
 * Why SO_LINGER {1, 0} on the client: a plain close() of the side that closes
 * first leaves its 4-tuple in TIME_WAIT for 60 s; at tens of thousands of
 * cycles per second the ephemeral range (ip_local_port_range, 28232 ports by
 * default) would fill with TIME_WAIT entries and connect() would slow down
 * (tcp_tw_reuse lookups) and finally fail with EADDRNOTAVAIL. With linger
 * {1, 0} close() sends a RST instead of a FIN (tcp_disconnect), so no TIME_WAIT
 * is left anywhere: the server side has received the RST and is already
 * CLOSED when it is closed. It costs one setsockopt() per cycle and is the
 * fastest honest cycle: socket-kernel has no TIME_WAIT yet either.
 *
 * Modes:
 *   blocking     (default) blocking connect(): on loopback the handshake
 *                completes inside the call; accept() then finds the child
 *                queued and returns at once.
 *   nonblocking  SOCK_NONBLOCK client and listener: connect() says
 *                EINPROGRESS, accept() is called at once; if it says EAGAIN
 *                we poll() the listener (counted in "acceptPolls").
 *
 * --open K keeps K connected pairs open before the timed loop, to show what
 * many open connections cost the real kernel. Each pair takes two
 * descriptors and one ephemeral port, so K is capped by RLIMIT_NOFILE (the
 * soft limit is raised to the hard one first) and by the ephemeral range;
 * the JSON reports the K actually opened and why it was capped.
 *
 * Build:  gcc -O2 -Wall -Wextra -o build/bench-cycle bench/c/cycle.c
 * Run:    build/bench-cycle CYCLES MAX_MS [--nonblocking] [--open K] [--warmup W]
 * Output: one JSON line on stdout, e.g.
 *   {"cycles":200000,"seconds":3.1,"cyclesPerSec":64516,"mode":"blocking",...}
 * Exit status 0, or 1 with {"error":...} on stdout and a message on stderr.
 *
 * Loopback only; every loop is bounded by the cycle count and the time cap;
 * every descriptor is closed before exit. No sysctl is written.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BACKLOG 4096
#define POLL_MS 1000          /* nonblocking mode: longest wait for one accept */
#define FD_RESERVE 16         /* descriptors kept back from --open: stdio, listener, the cycle's own two */
#define PORT_RESERVE 1024     /* ephemeral ports kept back from --open for the cycles themselves */
#define CLOCK_EVERY 64        /* read the clock once per this many cycles */

static int listener = -1;
static int *open_fds;         /* --open: 2*K descriptors, -1 when closed */
static long n_open_fds;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cleanup(void)
{
    for (long i = 0; i < n_open_fds; i++)
        if (open_fds[i] >= 0) close(open_fds[i]);
    n_open_fds = 0;
    free(open_fds);
    open_fds = NULL;
    if (listener >= 0) close(listener);
    listener = -1;
}

static void fail(const char *what, int err)
{
    fprintf(stderr, "cycle: %s: %s\n", what, strerror(err));
    printf("{\"error\":\"%s\",\"errno\":%d}\n", what, err);
    cleanup();
    exit(1);
}

static void usage(void)
{
    fprintf(stderr, "usage: cycle CYCLES MAX_MS [--nonblocking] [--open K] [--warmup W]\n");
    exit(2);
}

static long parse_count(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > max) usage();
    return v;
}

/* ip_local_port_range, or Linux's default when it cannot be read. */
static long ephemeral_ports(void)
{
    long lo = 32768, hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &lo, &hi) != 2) { lo = 32768; hi = 60999; }
        fclose(f);
    }
    return hi - lo + 1;
}

/* The client side of one connection: connect()ed to `to`, SO_LINGER {1, 0}. */
static int client_connect(const struct sockaddr_in *to, int nonblocking)
{
    static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (c < 0) fail("socket", errno);
    if (setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof rst) < 0) { int e = errno; close(c); fail("setsockopt SO_LINGER", e); }
    if (connect(c, (const struct sockaddr *)to, sizeof *to) < 0 && !(nonblocking && errno == EINPROGRESS)) {
        int e = errno; close(c); fail("connect", e);
    }
    return c;
}

/* accept() on the listener; in nonblocking mode waits in poll() when the child is not queued yet. */
static int server_accept(long *polls)
{
    for (int tries = 0; tries < 2; tries++) {
        int a = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (a >= 0) return a;
        if (errno != EAGAIN) fail("accept", errno);
        struct pollfd p = { .fd = listener, .events = POLLIN };
        (*polls)++;
        int r = poll(&p, 1, POLL_MS);
        if (r < 0) fail("poll", errno);
        if (r == 0) fail("accept (no connection within 1 s)", ETIMEDOUT);
    }
    fail("accept", EAGAIN);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) usage();
    long cycles = parse_count(argv[1], 1000000000L);
    long max_ms = parse_count(argv[2], 86400000L);
    int nonblocking = 0;
    long open_req = 0, warmup = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--nonblocking")) nonblocking = 1;
        else if (!strcmp(argv[i], "--open") && i + 1 < argc) open_req = parse_count(argv[++i], 10000000L);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = parse_count(argv[++i], 1000000000L);
        else usage();
    }

    /* RLIMIT_NOFILE: raise the soft limit to the hard limit, then cap --open by it. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) fail("getrlimit", errno);
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) fail("setrlimit", errno);
    }
    long nofile = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 100000000 ? 100000000 : (long)rl.rlim_cur;
    long by_fds = nofile > FD_RESERVE ? (nofile - FD_RESERVE) / 2 : 0;
    long ports = ephemeral_ports();
    long by_ports = ports > PORT_RESERVE ? ports - PORT_RESERVE : 0;
    long open_k = open_req;
    const char *capped = "none";
    if (open_k > by_fds) { open_k = by_fds; capped = "RLIMIT_NOFILE"; }
    if (open_k > by_ports) { open_k = by_ports; capped = "ip_local_port_range"; }

    /* The listener: 127.0.0.1, port 0 (kernel-chosen), backlog 4096. */
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (listener < 0) fail("socket (listener)", errno);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) fail("bind", errno);
    if (listen(listener, BACKLOG) < 0) fail("listen", errno);
    socklen_t alen = sizeof addr;
    if (getsockname(listener, (struct sockaddr *)&addr, &alen) < 0) fail("getsockname", errno);

    long polls = 0;

    /* --open K: K established pairs that stay open through the timed loop. */
    if (open_k > 0) {
        open_fds = malloc(sizeof(int) * (size_t)open_k * 2);
        if (!open_fds) fail("malloc", ENOMEM);
        for (long i = 0; i < open_k; i++) {
            int c = client_connect(&addr, nonblocking);
            open_fds[n_open_fds++] = c;
            open_fds[n_open_fds++] = server_accept(&polls);
        }
    }

    /* Warm-up cycles (not timed), then the timed loop. */
    double t0 = 0, t1 = 0, deadline = 0;
    long done = 0;
    for (int phase = 0; phase < 2; phase++) {
        long n = phase == 0 ? warmup : cycles;
        t0 = now_s();
        deadline = t0 + (double)max_ms / 1000.0;
        long i;
        for (i = 0; i < n; i++) {
            int c = client_connect(&addr, nonblocking);
            int a = server_accept(&polls);
            /* Client first: its RST reaches the server side before that is closed. */
            if (close(c) < 0) fail("close (client)", errno);
            if (close(a) < 0) fail("close (server side)", errno);
            if ((i + 1) % CLOCK_EVERY == 0 && now_s() >= deadline) { i++; break; }
        }
        t1 = now_s();
        done = i;
    }

    double seconds = t1 - t0;
    printf("{\"cycles\":%ld,\"seconds\":%.6f,\"cyclesPerSec\":%.0f,\"mode\":\"%s\","
           "\"open\":%ld,\"openRequested\":%ld,\"openCappedBy\":\"%s\",\"nofile\":%ld,"
           "\"warmup\":%ld,\"acceptPolls\":%ld,\"port\":%u}\n",
           done, seconds, seconds > 0 ? (double)done / seconds : 0.0,
           nonblocking ? "nonblocking" : "blocking",
           open_k, open_req, open_k < open_req ? capped : "none", nofile,
           warmup, polls, (unsigned)ntohs(addr.sin_port));
    cleanup();
    return 0;
}
