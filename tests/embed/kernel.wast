;; The release kernel in wabt's interpreter (spectest-interp): a second engine, not V8
;; or SpiderMonkey. tests/embed.test.mjs writes build/kernel.wasm (then
;; build/kernel.noimports.wasm) in place of the @kernel line as (module $kernel binary
;; "..."), turns this file into JSON with wast2json and runs it. Results are negative
;; Linux errnos (docs/abi.md); no bad input traps.

;; The release build imports two WASI functions, called only by abort() (a kernel bug):
;; stubs that trap. The no-imports build ignores them.
(module $wasi
  (func (export "fd_write") (param i32 i32 i32 i32) (result i32) unreachable)
  (func (export "proc_exit") (param i32) unreachable))
(register "wasi_snapshot_preview1" $wasi)

;; @kernel
(register "kernel" $kernel)

;; Writes struct sockaddr_in for 127.0.0.1:port into the kernel's scratch area (through
;; the exported memory) and passes it to bind or connect.
(module $drv
  (import "kernel" "memory" (memory 1))
  (import "kernel" "sk_scratch" (func $scratch (result i32)))
  (import "kernel" "sk_bind" (func $bind (param i32 i32 i32) (result i32)))
  (import "kernel" "sk_connect" (func $connect (param i32 i32 i32) (result i32)))
  (func $loopback (param $port i32) (result i32) (local $p i32)
    (local.set $p (call $scratch))
    (i32.store16 (local.get $p) (i32.const 2))                                   ;; AF_INET, little-endian
    (i32.store8 offset=2 (local.get $p) (i32.shr_u (local.get $port) (i32.const 8))) ;; port, big-endian
    (i32.store8 offset=3 (local.get $p) (local.get $port))
    (i32.store offset=4 (local.get $p) (i32.const 0x0100007f))                   ;; 127.0.0.1
    (i64.store offset=8 (local.get $p) (i64.const 0))
    (local.get $p))
  (func (export "bind_loopback") (param $fd i32) (param $port i32) (result i32)
    (call $bind (local.get $fd) (call $loopback (local.get $port)) (i32.const 16)))
  (func (export "connect_loopback") (param $fd i32) (param $port i32) (result i32)
    (call $connect (local.get $fd) (call $loopback (local.get $port)) (i32.const 16))))

(invoke $kernel "_initialize")
(assert_return (get $kernel "SK_ABI_VERSION") (i32.const 1))
(assert_return (invoke $kernel "sk_init" (i32.const 0) (i64.const 42)) (i32.const 0))

;; listen(backlog 1) on 127.0.0.1:8080
(assert_return (invoke $kernel "sk_socket" (i32.const 2) (i32.const 1) (i32.const 0)) (i32.const 3))
(assert_return (invoke $drv "bind_loopback" (i32.const 3) (i32.const 8080)) (i32.const 0))
(assert_return (invoke $kernel "sk_listen" (i32.const 3) (i32.const 1)) (i32.const 0))

;; three nonblocking clients (SOCK_STREAM | SOCK_NONBLOCK = 2049): EINPROGRESS each;
;; Linux admits backlog + 1 = 2, the third SYN is dropped and counted (ListenOverflows, id 0)
(assert_return (invoke $kernel "sk_socket" (i32.const 2) (i32.const 2049) (i32.const 0)) (i32.const 4))
(assert_return (invoke $kernel "sk_socket" (i32.const 2) (i32.const 2049) (i32.const 0)) (i32.const 5))
(assert_return (invoke $kernel "sk_socket" (i32.const 2) (i32.const 2049) (i32.const 0)) (i32.const 6))
(assert_return (invoke $drv "connect_loopback" (i32.const 4) (i32.const 8080)) (i32.const -115))
(assert_return (invoke $drv "connect_loopback" (i32.const 5) (i32.const 8080)) (i32.const -115))
(assert_return (invoke $drv "connect_loopback" (i32.const 6) (i32.const 8080)) (i32.const -115))
(assert_return (invoke $kernel "sk_stat" (i32.const 0)) (i64.const 1))

;; accept twice, then the queue is empty: EAGAIN (accept4 with SOCK_NONBLOCK = 2048)
(assert_return (invoke $kernel "sk_accept" (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 7))
(assert_return (invoke $kernel "sk_accept" (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 8))
(assert_return (invoke $kernel "sk_accept4" (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 2048)) (i32.const -11))
;; the third client's SYN is retransmitted after 1 s (simulated) and finds room now
(assert_return (invoke $kernel "sk_advance" (i64.const 1000000)) (i32.const 1))
(assert_return (invoke $kernel "sk_accept" (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 9))

;; bad input: an errno, never a trap
(assert_return (invoke $kernel "sk_bind" (i32.const 3) (i32.const 0xFFFFFFF8) (i32.const 16)) (i32.const -14)) ;; EFAULT, the range wraps
(assert_return (invoke $kernel "sk_bind" (i32.const 3) (i32.const 0) (i32.const -1)) (i32.const -22))          ;; EINVAL
(assert_return (invoke $kernel "sk_listen" (i32.const 999) (i32.const 1)) (i32.const -9))                      ;; EBADF
(assert_return (invoke $kernel "sk_listen" (i32.const -1) (i32.const 1)) (i32.const -9))                       ;; EBADF
(assert_return (invoke $kernel "sk_socket" (i32.const 99) (i32.const 1) (i32.const 0)) (i32.const -97))        ;; EAFNOSUPPORT
(assert_return (invoke $kernel "sk_accept" (i32.const 4) (i32.const 0) (i32.const 0)) (i32.const -22))         ;; EINVAL: not listening
(assert_return (invoke $kernel "sk_poll" (i32.const 8) (i32.const 0x20000000)) (i32.const -14))               ;; EFAULT, 2^29 * 8 wraps
(assert_return (invoke $kernel "sk_unlink" (i32.const 0xFFFFFFF0) (i32.const 100)) (i32.const -14))           ;; EFAULT
(assert_return (invoke $kernel "sk_init" (i32.const 7) (i64.const 0)) (i32.const -22))                         ;; EINVAL: no personality 7
(assert_return (invoke $kernel "sk_check") (i32.const 0))

;; close
(assert_return (invoke $kernel "sk_close" (i32.const 7)) (i32.const 0))
(assert_return (invoke $kernel "sk_close" (i32.const 7)) (i32.const -9))
(assert_return (invoke $kernel "sk_close" (i32.const 3)) (i32.const 0))
(assert_return (invoke $kernel "sk_check") (i32.const 0))
