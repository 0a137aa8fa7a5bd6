/* The release kernel (build/kernel.wasm) from C, against the package's C header
 * (build/socket_kernel.h): wasm2c turned the .wasm into kernel.c and kernel.h
 * (tests/embed.test.mjs does that, then compiles this file with them and wabt's
 * runtime). The header's prototypes are defined below on top of wasm2c's functions, as
 * an embedder would bind them, so the compiler checks each against the header; the test
 * then calls sk_* with the header's SK_ constants. A listener with backlog 1 meets three clients (Linux admits 2 and
 * counts the third's dropped SYN), one accept in FIFO order, then bad input, each call
 * answering a negative errno and never trapping. Every result is checked; the output
 * is TAP, and the exit status is the number of failed checks (a trap counts as one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "wasm-rt-impl.h"
#include "socket_kernel.h"

static int checks, failures;

static void expect(const char* what, s64 got, s64 want) {
  checks++;
  if (got == want) {
    printf("ok %d - %s\n", checks, what);
  } else {
    failures++;
    printf("not ok %d - %s: got %lld, want %lld\n", checks, what, (long long)got, (long long)want);
  }
}

/* The two WASI imports of the release build, used only by abort() (a kernel bug). */
struct Z_wasi_snapshot_preview1_instance_t { Z_sk_instance_t* kernel; };

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t* wasi, u32 fd, u32 iovs, u32 n, u32 written) {
  u8* mem = wasi->kernel->w2c_memory.data;
  u32 total = 0;
  for (u32 i = 0; i < n; i++) {
    u32 ptr, len;
    memcpy(&ptr, mem + iovs + 8 * i, 4);
    memcpy(&len, mem + iovs + 8 * i + 4, 4);
    fwrite(mem + ptr, 1, len, stderr);
    total += len;
  }
  memcpy(mem + written, &total, 4);
  (void)fd;
  return 0;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t* wasi, u32 code) {
  (void)wasi;
  fprintf(stderr, "the kernel aborted (proc_exit %u)\n", code);
  exit(100);
}

static Z_sk_instance_t k;
static u8* mem(void) { return k.w2c_memory.data; }

/* The header's prototypes, bound to the one wasm2c instance (u32 there, int32_t here). */
int32_t sk_init(int32_t personality, int64_t seed) { return (int32_t)Z_skZ_sk_init(&k, (u32)personality, (u64)seed); }
sk_ptr sk_scratch(void) { return Z_skZ_sk_scratch(&k); }
int32_t sk_scratch_size(void) { return (int32_t)Z_skZ_sk_scratch_size(&k); }
int32_t sk_socket(int32_t domain, int32_t type, int32_t protocol) { return (int32_t)Z_skZ_sk_socket(&k, (u32)domain, (u32)type, (u32)protocol); }
int32_t sk_bind(int32_t fd, sk_ptr addr, int32_t len) { return (int32_t)Z_skZ_sk_bind(&k, (u32)fd, addr, (u32)len); }
int32_t sk_listen(int32_t fd, int32_t backlog) { return (int32_t)Z_skZ_sk_listen(&k, (u32)fd, (u32)backlog); }
int32_t sk_connect(int32_t fd, sk_ptr addr, int32_t len) { return (int32_t)Z_skZ_sk_connect(&k, (u32)fd, addr, (u32)len); }
int32_t sk_accept(int32_t fd, sk_ptr addr, sk_ptr len_ptr) { return (int32_t)Z_skZ_sk_accept(&k, (u32)fd, addr, len_ptr); }
int32_t sk_accept4(int32_t fd, sk_ptr addr, sk_ptr len_ptr, int32_t flags) { return (int32_t)Z_skZ_sk_accept4(&k, (u32)fd, addr, len_ptr, (u32)flags); }
int32_t sk_close(int32_t fd) { return (int32_t)Z_skZ_sk_close(&k, (u32)fd); }
int32_t sk_getsockname(int32_t fd, sk_ptr addr, sk_ptr len_ptr) { return (int32_t)Z_skZ_sk_getsockname(&k, (u32)fd, addr, len_ptr); }
int32_t sk_getsockopt(int32_t fd, int32_t level, int32_t name, sk_ptr val, sk_ptr len_ptr) { return (int32_t)Z_skZ_sk_getsockopt(&k, (u32)fd, (u32)level, (u32)name, val, len_ptr); }
int32_t sk_setsockopt(int32_t fd, int32_t level, int32_t name, sk_ptr val, int32_t len) { return (int32_t)Z_skZ_sk_setsockopt(&k, (u32)fd, (u32)level, (u32)name, val, (u32)len); }
int32_t sk_poll(sk_ptr fds, int32_t n) { return (int32_t)Z_skZ_sk_poll(&k, fds, (u32)n); }
int32_t sk_unlink(sk_ptr path, int32_t len) { return (int32_t)Z_skZ_sk_unlink(&k, path, (u32)len); }
int32_t sk_add_address(sk_ptr addr, int32_t len) { return (int32_t)Z_skZ_sk_add_address(&k, addr, (u32)len); }
int64_t sk_stat(int32_t id) { return (int64_t)Z_skZ_sk_stat(&k, (u32)id); }
int32_t sk_sock_row(int32_t cursor) { return (int32_t)Z_skZ_sk_sock_row(&k, (u32)cursor); }
int32_t sk_check(void) { return (int32_t)Z_skZ_sk_check(&k); }
int64_t sk_mem(int32_t what) { return (int64_t)Z_skZ_sk_mem(&k, (u32)what); }

