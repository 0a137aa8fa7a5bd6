// The one scenario every runtime runs on the installed tarball (tests/package.test.mjs):
// a listener with backlog 1 meets three clients (Linux: room for two, the third's SYN is
// dropped and counted), one accept in FIFO order, an EADDRINUSE shaped like Node's, and
// close. Plain JavaScript with web APIs only, so Node (ESM and CJS), Deno, Bun, workerd
// and browsers run this same file; it returns what it saw as JSON-able data and the test
// compares every runtime's answer with the same expectation.
//
// `sk` is the package's module namespace as the runtime resolved it; `options` adds to
// createKernel's options (workerd passes the compiled module as `wasm`).
export async function run(sk, options = {}) {
  const { AF_INET, SOCK_STREAM, SOCK_NONBLOCK } = sk;
  const k = await sk.createKernel({ personality: 'linux', ...options });
  const port = 8080;
  const listener = k.socket(AF_INET, SOCK_STREAM);
  k.bind(listener, { address: '127.0.0.1', port });
  k.listen(listener, 1);

  const connects = [];
  const clients = [0, 1, 2].map(() => {
    const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    try { k.connect(fd, { address: '127.0.0.1', port }); connects.push('connected'); }
    catch (e) { connects.push(e.code); }
    return fd;
  });
  const row = k.sockets().find((s) => s.fd === listener);

  let bindError;
  const second = k.socket(AF_INET, SOCK_STREAM);
  try {
    k.bind(second, { address: '127.0.0.1', port });
  } catch (e) {
    bindError = { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, message: e.message };
  }
  k.close(second);

  const accepted = k.accept(listener);
  const clientPort = k.getsockname(clients[0]).port;
  k.close(accepted.fd);
  for (const fd of clients) k.close(fd);
  k.close(listener);
  return {
    entry: sk.entry,
    connects,
    acceptQueue: row.recvQ,
    backlog: row.sendQ,
    listenOverflows: k.stats().ListenOverflows,
    acceptedFirstClient: accepted.address.port === clientPort,
    bindError,
    descriptorsAfterClose: k.sockets().filter((s) => s.fd !== null).map((s) => s.fd),
  };
}