/* struct sockaddr_in for 127.0.0.1:port at p: family little-endian, port and address big-endian. */
static void sockaddr_in(u32 p, u16 port) {
  u8 sa[16] = {SK_AF_INET, 0, (u8)(port >> 8), (u8)port, 127, 0, 0, 1};
  memcpy(mem() + p, sa, sizeof sa);
}
static u16 port_of(u32 p) { return (u16)(mem()[p + 2] << 8 | mem()[p + 3]); }
static s32 load32(u32 p) { s32 v; memcpy(&v, mem() + p, 4); return v; }
static void store32(u32 p, s32 v) { memcpy(mem() + p, &v, 4); }

int main(void) {
  struct Z_wasi_snapshot_preview1_instance_t wasi = {&k};
  wasm_rt_init();
  Z_sk_init_module();
  Z_sk_instantiate(&k, &wasi);
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* A trap anywhere below (there must be none) lands here and ends the run as a failure. */
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    printf("not ok %d - the kernel trapped (wasm_rt_trap_t %d) after check %d\n", checks + 1, (int)trap, checks);
    printf("1..%d\n", checks + 1);
    return failures + 1;
  }
  Z_skZ__initialize(&k);

  expect("the module's SK_ABI_VERSION is the header's", *Z_skZ_SK_ABI_VERSION(&k), SK_ABI_VERSION);
  expect("sk_init(Linux)", sk_init(SK_PERSONALITY_LINUX, 42), 0);

  const u32 scratch = sk_scratch();
  expect("the scratch area holds 4096 bytes", sk_scratch_size(), 4096);
  const u32 addr = scratch, peer = scratch + 64, len = scratch + 128, val = scratch + 132;
  sockaddr_in(addr, 8080);

  /* listen(backlog 1) */
  s32 srv = sk_socket(SK_AF_INET, SK_SOCK_STREAM, 0);
  expect("socket() takes the lowest free descriptor, 3", srv, 3);
  expect("bind 127.0.0.1:8080", sk_bind(srv, addr, 16), 0);
  expect("listen(fd, 1)", sk_listen(srv, 1), 0);
  store32(len, 4);
  expect("getsockopt SO_ACCEPTCONN", sk_getsockopt(srv, SK_SOL_SOCKET, SK_SO_ACCEPTCONN, val, len), 0);
  expect("SO_ACCEPTCONN is 1", load32(val), 1);

  /* three nonblocking connects: two fit the accept queue, the third's SYN is dropped */
  s32 clients[3];
  for (int i = 0; i < 3; i++) {
    clients[i] = sk_socket(SK_AF_INET, SK_SOCK_STREAM | SK_SOCK_NONBLOCK, 0);
    expect("client socket()", clients[i], 4 + i);
    expect("nonblocking connect() says EINPROGRESS", sk_connect(clients[i], addr, 16), -SK_EINPROGRESS);
  }
  expect("ListenOverflows counts the third client's SYN", sk_stat(SK_STAT_LISTEN_OVERFLOWS), 1);

  s32 cursor = 0, queued = -1, backlog = -1;
  while ((cursor = sk_sock_row(cursor)) >= 0) {
    u32 row = sk_scratch();
    if (load32(row) == srv) { queued = load32(row + SK_SOCK_ROW_RECV_Q); backlog = load32(row + SK_SOCK_ROW_SEND_Q); }
  }
  sockaddr_in(addr, 8080); /* sk_sock_row wrote over the scratch area */
  expect("the listener's accept queue holds backlog + 1 = 2 (Linux)", queued, 2);
  expect("the listener's row shows backlog 1", backlog, 1);

  /* accept: FIFO, the first client, with its address */
  store32(len, 16);
  s32 conn = sk_accept(srv, peer, len);
  expect("accept() returns the next descriptor, 7", conn, 7);
  expect("accept() wrote a 16-byte sockaddr_in", load32(len), 16);
  const u16 first_peer = port_of(peer);
  store32(len, 16);
  expect("getsockname(first client)", sk_getsockname(clients[0], peer, len), 0);
  expect("accept() took the first client (FIFO)", first_peer, port_of(peer));
  store32(len, 16);
  expect("the second connection is still queued", sk_accept(srv, 0, 0), 8);
  expect("the queue is then empty: EAGAIN", sk_accept4(srv, 0, 0, SK_SOCK_NONBLOCK), -SK_EAGAIN);

  /* options an embedder sets through the ABI */
  store32(val, 1);
  expect("TCP_DEFER_ACCEPT 1 s on the Linux listener", sk_setsockopt(srv, SK_IPPROTO_TCP, SK_TCP_DEFER_ACCEPT, val, 4), 0);
  store32(val, 1); store32(val + 4, 0);
  expect("SO_LINGER {1, 0}", sk_setsockopt(conn, SK_SOL_SOCKET, SK_SO_LINGER, val, 8), 0);
  expect("SO_LINGER with a 4-byte value: EINVAL", sk_setsockopt(conn, SK_SOL_SOCKET, SK_SO_LINGER, val, 4), -SK_EINVAL);

  /* bad input: an errno, never a trap, nothing changed */
  const u32 pages = (u32)k.w2c_memory.pages;
  const u32 beyond = pages * 65536u - 8u;
  s32 other = sk_socket(SK_AF_INET, SK_SOCK_STREAM, 0);
  expect("another socket()", other, 9);
  expect("bind to an address in use: EADDRINUSE", sk_bind(other, addr, 16), -SK_EADDRINUSE);
  expect("bind with a sockaddr past the end of memory: EFAULT", sk_bind(other, beyond, 16), -SK_EFAULT);
  expect("bind with a pointer that wraps: EFAULT", sk_bind(other, 0xFFFFFFF8u, 16), -SK_EFAULT);
  expect("connect with a pointer that wraps: EFAULT", sk_connect(other, 0xFFFFFFF0u, 16), -SK_EFAULT);
  expect("getsockname with a length pointer that wraps: EFAULT", sk_getsockname(srv, peer, 0xFFFFFFFEu), -SK_EFAULT);
  expect("setsockopt with a value that wraps: EFAULT", sk_setsockopt(srv, SK_SOL_SOCKET, SK_SO_RCVBUF, 0xFFFFFFFCu, 8), -SK_EFAULT);
  expect("poll of 2^29 descriptors (the byte count wraps in 32 bits): EFAULT", sk_poll(8, 1u << 29), -SK_EFAULT);
  expect("unlink with a path that wraps: EFAULT", sk_unlink(0xFFFFFFF0u, 100), -SK_EFAULT);
  expect("add_address with a sockaddr that wraps: EFAULT", sk_add_address(0xFFFFFFF8u, 16), -SK_EFAULT);
  expect("bind with addrlen 3: EINVAL", sk_bind(other, addr, 3), -SK_EINVAL);
  expect("listen on a descriptor never opened: EBADF", sk_listen(999, 1), -SK_EBADF);
  expect("listen on a negative descriptor: EBADF", sk_listen(-1, 1), -SK_EBADF);
  expect("socket(99, ...): EAFNOSUPPORT", sk_socket(99, SK_SOCK_STREAM, 0), -SK_EAFNOSUPPORT);
  expect("accept on a socket that does not listen: EINVAL", sk_accept(other, 0, 0), -SK_EINVAL);
  /* A range outside memory is refused before any effect, as Linux's access_ok does (docs: sk_accept). */
  expect("accept with the length pointer past memory: EFAULT, even on an empty queue", sk_accept(srv, peer, beyond + 6), -SK_EFAULT);
  store32(len, -1);
  expect("getsockopt with a negative length: EINVAL", sk_getsockopt(srv, SK_SOL_SOCKET, SK_SO_RCVBUF, val, len), -SK_EINVAL);
  expect("setsockopt of an unknown SOL_SOCKET option: ENOPROTOOPT", sk_setsockopt(srv, SK_SOL_SOCKET, 12345, val, 4), -SK_ENOPROTOOPT);
  expect("sk_init with personality 7: EINVAL", sk_init(7, 0), -SK_EINVAL);
  expect("every table still consistent sk_check", sk_check(), 0);

  /* close */
  expect("close the accepted connection", sk_close(conn), 0);
  expect("close it twice: EBADF", sk_close(conn), -SK_EBADF);
  for (int i = 0; i < 3; i++) expect("close a client", sk_close(clients[i]), 0);
  expect("close the second connection", sk_close(8), 0);
  expect("close the other socket", sk_close(other), 0);
  expect("close the listener", sk_close(srv), 0);
  expect("sk_check after every close", sk_check(), 0);
  expect("no descriptor left but stdio (SK_MEM_FDS)", sk_mem(SK_MEM_FDS), 3);

  printf("1..%d\n", checks);
  Z_sk_free(&k);
  wasm_rt_free();
  return failures;
}
